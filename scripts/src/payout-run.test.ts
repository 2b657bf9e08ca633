import { PayoutContract, SettlementContract } from '@dol/chaincode/contract';
import { MemoryStub } from '@dol/chaincode/testing';
import { StubRunner, type Ctx, type Who } from './contract-harness';
import { Issuer, PayerMedium, Terminal } from './signer';

/**
 * The daily close on the memory stub (docs/settlement.md, "Paying merchants"): what each merchant
 * is owed, one run paying every merchant with credits exactly once, the history, and the
 * auditor's check that runs, payouts and credits agree.
 */
const NOW = 1_767_225_600_000;
const AT = NOW - 3_600_000;
class Close {
  readonly runner = new StubRunner(new MemoryStub(), (stub, n) => {
    stub.begin(`tx${String(n)}`, NOW + n);
    return `tx${String(n)}`;
  });
  readonly settlement = new SettlementContract();
  readonly payouts = new PayoutContract();
  readonly issuer = Issuer.generate('issuer-1', 'EdDSA', NOW - 1e10, NOW + 1e10);
  readonly north = Terminal.generate('pos-n', 'EdDSA');
  readonly south = Terminal.generate('pos-s', 'EdDSA');
  get stub(): MemoryStub {
    return this.runner.stub;
  }

  call(as: Who, fn: (ctx: Ctx) => Promise<unknown>): Promise<string> {
    return this.runner.call(as, fn);
  }

  async json<T>(as: Who, fn: (ctx: Ctx) => Promise<string>): Promise<T> {
    return JSON.parse(await this.call(as, fn)) as T;
  }

  async setUp(): Promise<void> {
    const s = this.settlement;
    await this.call('operator', (ctx) => s.RegisterIssuerKey(ctx, JSON.stringify(this.issuer.registration())));
    await this.call('operator', (ctx) => s.SetRiskPolicy(ctx, JSON.stringify({ maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900 })));
    for (const [merchantId, name, t] of [['canteen-n', 'North canteen', this.north], ['canteen-s', 'South canteen', this.south]] as const) {
      await this.call('operator', (ctx) => s.RegisterMerchant(ctx, JSON.stringify({ merchantId, name })));
      await this.call('operator', (ctx) => s.RegisterTerminal(ctx, JSON.stringify({ terminalId: t.terminalId, merchantId, publicKey: t.key.jwk })));
    }
    await this.call('operator', (ctx) => s.RegisterMerchant(ctx, JSON.stringify({ merchantId: 'kiosk', name: 'Kiosk' })));
    await this.call('finance', (ctx) => s.OpenAccount(ctx, JSON.stringify({ account: 'amy', group: 'g', creditLine: '0' })));
    await this.call('operator', (ctx) => s.TopUp(ctx, JSON.stringify({ topUpId: 'seed', account: 'amy', amount: '100000' })));
  }

  private ctr = 0;
  /** One batch of sales by amy at a terminal. */
  async sell(t: Terminal, amounts: readonly string[]): Promise<void> {
    const amy = PayerMedium.issue(this.issuer, {
      mediaId: 'w-amy', kind: 'wallet', account: 'amy', group: 'g', capPerPayment: '5000', capTotal: '90000', ctrFrom: 1, ctrTo: 1000, nbf: NOW - 86_400_000, exp: NOW + 86_400_000,
    }, 'EdDSA');
    const records = amounts.map((a) => {
      this.ctr += 1;
      return t.record(AT + this.ctr, a, 'code', amy.payCode(AT + this.ctr - 500));
    });
    await this.call('gateway', (ctx) => this.settlement.SubmitBatch(ctx, t.batch(records)));
  }
}

interface Balances { total: string; credits: number; merchants: { merchantId: string; name: string | null; owed: string; credits: number }[] }
interface Run { runId: string; total: string; merchants: number; lines: number; payouts: { merchantId: string; total: string; lines: number }[] }
interface Check { ok: boolean; problems: string[]; merchants: { merchantId: string; book: string; unpaid: string; agrees: boolean }[]; runs: { runId: string; agrees: boolean }[] }

async function ready(): Promise<Close> {
  const c = new Close();
  await c.setUp();
  return c;
}

