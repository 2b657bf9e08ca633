import { Amount } from '../core/amount';
import type { AccountId } from '../core/ids';
import { book, type Posting } from './books';

/** Whether a posting fronted an advance (out of the advance book) or recovered one (back into it). */
export type AdvanceLineKind = 'advance' | 'recovery';

/** One student's advance book as an auditor reads it: what was fronted, recovered and is still owed. */
export interface AdvanceBook {
  /** The account the book belongs to (the book's name without `advance:`). */
  readonly account: string;
  readonly advanced: Amount;
  readonly recovered: Amount;
  /** advanced − recovered: what the student still owes the guarantee fund. */
  readonly outstanding: Amount;
  readonly lines: readonly { readonly kind: AdvanceLineKind; readonly posting: Posting }[];
}

const PREFIX = 'advance:';

/**
 * Advances and recoveries per advance book, books in name order, lines in posting order. A posting
 * out of an advance book fronts an advance; one into it recovers. `only` keeps one account's book.
 */
export function advanceBooks(postings: Iterable<Posting>, only?: AccountId): AdvanceBook[] {
  const onlyBook = only === undefined ? undefined : book.advance(only);
  const byBook = new Map<string, { advanced: Amount; recovered: Amount; lines: { kind: AdvanceLineKind; posting: Posting }[] }>();
  for (const p of postings) {
    const isAdvance = p.from.startsWith(PREFIX);
    if (!isAdvance && !p.to.startsWith(PREFIX)) continue;
    const name = isAdvance ? p.from : p.to;
    if (onlyBook !== undefined && name !== onlyBook) continue;
    const entry = byBook.get(name) ?? { advanced: Amount.ZERO, recovered: Amount.ZERO, lines: [] };
    if (isAdvance) entry.advanced = entry.advanced.add(p.amount);
    else entry.recovered = entry.recovered.add(p.amount);
    entry.lines.push({ kind: isAdvance ? 'advance' : 'recovery', posting: p });
    byBook.set(name, entry);
  }
  return [...byBook.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, e]) => ({ account: name.slice(PREFIX.length), advanced: e.advanced, recovered: e.recovered, outstanding: e.advanced.sub(e.recovered), lines: e.lines }));
}
