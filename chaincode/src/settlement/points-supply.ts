import { Amount } from '../core/amount';
import { book, type Posting } from './books';

/** The points in circulation, from the postings, beside what the accounts hold. */
export interface PointsSupply {
  /** Posted out of `points-issued`: every point ever granted. */
  readonly issued: Amount;
  /** Posted back into `points-issued`: points that lapsed or were spent away. */
  readonly expired: Amount;
  /** issued − expired. */
  readonly supply: Amount;
  readonly heldByAccounts: Amount;
  /** The supply equals what the accounts hold. */
  readonly consistent: boolean;
}

/** The points supply an auditor proves: issued − expired from the postings must equal the accounts' points. */
export function pointsSupplyOf(postings: Iterable<Posting>, held: Iterable<Amount>): PointsSupply {
  let issued = Amount.ZERO;
  let expired = Amount.ZERO;
  for (const p of postings) {
    if (p.from === book.pointsIssued) issued = issued.add(p.amount);
    if (p.to === book.pointsIssued) expired = expired.add(p.amount);
  }
  let heldByAccounts = Amount.ZERO;
  for (const points of held) heldByAccounts = heldByAccounts.add(points);
  const supply = issued.sub(expired);
  return { issued, expired, supply, heldByAccounts, consistent: heldByAccounts.equals(supply) };
}
