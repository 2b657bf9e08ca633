import { Amount } from '../core/amount';
import { DomainError } from '../core/errors';
import { parseAccountId, type AccountId, type MediaId, type MerchantId } from '../core/ids';

/**
 * Names of the book accounts postings move money between (DESIGN §5, Books). A student's debt
 * shows as negative balances on `advance:` (owed to the operator's guarantee fund) and `credit:`
 * (owed to the school's credit line); the money itself sits in `wallet:`.
 */
export const book = {
  wallet: (a: AccountId) => `wallet:${a}`,
  advance: (a: AccountId) => `advance:${a}`,
  credit: (a: AccountId) => `credit:${a}`,
  points: (a: AccountId) => `points:${a}`,
  /** Money in one card's electronic purse, as the ledger's shadow counts it. */
  purse: (m: MediaId) => `purse:${m}`,
  merchant: (m: MerchantId) => `merchant:${m}`,
  guaranteeFund: 'guarantee-fund',
  topUpClearing: 'topup-clearing',
  payouts: 'payouts',
  writeOffs: 'write-offs',
  referred: 'referred',
  refunds: 'refunds',
  pointsIssued: 'points-issued',
  /** Points spent at a terminal (points unit): where a redemption's points go. */
  pointsRedeemed: 'points-redeemed',
  /** Points that lapsed, by policy or at graduation (points unit). */
  pointsExpired: 'points-expired',
  /** Money: the operator's fund that pays merchants the price of sales paid in points. */
  pointsFund: 'points-fund',
  /** Suspense: settled sales paid to their merchants whose funding a fold has not decided yet. */
  chargesPending: 'charges-awaiting-funding',
} as const;

/** One movement: `amount` leaves `from` and arrives at `to`, so every posting sums to zero. */
export interface Posting {
  readonly from: string;
  readonly to: string;
  readonly amount: Amount;
  /** What caused it: a payment id, a top-up id, a clearance id. */
  readonly ref: string;
}

/** Makes a posting; a zero or negative amount is a programming error, not input. */
export function posting(from: string, to: string, amount: Amount, ref: string): Posting {
  if (!amount.gt(Amount.ZERO)) throw new Error(`posting of ${amount.toString()} from ${from} to ${to}`);
  if (from === to) throw new Error(`posting from ${from} to itself`);
  return { from, to, amount, ref };
}

/** Balances recomputed from postings alone, the way an auditor does it. */
export function balancesOf(postings: Iterable<Posting>): Map<string, Amount> {
  const out = new Map<string, Amount>();
  const move = (name: string, delta: Amount): void => {
    out.set(name, (out.get(name) ?? Amount.ZERO).add(delta));
  };
  for (const p of postings) {
    move(p.from, p.amount.neg());
    move(p.to, p.amount);
  }
  return out;
}

/** Outcome of the books' invariant: the sum of all balances and every stored balance that disagrees. */
export interface InvariantReport {
  readonly ok: boolean;
  readonly postings: number;
  readonly sum: Amount;
  readonly mismatches: readonly { readonly book: string; readonly stored: Amount; readonly fromPostings: Amount }[];
  /** Balance per class of book (`wallet`, `credit`, `advance`, `merchant`, `guarantee-fund`, ...), from the postings, by class name. */
  readonly totals: ReadonlyMap<string, Amount>;
}

/**
 * Proves the books: all balances recomputed from postings sum to zero, and each stored balance
 * equals its recomputation. `stored` lists the balances the ledger keeps for fast reads.
 */
export function checkInvariant(postings: readonly Posting[], stored: ReadonlyMap<string, Amount>): InvariantReport {
  const computed = balancesOf(postings);
  let sum = Amount.ZERO;
  for (const value of computed.values()) sum = sum.add(value);
  const totals = new Map<string, Amount>();
  for (const [name, balance] of computed) {
    const cls = name.split(':')[0] ?? name;
    totals.set(cls, (totals.get(cls) ?? Amount.ZERO).add(balance));
  }
  const mismatches: { book: string; stored: Amount; fromPostings: Amount }[] = [];
  const names = [...new Set([...computed.keys(), ...stored.keys()])].sort();
  for (const name of names) {
    const fromPostings = computed.get(name) ?? Amount.ZERO;
    const kept = stored.get(name);
    if (kept !== undefined && !kept.equals(fromPostings)) mismatches.push({ book: name, stored: kept, fromPostings });
  }
  return { ok: sum.isZero() && mismatches.length === 0, postings: postings.length, sum, mismatches, totals: new Map([...totals].sort(([a], [b]) => a.localeCompare(b))) };
}

/** Serialised posting as it is stored and shown: amounts as decimal strings. */
export function postingToJson(p: Posting): { from: string; to: string; amount: string; ref: string } {
  return { from: p.from, to: p.to, amount: p.amount.toString(), ref: p.ref };
}

/** Reads a stored posting back. */
export function postingFromJson(value: { from: unknown; to: unknown; amount: unknown; ref: unknown }): Posting {
  if (typeof value.from !== 'string' || typeof value.to !== 'string' || typeof value.ref !== 'string') {
    throw new DomainError('INVALID_FIELD', 'posting must have string from, to and ref');
  }
  return posting(value.from, value.to, Amount.parsePositive(value.amount, 'posting.amount'), value.ref);
}

const STUDENT_BOOK = /^(wallet|advance|credit|points):(.+)$/;

/** The account a student book belongs to (`wallet:s1` → s1), or undefined for the operator's and school's books. */
export function accountOfBook(name: string): AccountId | undefined {
  const m = STUDENT_BOOK.exec(name);
  return m?.[2] === undefined ? undefined : parseAccountId(m[2]);
}

/** Postings grouped by the student accounts whose books they touch (a posting between two students goes to both). */
export function linesByAccount(postings: readonly Posting[]): Map<AccountId, Posting[]> {
  const out = new Map<AccountId, Posting[]>();
  for (const p of postings) {
    for (const a of new Set([accountOfBook(p.from), accountOfBook(p.to)])) {
      if (a === undefined) continue;
      const list = out.get(a) ?? [];
      list.push(p);
      out.set(a, list);
    }
  }
  return out;
}
