import { Amount } from '../core/amount';
import type { AccountId, Digest, MediaId, MerchantId } from '../core/ids';
import { charge, mediumOf, withDebtClock, type AccountState, type Funding } from './account';
import { book, posting, type Posting } from './books';
import { dayOf, pointsFor, type PointsPolicy } from './points';
import { earnLot, expireLots, redeem } from './points-lots';

/**
 * A settled payment awaiting funding (docs/settlement.md, "Funding at the fold"): settlement paid
 * the merchant from `charges-awaiting-funding` and wrote this under the payer; the fold decides who
 * pays for it.
 */
export interface PendingCharge {
  readonly paymentId: string;
  readonly account: AccountId;
  readonly merchantId: MerchantId;
  readonly amount: Amount;
  /** The sale's time (the terminal's clock): the order charges are funded in. */
  readonly at: number;
  /** The ledger time it settled: the day of its points cap. */
  readonly settledAt: number;
  /** The medium and its certificate (`ctrFrom` and `capTotal`), when a medium paid. */
  readonly medium?: { readonly mediaId: MediaId; readonly certKey: string; readonly capTotal: Amount };
  /** A second use of a counter: funded like any sale, earns no points, counts against no cap. */
  readonly doubleSpend: boolean;
  /** The points policy version current at settlement (none: no points). */
  readonly pointsVersion?: number;
  /** A sale paid in points: the points it costs, by the policy current at settlement (campus-value extension). */
  readonly pointsDue?: Amount;
  /** A purse purchase: what the card signed of its counters and balances (settlement/purse-shadow.ts). */
  readonly purse?: PurseCharge;
}

/** What a purse purchase's charge keeps of what the card signed (settlement/purse-shadow.ts applies it). */
export interface PurseCharge {
  readonly mediaId: MediaId;
  readonly ctr: number;
  readonly loadCtr: number;
  readonly before: Amount;
  readonly after: Amount;
  readonly prev: Digest;
  readonly hash: Digest;
}

/** The flags only the fold can decide: they are running totals of the account. */
export type FoldFlag = 'cap-total-exceeded' | 'post-closure-referred' | 'points-short' | 'purse-clone' | 'purse-tampered';

/** Every fold flag, for readers. */
export const FOLD_FLAGS: readonly FoldFlag[] = ['cap-total-exceeded', 'post-closure-referred', 'points-short', 'purse-clone', 'purse-tampered'];

/** What the fold decided for one payment (`funded/<paymentId>`). */
export interface FundedPayment {
  readonly paymentId: string;
  readonly account: AccountId;
  readonly funding: Funding;
  /** Points earned by the payment. */
  readonly points: Amount;
  /** Points spent on it: a sale paid in points whose account held them (then wallet, credit and advance are zero). */
  readonly redeemed?: Amount;
  readonly flags: readonly FoldFlag[];
  readonly foldedAt: number;
}

/** How a payment's funding is named once decided: the source of the money, `advance` if any was fronted. */
export function fundingKind(f: Funding, redeemed?: Amount): 'points' | 'purse' | 'wallet' | 'credit' | 'advance' {
  if (redeemed?.gt(Amount.ZERO) === true) return 'points';
  if (f.purse?.gt(Amount.ZERO) === true) return 'purse';
  if (f.advance.gt(Amount.ZERO)) return 'advance';
  return f.credit.gt(Amount.ZERO) ? 'credit' : 'wallet';
}

/** Charges in the order they are funded: by sale time, then payment id (deterministic on every endorser). */
export function fundingOrder(charges: readonly PendingCharge[]): PendingCharge[] {
  return [...charges].sort((a, b) => a.at - b.at || (a.paymentId < b.paymentId ? -1 : a.paymentId > b.paymentId ? 1 : 0));
}

/**
 * Folds pending charges into their account (DESIGN §5): in sale-time order, each is funded from the
 * wallet, then the unused credit line, and the rest is advanced by the guarantee fund (after closure
 * the fund pays all of it and the sale is referred); each medium's spend under its certificate is
 * added up against `capTotal`; points are issued under the daily cap of the day the payment settled,
 * by the policy current then. Pure: the contract reads the account, the charges and the policies,
 * and writes what this returns. Readers use it too, to show balances that include pending charges.
 */
