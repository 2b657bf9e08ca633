import { debtsOfAccount } from './debt-list';

describe('debtsOfAccount (GET /v1/debts?account=)', () => {
  const all = {
    asOf: 1_000,
    totals: { '0-30': '700', '31-90': '50' },
    debts: [
      { account: 's00007', advance: '100', credit: '200', bucket: '0-30', ageDays: 3 },
      { account: 's00008', advance: '400', credit: '0', bucket: '0-30', ageDays: 1 },
      { account: 's00009', advance: '0', credit: '50', bucket: '31-90', ageDays: 40 },
    ],
  };

  it('keeps only the named account and sums the bucket totals over its rows alone', () => {
    expect(debtsOfAccount(all, 's00008')).toEqual({ asOf: 1_000, totals: { '0-30': '400' }, debts: [all.debts[1]] });
  });

  it('answers an empty list with no totals for an account without debts', () => {
    expect(debtsOfAccount(all, 's99999')).toEqual({ asOf: 1_000, totals: {}, debts: [] });
  });

  it('refuses an answer that is not a debt list instead of answering nothing', () => {
    expect(() => debtsOfAccount([], 's00008')).toThrow('debts list');
  });
});
