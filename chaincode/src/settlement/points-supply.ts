import { Amount } from '../core/amount';
import { book, type Posting } from './books';

/** What points did in some postings: granted, spent at terminals, lapsed; and the money the points fund paid merchants for them. */
export interface PointsMovements {
  /** Posted out of `points-issued`. */
  readonly issued: Amount;
  /** Posted into `points-redeemed`: spent on sales paid in points. */
  readonly redeemed: Amount;
  /** Posted into `points-expired` (and, on ledgers from before it, back into `points-issued`). */
  readonly expired: Amount;
  /** Money posted out of `points-fund`: the price of the sales paid in points. */
  readonly compensated: Amount;
}

export const NO_MOVEMENTS: PointsMovements = { issued: Amount.ZERO, redeemed: Amount.ZERO, expired: Amount.ZERO, compensated: Amount.ZERO };

/** Sums the points movements of some postings. */
export function pointsMovements(postings: Iterable<Posting>, into: PointsMovements = NO_MOVEMENTS): PointsMovements {
  let { issued, redeemed, expired, compensated } = into;
  for (const p of postings) {
    if (p.from === book.pointsIssued) issued = issued.add(p.amount);
    if (p.to === book.pointsRedeemed) redeemed = redeemed.add(p.amount);
    if (p.to === book.pointsExpired || p.to === book.pointsIssued) expired = expired.add(p.amount);
    if (p.from === book.pointsFund) compensated = compensated.add(p.amount);
  }
  return { issued, redeemed, expired, compensated };
}

/** Adds two sets of movements. */
export function addMovements(a: PointsMovements, b: PointsMovements): PointsMovements {
  return { issued: a.issued.add(b.issued), redeemed: a.redeemed.add(b.redeemed), expired: a.expired.add(b.expired), compensated: a.compensated.add(b.compensated) };
}

/** True when nothing moved. */
export const noMovement = (m: PointsMovements): boolean => m.issued.isZero() && m.redeemed.isZero() && m.expired.isZero() && m.compensated.isZero();

/** Points outstanding after some movements: issued − redeemed − expired. */
export const outstanding = (m: PointsMovements): Amount => m.issued.sub(m.redeemed).sub(m.expired);

/** The points in circulation, from the postings, beside what the accounts hold. */
export interface PointsSupply extends PointsMovements {
  /** issued − redeemed − expired. */
  readonly supply: Amount;
  readonly heldByAccounts: Amount;
  /** The supply equals what the accounts hold. */
  readonly consistent: boolean;
}

/** The points supply an auditor proves: issued − redeemed − expired from the postings must equal the accounts' points. */
export function pointsSupplyOf(postings: Iterable<Posting>, held: Iterable<Amount>): PointsSupply {
  const m = pointsMovements(postings);
  let heldByAccounts = Amount.ZERO;
  for (const points of held) heldByAccounts = heldByAccounts.add(points);
  const supply = outstanding(m);
  return { ...m, supply, heldByAccounts, consistent: heldByAccounts.equals(supply) };
}

/** One transaction's points movements on one UTC day (the journal the roll-forward sums; no key every sale rewrites). */
export interface JournalEntry {
  readonly day: number;
  readonly movements: PointsMovements;
}

/**
 * The points liability over days [fromDay, toDay] (IFRS 15: points are a deferred obligation until
 * spent or lapsed): opening + issued − redeemed − expired = closing, from the journal alone.
 */
export function rollForward(journal: Iterable<JournalEntry>, fromDay: number, toDay: number): { opening: Amount; period: PointsMovements; closing: Amount; total: PointsMovements } {
  let before = NO_MOVEMENTS;
  let period = NO_MOVEMENTS;
  let total = NO_MOVEMENTS;
  for (const e of journal) {
    total = addMovements(total, e.movements);
    if (e.day < fromDay) before = addMovements(before, e.movements);
    else if (e.day <= toDay) period = addMovements(period, e.movements);
  }
  const opening = outstanding(before);
  return { opening, period, closing: opening.add(outstanding(period)), total };
}