export function foldCharges(
  account: AccountState, charges: readonly PendingCharge[], now: number, policyOf: (version: number) => PointsPolicy | undefined,
  lapsedThrough?: number,
): { account: AccountState; funded: FundedPayment[]; postings: Posting[] } {
  // Points that lapsed by policy go first, so that a sale paid in points never spends them.
  const lapsed = expireLots(account, lapsedThrough);
  let a = lapsed.account;
  const funded: FundedPayment[] = [];
  const postings: Posting[] = [...lapsed.postings];
  for (const c of fundingOrder(charges)) {
    if (c.account !== account.id) throw new Error(`charge ${c.paymentId} belongs to ${c.account}, not ${account.id}`);
    const flags: FoldFlag[] = [];
    let funding: Funding;
    let redeemed: Amount | undefined;
    const spent = c.pointsDue === undefined || a.status === 'closed' ? undefined : redeem(a, c.pointsDue, c.amount, book.chargesPending, c.paymentId);
    if (c.pointsDue !== undefined && spent === undefined && a.status !== 'closed') flags.push('points-short');
    if (c.purse !== undefined) {
      // Only a clone's purchase reaches here (the shadow applies the others): the card paid once,
      // so the guarantee fund pays the merchant, and no student is charged for a cloned card.
      postings.push(posting(book.guaranteeFund, book.chargesPending, c.amount, c.paymentId));
      funding = { wallet: Amount.ZERO, credit: Amount.ZERO, advance: c.amount };
      flags.push('purse-clone');
    } else if (spent !== undefined) {
      // Paid in points: the operator's points fund pays the merchant's price; no money of the student's.
      a = spent.account;
      postings.push(...spent.postings);
      funding = { wallet: Amount.ZERO, credit: Amount.ZERO, advance: Amount.ZERO };
      redeemed = c.pointsDue;
    } else if (a.status === 'closed') {
      postings.push(posting(book.guaranteeFund, book.chargesPending, c.amount, c.paymentId));
      funding = { wallet: Amount.ZERO, credit: Amount.ZERO, advance: c.amount };
      flags.push('post-closure-referred');
    } else {
      const charged = charge(a, c.amount, book.chargesPending, c.paymentId);
      a = withDebtClock(a, charged.account, now);
      funding = charged.funding;
      postings.push(...charged.postings);
    }
    if (c.medium !== undefined && !c.doubleSpend) {
      const { mediaId, certKey, capTotal } = c.medium;
      const medium = mediumOf(a, mediaId) ?? { used: {}, spent: {} };
      const spent = (medium.spent[certKey] ?? Amount.ZERO).add(c.amount);
      if (spent.gt(capTotal)) flags.push('cap-total-exceeded');
      a = { ...a, media: { ...a.media, [mediaId]: { ...medium, spent: { ...medium.spent, [certKey]: spent } } } };
    }
    let points = Amount.ZERO;
    const policy = c.pointsVersion === undefined ? undefined : policyOf(c.pointsVersion);
    // A sale paid in points earns none, whether the points covered it or money did.
    if (policy !== undefined && !c.doubleSpend && a.status === 'active' && c.pointsDue === undefined) {
      // The cap counts per UTC day of settlement. A charge of a day before the account's last
      // points day (folded late) counts from zero and leaves the newer day's count alone.
      const day = dayOf(c.settledAt);
      const today = a.pointsDay === day ? a.pointsToday : Amount.ZERO;
      points = pointsFor(policy, c.merchantId, c.amount, today);
      if (points.gt(Amount.ZERO)) {
        postings.push(posting(book.pointsIssued, book.points(a.id), points, c.paymentId));
        // The lot is dated by the sale (the student's signed code or tap anchors its time): points lapse counted from the purchase.
        a = { ...earnLot(a, dayOf(c.at), points), ...(day >= a.pointsDay ? { pointsDay: day, pointsToday: today.add(points) } : {}) };
      }
    }
    funded.push({ paymentId: c.paymentId, account: a.id, funding, points, ...(redeemed === undefined ? {} : { redeemed }), flags, foldedAt: now });
  }
  return { account: a, funded, postings };
}

/** The total of pending charges, and the settlement time of the oldest: what auditors watch. */
export function pendingSummary(charges: readonly PendingCharge[]): { count: number; total: Amount; oldestSettledAt: number | null } {
  let total = Amount.ZERO;
  let oldest: number | null = null;
  for (const c of charges) {
    total = total.add(c.amount);
    if (oldest === null || c.settledAt < oldest) oldest = c.settledAt;
  }
  return { count: charges.length, total, oldestSettledAt: oldest };
}

/**
 * The suspense book's check (CheckInvariant): `charges-awaiting-funding` was debited once per
 * settled sale and credited once per fold, so its balance plus the charges still pending is zero.
 * Also what auditors watch: how many charges wait, for how much, and how old the oldest is.
 */
export function checkPendingCharges(suspense: Amount, charges: readonly PendingCharge[], now: number): {
  ok: boolean; count: number; total: Amount; suspense: Amount; oldestSettledAt: number | null; oldestAgeMs: number | null;
} {
  const s = pendingSummary(charges);
  return {
    ok: suspense.add(s.total).isZero(), count: s.count, total: s.total, suspense, oldestSettledAt: s.oldestSettledAt,
    oldestAgeMs: s.oldestSettledAt === null ? null : Math.max(0, now - s.oldestSettledAt),
  };
}
