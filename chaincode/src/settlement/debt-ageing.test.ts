import fc from 'fast-check';
import { Amount } from '../core/amount';
import { parseAccountId, parseGroupId } from '../core/ids';
import { openAccount, type AccountState } from './account';
import { AGE_BUCKETS, DAY_MS, ageBucket, ageDebts, debtAgeDays } from './debt-ageing';

const NOW = 1_767_225_600_000;

function account(id: string, advance: string, creditUsed: string, debtSince?: number): AccountState {
  const base = openAccount(parseAccountId(id), parseGroupId('g'), Amount.parse('100'));
  return { ...base, advance: Amount.parse(advance), creditUsed: Amount.parse(creditUsed), ...(debtSince === undefined ? {} : { debtSince }) };
}

describe('debt ageing', () => {
  it('puts the bucket edges where docs/settlement.md says: 30, 90 and 365 days inclusive', () => {
    expect([0, 30, 31, 90, 91, 365, 366].map(ageBucket)).toEqual(['0-30', '0-30', '31-90', '31-90', '91-365', '91-365', 'over-365']);
  });

  it('partitions the days: each age falls in exactly one bucket, and buckets never go back as days pass', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 5000 }), (days) => {
      expect(AGE_BUCKETS.filter((b) => b === ageBucket(days))).toHaveLength(1);
      expect(AGE_BUCKETS.indexOf(ageBucket(days + 1))).toBeGreaterThanOrEqual(AGE_BUCKETS.indexOf(ageBucket(days)));
    }));
  });

  it('counts whole days since the debt began, 0 without a start or for a start after now', () => {
    expect(debtAgeDays(NOW - 31 * DAY_MS + 1, NOW)).toBe(30);
    expect(debtAgeDays(NOW - 31 * DAY_MS, NOW)).toBe(31);
    expect(debtAgeDays(undefined, NOW)).toBe(0);
    expect(debtAgeDays(NOW + DAY_MS, NOW)).toBe(0);
  });

  it('ages only accounts in debt, and each bucket total is what its debts owe (advance + credit used)', () => {
    const { debts, totals } = ageDebts([
      account('s1', '5', '0', NOW - 10 * DAY_MS), account('s2', '0', '0'), account('s3', '150', '200', NOW - 100 * DAY_MS), account('s4', '0', '3', NOW - 12 * DAY_MS),
    ], NOW);
    expect(debts.map((d) => [d.account.id, d.ageDays, d.bucket, d.owed.toString()])).toEqual([['s1', 10, '0-30', '5'], ['s3', 100, '91-365', '350'], ['s4', 12, '0-30', '3']]);
    expect(Object.fromEntries([...totals].map(([b, t]) => [b, t.toString()]))).toEqual({ '0-30': '8', '91-365': '350' });
  });

  it('the bucket totals add up to everything owed', () => {
    const arb = fc.array(fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 800 })), { maxLength: 20 });
    fc.assert(fc.property(arb, (rows) => {
      const accounts = rows.map(([adv, cr, days], i) => account(`s${i}`, String(adv), String(cr), NOW - days * DAY_MS));
      const { debts, totals } = ageDebts(accounts, NOW);
      const owed = accounts.reduce((s, x) => s.add(x.advance).add(x.creditUsed), Amount.ZERO);
      expect([...totals.values()].reduce((s, t) => s.add(t), Amount.ZERO).equals(owed)).toBe(true);
      expect(debts.every((d) => d.owed.gt(Amount.ZERO))).toBe(true);
    }));
  });
});
