import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import pino from 'pino';
import type { ChainEntry, ChargeRef, DenialsPublished, FoldAnswer, GroupBatchAnswer, PendingCharges, SettledGroup } from '../ledger/settlement-client';
import { createMetrics } from '../metrics';
import { IntakeStore } from './intake-store';
import { IntakeWorker, type WorkerLedger } from './intake-worker';

/**
 * The intake worker over the real PostgreSQL intake and a settlement contract faked in memory:
 * what a settled group leaves to later transactions (charges to fold, denials to publish) is
 * handed on, and a drain ends with all of it done.
 */
class FakeSettlement implements WorkerLedger {
  readonly pending = new Map<string, ChargeRef>();
  readonly folds: (readonly ChargeRef[])[] = [];
  publications = 0;

  /** Each batch (`jws-<terminal>-<seq>`) settles one payment of account `acc-<terminal>`; terminal `t-twice`'s is a double spend. */
  submitBatches(jwsList: readonly string[]): Promise<SettledGroup> {
    const batches = jwsList.map((jws): GroupBatchAnswer => {
      const [, terminal = '', seq = ''] = /^jws-(.+)-([0-9]+)$/.exec(jws) ?? [];
      const charge: ChargeRef = [`acc-${terminal}`, `${terminal}:${seq}`];
      this.pending.set(charge.join('/'), charge);
      const counts: Record<string, number> = terminal === 't-twice' ? { 'double-spend': 1 } : { settled: 1 };
      return { result: { counts }, counts, pending: [charge] };
    });
    return Promise.resolve({ txId: `tx-${randomBytes(4).toString('hex')}`, blockNumber: '7', batches });
  }

  batchChain(): Promise<ChainEntry[]> {
    return Promise.resolve([]);
  }

  foldCharges(pairs: readonly ChargeRef[]): Promise<FoldAnswer> {
    this.folds.push(pairs);
    const folded = pairs.filter((c) => this.pending.delete(c.join('/')));
    return Promise.resolve({ folded: folded.length, accounts: new Set(folded.map(([a]) => a)).size, denials: 0 });
  }

  pendingCharges(limit: number): Promise<PendingCharges> {
    const charges = [...this.pending.values()].slice(0, limit).map(([account, paymentId]) => ({ account, paymentId, amount: '1', at: 0, settledAt: 0 }));
    return Promise.resolve({ charges, more: this.pending.size > limit });
  }

  publishDenials(): Promise<DenialsPublished> {
    this.publications += 1;
    return Promise.resolve({ published: 0, denyListVersion: 1 });
  }
}

const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 4 });
const schema = `worker_test_${randomBytes(4).toString('hex')}`;
const store = new IntakeStore(pool, schema);
const log = pino({ level: 'silent' });
const OPTIONS = { concurrency: 2, idlePollMs: 20, maxBackoffMs: 50, folds: { sweepIdleMs: 60_000 } };
const batch = (terminalId: string, batchSeq: number) => ({ receipt: randomBytes(32).toString('hex'), terminalId, batchSeq, jws: `jws-${terminalId}-${String(batchSeq)}`, recordCount: 1 });
const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
};

beforeAll(async () => {
  await store.migrate();
});
afterAll(async () => {
  await store.close();
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  await pool.end();
});

describe('IntakeWorker hands on what settlement leaves', () => {
  it('drain settles every batch, folds every charge the groups left and publishes the denials of a double spend', async () => {
    const ledger = new FakeSettlement();
    const worker = new IntakeWorker(store, ledger, log, createMetrics(() => store.depth()), OPTIONS);
    for (const b of [batch('t-one', 1), batch('t-one', 2), batch('t-twice', 1)]) await store.accept(b);
    expect(await worker.drain()).toBe(3);
    expect(ledger.pending.size).toBe(0);
    expect(ledger.folds.flat().map(([, p]) => p).sort()).toEqual(['t-one:1', 't-one:2', 't-twice:1']);
    expect(ledger.publications).toBe(1);
    expect(await store.depth()).toBe(0);
  });

  it('running, folds the charges of the groups it settles and publishes denials at start; stop ends it', async () => {
    const ledger = new FakeSettlement();
    const worker = new IntakeWorker(store, ledger, log, createMetrics(() => store.depth()), OPTIONS);
    worker.start();
    await until(() => ledger.publications === 1);
    await store.accept(batch('t-run', 1));
    worker.nudge();
    await until(() => ledger.folds.length === 1 && ledger.pending.size === 0);
    expect(ledger.folds).toEqual([[['acc-t-run', 't-run:1']]]);
    await worker.stop();
    expect(ledger.publications).toBe(1);
  });
});
