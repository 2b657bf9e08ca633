import { Amount } from '../core/amount';
import type { AccountState } from './account';
import { book, posting, type Posting } from './books';
import { dayOf, type PointsPolicy } from './points';

/**
 * Campus points as lots by the UTC day they were earned (docs/settlement.md, "Campus value"):
 * spending and lapsing take the oldest first, and the policy's `expiryDays` lapses a lot that many
 * days after its day. Pure functions of the account; the postings are in the points unit.
 */

/** An account's lots, oldest first; an account from before lots holds one lot of its `pointsDay`. */
export function lotsOf(a: AccountState): [number, Amount][] {
  const lots = a.pointsLots ?? (a.points.gt(Amount.ZERO) ? { [String(a.pointsDay)]: a.points } : {});
  return Object.entries(lots).map(([day, n]): [number, Amount] => [Number(day), n]).sort((x, y) => x[0] - y[0]);
}

const asRecord = (lots: readonly [number, Amount][]): Record<string, Amount> =>
  Object.fromEntries(lots.filter(([, n]) => n.gt(Amount.ZERO)).map(([day, n]) => [String(day), n]));

/** Adds points earned on `day`. */
export function earnLot(a: AccountState, day: number, points: Amount): AccountState {
  const lots = asRecord(lotsOf(a));
  lots[String(day)] = (lots[String(day)] ?? Amount.ZERO).add(points);
  return { ...a, points: a.points.add(points), pointsLots: lots };
}

/** Takes `points` (at most what is held) from the oldest lots. */
function takeOldest(a: AccountState, points: Amount): AccountState {
  let left = points;
  const lots = lotsOf(a).map(([day, n]): [number, Amount] => {
    const used = n.min(left);
    left = left.sub(used);
    return [day, n.sub(used)];
  });
  return { ...a, points: a.points.sub(points.sub(left)), pointsLots: asRecord(lots) };
}

/**
 * Spends `due` points on a sale paid in points, all or nothing: the points go to `points-redeemed`
 * and the operator's points fund pays the price into `from` (the suspense the merchant was paid
 * from). Undefined when the account holds fewer than `due`.
 */
export function redeem(a: AccountState, due: Amount, price: Amount, from: string, ref: string): { account: AccountState; postings: Posting[] } | undefined {
  if (a.points.lt(due)) return undefined;
  return {
    account: takeOldest(a, due),
    postings: [posting(book.points(a.id), book.pointsRedeemed, due, ref), posting(book.pointsFund, from, price, ref)],
  };
}

/** The last UTC day whose lots have lapsed at `now` under the policy; undefined when points never lapse by policy. */
export function lapsedThrough(policy: PointsPolicy | undefined, now: number): number | undefined {
  return policy?.expiryDays === undefined ? undefined : dayOf(now) - policy.expiryDays;
}

/** Lapses every lot earned on or before `through` (a lot lapses `expiryDays` after its day). */
export function expireLots(a: AccountState, through: number | undefined): { account: AccountState; expired: Amount; postings: Posting[] } {
  if (through === undefined) return { account: a, expired: Amount.ZERO, postings: [] };
  const lots = lotsOf(a);
  let expired = Amount.ZERO;
  for (const [day, n] of lots) if (day <= through) expired = expired.add(n);
  if (!expired.gt(Amount.ZERO)) return { account: a, expired, postings: [] };
  return {
    account: { ...a, points: a.points.sub(expired), pointsLots: asRecord(lots.filter(([day]) => day > through)) },
    expired,
    postings: [posting(book.points(a.id), book.pointsExpired, expired, `points-expiry:${a.id}:${through}`)],
  };
}
