import pino from 'pino';
import { LedgerError } from '../ledger/ledger-port';
import type { ChargeRef, FoldAnswer, PendingCharge, PendingCharges } from '../ledger/settlement-client';
import { createMetrics, type Metrics } from '../metrics';
import { FoldScheduler, type FoldLedger, type FoldOptions } from './fold-scheduler';

/**
 * The fold scheduler against a ledger of pending charges held in memory: folds are held until the
 * test lets them commit, fail as scripted, and fund the charges they name that are still pending.
 */
class ChargesLedger implements FoldLedger {
  readonly pending = new Map<string, PendingCharge>();
  /** Each FoldCharges call, with the accounts of the other folds in flight when it was made. */
  readonly calls: { charges: readonly ChargeRef[]; othersInFlight: Set<string> }[] = [];
  readonly failures: LedgerError[] = [];
  hold = false;
  /** Cards the next fold reports tampered (their denials await publication). */
  tamperedNext = 0;
  /** The most folds in flight at once. */
  mostInFlight = 0;
  private readonly flying = new Map<number, Set<string>>();
  private readonly held: (() => void)[] = [];

  charge(account: string, paymentId: string, settledAt: number): ChargeRef {
    this.pending.set(`${account}/${paymentId}`, { account, paymentId, amount: '100', at: settledAt, settledAt });
    return [account, paymentId];
  }

  async foldCharges(charges: readonly ChargeRef[]): Promise<FoldAnswer> {
    const othersInFlight = new Set([...this.flying.values()].flatMap((s) => [...s]));
    const call = this.calls.push({ charges, othersInFlight });
    this.flying.set(call, new Set(charges.map(([a]) => a)));
    this.mostInFlight = Math.max(this.mostInFlight, this.flying.size);
    try {
      if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
      const failure = this.failures.shift();
      if (failure !== undefined) throw failure;
      const funded = charges.filter(([a, p]) => this.pending.delete(`${a}/${p}`));
      const denials = this.tamperedNext;
      this.tamperedNext = 0;
      return { folded: funded.length, accounts: new Set(funded.map(([a]) => a)).size, denials };
    } finally {
      this.flying.delete(call);
    }
  }

  pendingCharges(limit: number): Promise<PendingCharges> {
    const all = [...this.pending.values()].sort((x, y) => (x.account === y.account ? (x.paymentId < y.paymentId ? -1 : 1) : x.account < y.account ? -1 : 1));
    return Promise.resolve({ charges: all.slice(0, limit), more: all.length > limit });
  }

  heldFolds(): number {
    return this.held.length;
  }

  release(): void {
    this.held.shift()?.();
  }
}

const log = pino({ level: 'silent' });
const fresh = (): Metrics => createMetrics(() => Promise.resolve(0));
const OPTIONS: FoldOptions = { inFlight: 2, sweepIdleMs: 60_000, maxBackoffMs: 20 };
const OLD = Date.now() - 3_600_000;
const counter = async (metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> => {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0) ?? 0;
};
const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
};