describe('the daily close (PayoutContract)', () => {
  it('shows what each merchant is owed, pays every merchant with credits once, and keeps its history', async () => {
    const c = await ready();
    await c.sell(c.north, ['300', '450']);
    await c.sell(c.north, ['250']);
    await c.sell(c.south, ['1200']);
    const owed = await c.json<Balances>('auditor', (ctx) => c.payouts.GetMerchantBalances(ctx));
    expect(owed).toMatchObject({ total: '2200', credits: 3 });
    expect(owed.merchants.map((m) => [m.merchantId, m.name, m.owed, m.credits])).toEqual([
      ['canteen-n', 'North canteen', '1000', 2], ['canteen-s', 'South canteen', '1200', 1], ['kiosk', 'Kiosk', '0', 0],
    ]);

    const run = await c.call('operator', (ctx) => c.payouts.RunPayouts(ctx, JSON.stringify({ runId: 'close-2026-12-06' })));
    const parsed = JSON.parse(run) as Run;
    expect(parsed).toMatchObject({ runId: 'close-2026-12-06', total: '2200', merchants: 2, lines: 3 });
    expect(parsed.payouts.map((p) => [p.merchantId, p.total, p.lines])).toEqual([['canteen-n', '1000', 2], ['canteen-s', '1200', 1]]);
    // The same run again answers the same record and pays nothing more.
    expect(await c.call('operator', (ctx) => c.payouts.RunPayouts(ctx, JSON.stringify({ runId: 'close-2026-12-06' })))).toBe(run);
    expect((await c.json<Balances>('auditor', (ctx) => c.payouts.GetMerchantBalances(ctx))).total).toBe('0');

    // Each merchant's payout is an ordinary statement, under the run's id.
    const statement = await c.json<{ total: string; runId: string; lines: unknown[] }>('auditor', (ctx) => c.settlement.GetPayout(ctx, 'canteen-n', 'close-2026-12-06'));
    expect(statement).toMatchObject({ total: '1000', runId: 'close-2026-12-06' });
    expect(statement.lines).toHaveLength(2);
    // Who ran it is recorded by the contract's afterTransaction (the HTTP test reads it back).
    expect(await c.json<Run>('auditor', (ctx) => c.payouts.GetPayoutRun(ctx, 'close-2026-12-06'))).toMatchObject({ total: '2200' });

    await c.sell(c.north, ['99']);
    const history = await c.json<{ unpaid: string; paid: string; payouts: { payoutId: string; total: string; lineCount: number }[] }>('auditor', (ctx) => c.payouts.GetMerchantPayouts(ctx, 'canteen-n'));
    expect(history).toMatchObject({ unpaid: '99', paid: '1000', payouts: [{ payoutId: 'close-2026-12-06', total: '1000', lineCount: 2 }] });
    const runs = await c.json<Run[]>('auditor', (ctx) => c.payouts.ListPayoutRuns(ctx));
    expect(runs.map((r) => r.runId)).toEqual(['close-2026-12-06']);

    const check = await c.json<Check>('auditor', (ctx) => c.payouts.CheckPayouts(ctx));
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.merchants.find((m) => m.merchantId === 'canteen-n')).toMatchObject({ book: '99', unpaid: '99', agrees: true });
    expect(check.runs).toEqual([expect.objectContaining({ runId: 'close-2026-12-06', agrees: true })]);
    const invariant = JSON.parse(await c.call('auditor', (ctx) => c.settlement.CheckInvariant(ctx))) as { ok: boolean };
    expect(invariant.ok).toBe(true);
  });

  it('refuses a run id a merchant payout already took, a bad id and the wrong roles, and writes nothing', async () => {
    const c = await ready();
    await c.sell(c.north, ['300']);
    await c.call('operator', (ctx) => c.settlement.Payout(ctx, JSON.stringify({ payoutId: 'day-1', merchantId: 'canteen-n' })));
    await c.sell(c.north, ['500']);
    const before = new Map(c.stub.committed);
    await expect(c.call('operator', (ctx) => c.payouts.RunPayouts(ctx, JSON.stringify({ runId: 'day-1' })))).rejects.toThrow(/^ALREADY_EXISTS/);
    await expect(c.call('operator', (ctx) => c.payouts.RunPayouts(ctx, JSON.stringify({ runId: ' bad id' })))).rejects.toThrow(/^INVALID_FIELD/);
    await expect(c.call('operator', (ctx) => c.payouts.RunPayouts(ctx, JSON.stringify({ runId: 'x', extra: 1 })))).rejects.toThrow(/^UNKNOWN_FIELD/);
    for (const role of ['finance', 'auditor', 'registrar', 'gateway'] as const) {
      await expect(c.call(role, (ctx) => c.payouts.RunPayouts(ctx, JSON.stringify({ runId: 'day-2' })))).rejects.toThrow(/^ACCESS_DENIED/);
    }
    await expect(c.call('finance', (ctx) => c.payouts.CheckPayouts(ctx))).rejects.toThrow(/^ACCESS_DENIED/);
    await expect(c.call('auditor', (ctx) => c.payouts.GetPayoutRun(ctx, 'nope'))).rejects.toThrow(/^NOT_FOUND/);
    await expect(c.call('auditor', (ctx) => c.payouts.GetMerchantPayouts(ctx, 'nobody'))).rejects.toThrow(/^NOT_FOUND/);
    expect(c.stub.committed).toEqual(before);
    await c.call('operator', (ctx) => c.payouts.RunPayouts(ctx, JSON.stringify({ runId: 'day-2' })));
    // The run's statement under its id is not a single payout made before: a payout of that id is refused, not answered with it.
    await c.sell(c.north, ['70']);
    await expect(c.call('operator', (ctx) => c.settlement.Payout(ctx, JSON.stringify({ payoutId: 'day-2', merchantId: 'canteen-n' })))).rejects.toThrow(/^ALREADY_EXISTS: payout id day-2 is payout run day-2's statement/);
    expect((await c.json<Balances>('auditor', (ctx) => c.payouts.GetMerchantBalances(ctx))).total).toBe('70');
    const empty = await c.json<Run>('operator', (ctx) => c.payouts.RunPayouts(ctx, JSON.stringify({ runId: 'day-3' })));
    expect(empty).toMatchObject({ total: '70', merchants: 1 });
    // A run with nothing owed is recorded too: the close says so.
    const nothing = await c.json<Run>('operator', (ctx) => c.payouts.RunPayouts(ctx, JSON.stringify({ runId: 'day-4' })));
    expect(nothing).toMatchObject({ total: '0', merchants: 0, payouts: [] });
  });
});
