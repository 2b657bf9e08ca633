import { Amount } from '../core/amount';
import type { AccountId, GroupId, MerchantId } from '../core/ids';
import { openAccount, storedBalances, type AccountState } from './account';
import { balancesOf, book, checkInvariant } from './books';
import { completeClearance } from './clearance';
import { foldCharges, fundingKind, type PendingCharge } from './fold';
import { dayOf, pointsDue, type PointsPolicy } from './points';
import { earnLot, expireLots, lapsedThrough, lotsOf } from './points-lots';
import { outstanding, pointsMovements, pointsSupplyOf, rollForward } from './points-supply';

const A = 'ann' as AccountId;
const DAY = 86_400_000;
const NOW = 800 * DAY + 5_000;
const n = (s: string): Amount => Amount.parse(s);
const base = (wallet: string): AccountState => ({ ...openAccount(A, 'g' as GroupId, n('0')), wallet: n(wallet) });
const policy: PointsPolicy = { version: 1, ratePerMille: 100, multipliers: {}, dailyCap: n('1000'), redeemPointsPerMille: 1000, expiryDays: 365 };
const policyOf = (v: number): PointsPolicy | undefined => (v === 1 ? policy : undefined);
const charge = (paymentId: string, at: number, value: string, extra: Partial<PendingCharge> = {}): PendingCharge => ({
  paymentId, account: A, merchantId: 'canteen-1' as MerchantId, amount: n(value), at, settledAt: NOW, doubleSpend: false, pointsVersion: 1, ...extra,
});

describe('pointsDue (campus value: a sale paid in points)', () => {
  it('prices the sale at redeemPointsPerMille, rounding up; none without a redemption rate', () => {
    expect(pointsDue(policy, n('1250'))?.toString()).toBe('1250');
    expect(pointsDue({ ...policy, redeemPointsPerMille: 333 }, n('10'))?.toString()).toBe('4');
    expect(pointsDue({ version: 1, ratePerMille: 10, multipliers: {}, dailyCap: n('1') }, n('10'))).toBeUndefined();
    expect(pointsDue(undefined, n('10'))).toBeUndefined();
  });
});

describe('points lots', () => {
  it('keeps points by the day they were earned; an account from before lots is one lot of its pointsDay', () => {
    expect(lotsOf({ ...base('0'), points: n('40'), pointsDay: 700 }).map(([d, p]) => [d, p.toString()])).toEqual([[700, '40']]);
    const a = earnLot(earnLot(base('0'), 500, n('10')), 600, n('5'));
    expect([a.points.toString(), lotsOf(a).map(([d, p]) => `${d}:${p.toString()}`)]).toEqual(['15', ['500:10', '600:5']]);
  });

  it('lapses every lot expiryDays after its day, oldest first, and posts it to points-expired', () => {
    const a = earnLot(earnLot(base('0'), dayOf(NOW) - 366, n('10')), dayOf(NOW) - 365, n('7'));
    const held = earnLot(a, dayOf(NOW) - 364, n('3'));
    const r = expireLots(held, lapsedThrough(policy, NOW));
    expect([r.expired.toString(), r.account.points.toString(), lotsOf(r.account).length]).toEqual(['17', '3', 1]);
    expect(r.postings.map((p) => [p.from, p.to, p.amount.toString()])).toEqual([[book.points(A), book.pointsExpired, '17']]);
    expect(expireLots(held, lapsedThrough({ version: 1, ratePerMille: 100, multipliers: {}, dailyCap: n('1000') }, NOW)).expired.isZero()).toBe(true);
  });
});

describe('foldCharges with points as a tender', () => {
  it('spends the points (oldest lot first) and pays the merchant\'s price from the points fund; the sale earns none', () => {
    const a = earnLot(earnLot(base('100'), dayOf(NOW) - 10, n('600')), dayOf(NOW) - 1, n('900'));
    const r = foldCharges(a, [charge('t:1', 1, '1000', { pointsDue: n('1000') })], NOW, policyOf, lapsedThrough(policy, NOW));
    const [f] = r.funded;
    if (f === undefined) throw new Error('nothing funded');
    expect([fundingKind(f.funding, f.redeemed), f.redeemed?.toString(), f.points.toString(), f.flags]).toEqual(['points', '1000', '0', []]);
    expect([r.account.points.toString(), r.account.wallet.toString(), lotsOf(r.account).map(([d, p]) => `${d}:${p.toString()}`)]).toEqual(['500', '100', [`${dayOf(NOW) - 1}:500`]]);
    const b = balancesOf(r.postings);
    expect([b.get(book.chargesPending), b.get(book.pointsFund), b.get(book.pointsRedeemed), b.get(book.points(A))].map(String)).toEqual(['1000', '-1000', '1000', '-1000']);
  });

  it('charges money when the points do not cover the sale (flag points-short), and spends none of them', () => {
    const a = earnLot(base('300'), dayOf(NOW), n('50'));
    const r = foldCharges(a, [charge('t:1', 1, '400', { pointsDue: n('400') })], NOW, policyOf);
    expect(r.funded.map((f) => [fundingKind(f.funding), f.flags, f.redeemed])).toEqual([['advance', ['points-short'], undefined]]);
    expect([r.account.points, r.account.wallet, r.account.advance].map(String)).toEqual(['50', '0', '100']);
  });

  it('lapses expired points before a sale can spend them', () => {
    const a = earnLot(base('0'), dayOf(NOW) - 400, n('500'));
    const r = foldCharges(a, [charge('t:1', 1, '300', { pointsDue: n('300') })], NOW, policyOf, lapsedThrough(policy, NOW));
    expect(r.funded.map((f) => f.flags)).toEqual([['points-short']]);
    expect(pointsMovements(r.postings).expired.toString()).toBe('500');
    expect(r.account.points.isZero()).toBe(true);
  });
});

describe('the points roll-forward', () => {
  it('is opening + issued − redeemed − expired = closing for any period, and the journal sums to the ledger', () => {
    const j = (day: number, issued: string, redeemed: string, expired: string) => ({
      day, movements: { issued: n(issued), redeemed: n(redeemed), expired: n(expired), compensated: n(redeemed) },
    });
    const journal = [j(10, '100', '0', '0'), j(11, '50', '30', '0'), j(12, '0', '20', '10'), j(13, '5', '0', '0')];
    const r = rollForward(journal, 11, 12);
    expect([r.opening, r.period.issued, r.period.redeemed, r.period.expired, r.closing].map(String)).toEqual(['100', '50', '50', '10', '90']);
    expect(outstanding(r.total).toString()).toBe('95');
    expect(rollForward(journal, 14, 20).opening.toString()).toBe('95');
  });

  it('clearance lapses what is left into points-expired, and the supply and the books still prove', () => {
    let a = earnLot(base('0'), 5, n('70'));
    a = { ...a, status: 'clearing' };
    const issued = [{ from: book.pointsIssued, to: book.points(A), amount: n('70'), ref: 'x' }];
    const r = completeClearance(a, [], 'clearance:ann');
    const postings = [...issued, ...r.postings];
    expect(pointsSupplyOf(postings, [r.account.points]).consistent).toBe(true);
    expect(pointsMovements(postings).expired.toString()).toBe('70');
    expect(checkInvariant(postings, new Map(storedBalances(r.account))).ok).toBe(true);
  });
});
