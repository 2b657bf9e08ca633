import { Amount } from '../core/amount';
import { balancesOf, type Posting } from './books';

/** A book whose stored balance its postings do not explain. */
export interface BookMismatch {
  readonly book: string;
  readonly stored: Amount;
  readonly fromPostings: Amount;
}

/**
 * The proof an account's statement carries: each of its books' postings must add up to the
 * balance the account holds. Lists every book that disagrees, in the order `stored` names them.
 */
export function statementMismatches(stored: readonly (readonly [string, Amount])[], lines: Iterable<Posting>): BookMismatch[] {
  const fromPostings = balancesOf(lines);
  return stored
    .map(([name, kept]) => ({ book: name, stored: kept, fromPostings: fromPostings.get(name) ?? Amount.ZERO }))
    .filter((m) => !m.fromPostings.equals(m.stored));
}