describe('FoldScheduler', () => {
  it('folds handed charges a few at a time, within the fold limits, never two folds of one account in flight', async () => {
    const ledger = new ChargesLedger();
    const metrics = fresh();
    const folds = new FoldScheduler(ledger, log, metrics, OPTIONS, undefined, { charges: 3, accounts: 2 });
    ledger.hold = true;
    const handed = ['ann', 'bob', 'cat', 'dan', 'eve'].flatMap((a) => [ledger.charge(a, 'pos-1:1', OLD), ledger.charge(a, 'pos-1:2', OLD)]);
    expect(folds.add(handed)).toBe(10);
    await until(() => ledger.heldFolds() === 2);
    // Two in flight (inFlight 2); a charge of an account in flight waits for that fold.
    expect(folds.add([ledger.charge('ann', 'pos-1:3', OLD)])).toBe(1);
    while (ledger.pending.size > 0) {
      await until(() => ledger.heldFolds() > 0 || ledger.pending.size === 0);
      ledger.release();
    }
    await folds.drain();
    expect(ledger.pending.size).toBe(0);
    expect(ledger.mostInFlight).toBe(2);
    for (const { charges, othersInFlight } of ledger.calls) {
      const accounts = new Set(charges.map(([a]) => a));
      expect(charges.length).toBeLessThanOrEqual(3);
      expect(accounts.size).toBeLessThanOrEqual(2);
      expect([...accounts].filter((a) => othersInFlight.has(a))).toEqual([]);
    }
    expect(await counter(metrics, 'dol_charges_folded_total')).toBe(11);
    expect(await counter(metrics, 'dol_folds_total', { outcome: 'committed' })).toBe(ledger.calls.length);
  });

  it('gives way to settlement: while groups settle, one fold at most and only a full one; the rest once settling ends', async () => {
    const ledger = new ChargesLedger();
    let settling = true;
    const folds = new FoldScheduler(ledger, log, fresh(), OPTIONS, undefined, { charges: 4, accounts: 4 }, () => settling);
    ledger.hold = true;
    // Three charges do not fill a fold: none starts while settling.
    folds.add(['ann', 'bob', 'cat'].map((a) => ledger.charge(a, 'pos-1:1', OLD)));
    expect(ledger.calls.length).toBe(0);
    // A fourth fills one; the next four would fill another, but only one goes while settling.
    folds.add(['dan', 'eve', 'fay', 'gus', 'hal'].map((a) => ledger.charge(a, 'pos-1:1', OLD)));
    await until(() => ledger.heldFolds() === 1);
    expect(ledger.calls.length).toBe(1);
    expect(ledger.calls[0]?.charges.length).toBe(4);
    // A charge of an account already waiting joins its account: one fold funds both.
    folds.add([ledger.charge('fay', 'pos-1:2', OLD)]);
    settling = false;
    folds.nudge();
    await until(() => ledger.heldFolds() === 2);
    while (ledger.pending.size > 0) {
      await until(() => ledger.heldFolds() > 0 || ledger.pending.size === 0);
      ledger.release();
    }
    await folds.drain();
    expect(ledger.mostInFlight).toBe(2);
    expect(ledger.calls.filter(({ charges }) => charges.some(([a]) => a === 'fay')).length).toBe(1);
  });

  it('with a fold lease, the holder folds every process\'s charges as soon as it is idle; the others fold nothing but a drain', async () => {
    const NOW = Date.now();
    const ledger = new ChargesLedger();
    // Charges another process settled a moment ago: without the lease they would wait sweepIdleMs.
    ledger.charge('ann', 'pos-1:1', NOW);
    ledger.charge('bob', 'pos-2:1', NOW);
    let asked = 0;
    const holder = new FoldScheduler(ledger, log, fresh(), OPTIONS, undefined, undefined, () => false, () => {
      asked += 1;
      return Promise.resolve(true);
    });
    holder.start();
    await until(() => ledger.pending.size === 0);
    expect(asked).toBeGreaterThan(0);
    await holder.stop();

    const other = new FoldScheduler(ledger, log, fresh(), OPTIONS, undefined, undefined, () => false, () => {
      asked += 1;
      return Promise.resolve(false);
    });
    asked = 0;
    other.start();
    await until(() => asked > 0);
    expect(other.add([ledger.charge('cat', 'pos-1:2', NOW)])).toBe(0);
    expect(ledger.calls.length).toBe(1);
    expect(ledger.pending.size).toBe(1);
    await other.drain();
    expect(ledger.pending.size).toBe(0);
    await other.stop();
  });

  it('retries a fold another process invalidated (MVCC) and one the ledger did not answer, and counts the retries', async () => {
    const ledger = new ChargesLedger();
    const metrics = fresh();
    const folds = new FoldScheduler(ledger, log, metrics, OPTIONS);
    ledger.failures.push(new LedgerError('retryable', 'transaction t1 invalid: MVCC_READ_CONFLICT', 'MVCC_READ_CONFLICT'), new LedgerError('unavailable', 'deadline exceeded'));
    folds.add([ledger.charge('ann', 'pos-1:1', OLD)]);
    await until(() => folds.idle());
    expect(ledger.pending.size).toBe(0);
    expect(ledger.calls.map((c) => c.charges)).toEqual([[['ann', 'pos-1:1']], [['ann', 'pos-1:1']], [['ann', 'pos-1:1']]]);
    expect([await counter(metrics, 'dol_fold_retries_total', { failure: 'retryable' }), await counter(metrics, 'dol_fold_retries_total', { failure: 'unavailable' })]).toEqual([1, 1]);
  });

  it('does not retry a refused fold; without the gateway role it folds nothing more and drain says why', async () => {
    const ledger = new ChargesLedger();
    const metrics = fresh();
    const folds = new FoldScheduler(ledger, log, metrics, OPTIONS);
    ledger.failures.push(new LedgerError('refused', 'INVALID_FIELD: charges', 'INVALID_FIELD'), new LedgerError('refused', 'ACCESS_DENIED: FoldCharges needs role gateway', 'ACCESS_DENIED'));
    folds.add([ledger.charge('ann', 'pos-1:1', OLD)]);
    await until(() => folds.idle());
    expect(ledger.calls).toHaveLength(1);
    folds.add([ledger.charge('bob', 'pos-1:1', OLD)]);
    await until(() => folds.idle());
    expect(folds.add([ledger.charge('cat', 'pos-1:1', OLD)])).toBe(0);
    expect(ledger.calls).toHaveLength(2);
    expect(await counter(metrics, 'dol_folds_total', { outcome: 'refused' })).toBe(2);
    await expect(folds.drain()).rejects.toThrow(/3 charges await funding and this gateway cannot fold them: ACCESS_DENIED/);
  });

  it('sweeps the ledger at start for charges no process is folding, leaving young ones to the process that settled them', async () => {
    const ledger = new ChargesLedger();
    let orphans = 0;
    const folds = new FoldScheduler(ledger, log, fresh(), OPTIONS, () => {
      orphans += 1;
    });
    ledger.charge('ann', 'pos-1:1', OLD);
    ledger.charge('bob', 'pos-1:1', Date.now());
    folds.start();
    await until(() => ledger.calls.length === 1 && folds.idle());
    expect(ledger.calls[0]?.charges).toEqual([['ann', 'pos-1:1']]);
    expect([...ledger.pending.keys()]).toEqual(['bob/pos-1:1']);
    expect(orphans).toBe(1);
    // A drain takes every charge, of any age.
    await folds.drain();
    expect(ledger.pending.size).toBe(0);
    await folds.stop();
  });

  it('asks for the denials to be published when a fold found a tampered purse, and not after a fold that found none', async () => {
    const ledger = new ChargesLedger();
    let due = 0;
    const folds = new FoldScheduler(ledger, log, fresh(), OPTIONS, () => {
      due += 1;
    });
    folds.add([ledger.charge('ann', 'pos-1:1', Date.now())]);
    await folds.drain();
    expect(due).toBe(0);
    ledger.tamperedNext = 1;
    folds.add([ledger.charge('ann', 'pos-1:2', Date.now())]);
    await folds.drain();
    expect(due).toBe(1);
    await folds.stop();
  });

  it('stop finishes the fold in flight and does not retry one that failed; what it left stays on the ledger', async () => {
    const ledger = new ChargesLedger();
    const folds = new FoldScheduler(ledger, log, fresh(), { ...OPTIONS, inFlight: 1, maxBackoffMs: 600_000 });
    ledger.hold = true;
    folds.add([ledger.charge('ann', 'pos-1:1', OLD)]);
    await until(() => ledger.heldFolds() === 1);
    const stopped = folds.stop();
    ledger.release();
    await stopped;
    expect(ledger.pending.size).toBe(0);

    // A fold that fails after stop was called is not tried again.
    const failing = new FoldScheduler(ledger, log, fresh(), { ...OPTIONS, inFlight: 1 });
    ledger.failures.push(new LedgerError('unavailable', 'no peer'));
    failing.add([ledger.charge('bob', 'pos-1:1', OLD)]);
    await until(() => ledger.heldFolds() === 1);
    const stopping = failing.stop();
    ledger.release();
    await stopping;
    expect(ledger.calls).toHaveLength(2);
    expect([...ledger.pending.keys()]).toEqual(['bob/pos-1:1']);
  });
});
