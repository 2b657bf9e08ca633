import { Amount } from '../core/amount';
import { parseMerchantId } from '../core/ids';
import { checkPayouts, owedByMerchant, planRun, type CreditLine } from './payout-run';

const a = (v: string): Amount => Amount.parseNonNegative(v, 'v');
const m = (id: string) => parseMerchantId(id);
const line = (merchant: string, amount: string, at: number): CreditLine => ({ merchantId: m(merchant), amount: a(amount), terminalId: 't', batchSeq: at, txId: `tx${at}`, at });

describe('payout run rules', () => {
  it('groups credits by merchant, oldest first, and plans a run within its line limit', () => {
    const owed = owedByMerchant([line('b', '5', 3), line('a', '2', 9), line('a', '3', 1)], [m('c')]);
    expect(owed.map((o) => [o.merchantId, o.total.toString(), o.oldestAt, o.lines.map((l) => l.at)])).toEqual([
      ['a', '5', 1, [1, 9]], ['b', '5', 3, [3]], ['c', '0', null, []],
    ]);
    expect(planRun(owed)?.map((o) => o.merchantId)).toEqual(['a', 'b']);
    expect(planRun(owed, 2)).toBeNull();
  });

  it('agrees when books, credits, statements and runs agree, and names each disagreement', () => {
    const good = {
      merchantBooks: new Map([[m('a'), a('7')]]), payoutsBook: a('10'), unpaid: [line('a', '7', 1)],
      statements: [{ merchantId: m('a'), payoutId: 'r1', total: a('10'), lineTotal: a('10') }],
      runs: [{ runId: 'r1', total: a('10'), payouts: [{ merchantId: m('a'), total: a('10') }] }],
    };
    expect(checkPayouts(good)).toMatchObject({ ok: true, problems: [] });
    const bad = checkPayouts({
      ...good, merchantBooks: new Map([[m('a'), a('8')]]), payoutsBook: a('11'),
      statements: [{ merchantId: m('a'), payoutId: 'r1', total: a('10'), lineTotal: a('9') }],
      runs: [{ runId: 'r1', total: a('12'), payouts: [{ merchantId: m('a'), total: a('10') }, { merchantId: m('b'), total: a('2') }] }],
    });
    expect(bad.ok).toBe(false);
    expect(bad.problems).toEqual([
      'payout r1 of a: lines add up to 9, total says 10',
      'merchant a: book 8, unpaid credits 7',
      'payouts book 11, statements 10',
      'run r1: no payout statement of b',
      'run r1: total 12, its payouts 10',
    ]);
    // A statement claiming a run that does not list it (or no such run) is named too.
    const stray = checkPayouts({ ...good, statements: [{ merchantId: m('a'), payoutId: 'r2', total: a('10'), lineTotal: a('10'), runId: 'r2' }],
      runs: [] });
    expect(stray.problems).toContain('payout r2 of a names run r2, which does not list it');
  });
});
