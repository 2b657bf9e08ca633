import { Amount } from '../core/amount';
import type { AccountId, GroupId, MediaId, MerchantId } from '../core/ids';
import { openAccount, type AccountState } from './account';
import { balancesOf, book } from './books';
import { checkPendingCharges, foldCharges, fundingKind, type PendingCharge } from './fold';
import { payerOf } from './payer';
import type { PointsPolicy } from './points';

const A = 'ann' as AccountId;
const DAY = 86_400_000;
const NOW = 400 * DAY + 5_000;
const amount = (s: string): Amount => Amount.parse(s);
const account = (wallet: string, creditLine: string): AccountState => ({ ...openAccount(A, 'g' as GroupId, amount(creditLine)), wallet: amount(wallet) });
const charge = (paymentId: string, at: number, value: string, extra: Partial<PendingCharge> = {}): PendingCharge => ({
  paymentId, account: A, merchantId: 'canteen-1' as MerchantId, amount: amount(value), at, settledAt: NOW, doubleSpend: false, ...extra,
});
const policy: PointsPolicy = { version: 1, ratePerMille: 10, multipliers: {}, dailyCap: amount('15') };
const policyOf = (v: number): PointsPolicy | undefined => (v === 1 ? policy : undefined);

describe('foldCharges (funding at the fold, DESIGN §5)', () => {
  it('funds in sale-time order, whatever order the charges came in: wallet, then the credit line, then an advance', () => {
    const r = foldCharges(account('300', '200'), [charge('t:3', 30, '400'), charge('t:1', 10, '250')], NOW, policyOf);
    expect(r.funded.map((f) => [f.paymentId, fundingKind(f.funding), f.funding.wallet.toString(), f.funding.credit.toString(), f.funding.advance.toString()]))
      .toEqual([['t:1', 'wallet', '250', '0', '0'], ['t:3', 'advance', '50', '200', '150']]);
    expect([r.account.wallet, r.account.creditUsed, r.account.advance].map(String)).toEqual(['0', '200', '150']);
    expect(r.account.debtSince).toBe(NOW);
    // Every posting clears the suspense book, and the student's books move by what was charged.
    const b = balancesOf(r.postings);
    expect(b.get(book.chargesPending)?.toString()).toBe('650');
    expect([b.get(book.wallet(A)), b.get(book.credit(A)), b.get(book.advance(A))].map(String)).toEqual(['-300', '-200', '-150']);
  });

  it('adds each medium\'s spend under its certificate and flags the sale that passes capTotal; a double spend counts toward neither cap nor points', () => {
    const medium = { mediaId: 'w-ann' as MediaId, certKey: '1', capTotal: amount('500') };
    const r = foldCharges(account('5000', '0'), [
      charge('t:1', 1, '300', { medium, pointsVersion: 1 }), charge('t:2', 2, '300', { medium, pointsVersion: 1 }), charge('t:3', 3, '300', { medium, doubleSpend: true, pointsVersion: 1 }),
    ], NOW, policyOf);
    expect(r.funded.map((f) => f.flags)).toEqual([[], ['cap-total-exceeded'], []]);
    expect(r.account.media['w-ann']?.spent['1']?.toString()).toBe('600');
    expect(r.funded.map((f) => f.points.toString())).toEqual(['3', '3', '0']);
    // The fold changes nothing settlement reads: the payer view is the same before and after.
    expect(payerOf(r.account)).toEqual(payerOf(account('5000', '0')));
  });

  it('caps points per day of settlement, by the version current then; a late charge of an earlier day leaves the newer day\'s count', () => {
    const r = foldCharges(account('90000', '0'), [
      charge('t:1', 1, '1000', { pointsVersion: 1, settledAt: NOW }), charge('t:2', 2, '1000', { pointsVersion: 1, settledAt: NOW }),
      charge('t:0', 0, '1000', { pointsVersion: 1, settledAt: NOW - DAY }), charge('t:9', 9, '1000', { pointsVersion: 2, settledAt: NOW }),
    ], NOW, policyOf);
    const points = Object.fromEntries(r.funded.map((f) => [f.paymentId, f.points.toString()]));
    expect(points).toEqual({ 't:0': '10', 't:1': '10', 't:2': '5', 't:9': '0' });
    expect([r.account.points.toString(), r.account.pointsDay, r.account.pointsToday.toString()]).toEqual(['25', Math.floor(NOW / DAY), '15']);
  });

  it('after closure the guarantee fund pays and the sale is referred; nothing is charged to the student', () => {
    const closed = { ...account('0', '0'), status: 'closed' as const };
    const r = foldCharges(closed, [charge('t:1', 1, '700', { pointsVersion: 1 })], NOW, policyOf);
    expect(r.funded[0]).toMatchObject({ flags: ['post-closure-referred'], points: Amount.ZERO });
    expect(r.postings.map((p) => [p.from, p.to, p.amount.toString()])).toEqual([[book.guaranteeFund, book.chargesPending, '700']]);
    expect(r.account).toEqual(closed);
  });

  it('refuses a charge of another account (a programming error, not input)', () => {
    expect(() => foldCharges(account('0', '0'), [{ ...charge('t:1', 1, '1'), account: 'bob' as AccountId }], NOW, policyOf)).toThrow(/belongs to bob/);
  });
});

describe('checkPendingCharges (CheckInvariant)', () => {
  it('holds when the suspense book and the pending charges cancel, and reports the oldest charge\'s age', () => {
    const charges = [charge('t:1', 1, '100', { settledAt: NOW - 4_000 }), charge('t:2', 2, '50')];
    expect(checkPendingCharges(amount('-150'), charges, NOW)).toMatchObject({ ok: true, count: 2, oldestSettledAt: NOW - 4_000, oldestAgeMs: 4_000 });
    expect(checkPendingCharges(amount('-100'), charges, NOW).ok).toBe(false);
    expect(checkPendingCharges(Amount.ZERO, [], NOW)).toMatchObject({ ok: true, count: 0, oldestSettledAt: null, oldestAgeMs: null });
  });
});
