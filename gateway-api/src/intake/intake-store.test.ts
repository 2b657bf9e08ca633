import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { IntakeStore } from './intake-store';
import type { BatchEnd, ClaimedGroup } from './settlement-queue';

/** The durable intake and the shared settlement queue on the machine's real PostgreSQL, in a schema of its own dropped afterwards. */
const url = process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const pool = new Pool({ connectionString: url, max: 6 });
const schema = `intake_test_${randomBytes(4).toString('hex')}`;
const store = new IntakeStore(pool, schema, { maxBatches: 8, maxRecords: 100 });
/** A second gateway process of the same organisation: its own pool, the same intake schema. */
const otherPool = new Pool({ connectionString: url, max: 4 });
const other = new IntakeStore(otherPool, schema, { maxBatches: 8, maxRecords: 100 });

beforeAll(async () => {
  // Two gateway processes starting at once over a new schema take turns; a later run changes nothing.
  await Promise.all([store.migrate(), other.migrate()]);
  await store.migrate();
});
afterAll(async () => {
  await store.close();
  await other.close();
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  await pool.end();
  await otherPool.end();
});

const batch = (terminalId: string, batchSeq: number, recordCount = 3) => ({ receipt: randomBytes(32).toString('hex'), terminalId, batchSeq, jws: `jws-${terminalId}-${batchSeq}`, recordCount });
const settledAll = (g: ClaimedGroup): Map<string, BatchEnd> => new Map(g.batches.map((b) => [b.receipt, { kind: 'settled', txId: 'tx', blockNumber: '1', result: {} }]));

/** Settles whatever is queued, so that each test starts from an empty queue. */
async function emptyQueue(): Promise<void> {
  for (let g = await store.queue.claimGroup(); g !== undefined; g = await store.queue.claimGroup()) await store.queue.finish(g, settledAll(g));
}

describe('IntakeStore and the settlement queue (PostgreSQL)', () => {
  it('stores a batch once: the same receipt again is not a second batch', async () => {
    const b = batch('t-dedup', 1);
    const first = await store.accept(b);
    const again = await store.accept(b);
    expect([first.created, again.created]).toEqual([true, false]);
    expect(again.row).toEqual(first.row);
    expect(first.row).toMatchObject({ status: 'pending', attempts: 0, terminalId: 't-dedup', batchSeq: 1 });
  });

  it('groups the heads of terminal queues in arrival order, one batch per terminal, never a later batch before an earlier one', async () => {
    await emptyQueue();
    const late = batch('t-order', 2);
    const early = batch('t-order', 1);
    const elsewhere = batch('t-else', 1);
    await store.accept(late); // arrives first, but seq 2 must wait for seq 1
    await store.accept(early);
    await store.accept(elsewhere);
    const first = await store.queue.claimGroup();
    expect(first?.batches.map((b) => [b.terminalId, b.batchSeq])).toEqual([['t-order', 1], ['t-else', 1]]);
    expect(await other.queue.claimGroup()).toBeUndefined(); // t-order:2 waits for t-order:1
    if (first !== undefined) await store.queue.finish(first, settledAll(first));
    const second = await other.queue.claimGroup();
    expect(second?.batches.map((b) => [b.terminalId, b.batchSeq])).toEqual([['t-order', 2]]);
    if (second !== undefined) await other.queue.finish(second, settledAll(second));
  });

  it('lets two processes settle groups side by side, each batch in one group only, up to the group limits', async () => {
    await emptyQueue();
    // Settlement no longer writes the payers' accounts: batches charging the same student may be in flight together.
    const batches = [batch('t-a', 1), batch('t-b', 1), batch('t-c', 1, 60), batch('t-d', 1, 60)];
    for (const x of batches) await store.accept(x);
    const small = new IntakeStore(pool, schema, { maxBatches: 1, maxRecords: 100 });
    const g1 = await small.queue.claimGroup();
    const g2 = await other.queue.claimGroup();
    expect(g1?.batches.map((x) => x.terminalId)).toEqual(['t-a']);
    // 3 + 60 records fit in 100; t-d's 60 more do not, so it waits for the next group.
    expect(g2?.batches.map((x) => x.terminalId)).toEqual(['t-b', 't-c']);
    const g3 = await store.queue.claimGroup();
    expect(g3?.batches.map((x) => x.terminalId)).toEqual(['t-d']);
    expect(await store.queue.claimGroup()).toBeUndefined();
    for (const [q, g] of [[small.queue, g1], [other.queue, g2], [store.queue, g3]] as const) if (g !== undefined) await q.finish(g, settledAll(g));
    await small.close();
    expect(await Promise.all(batches.map(async (x) => (await store.get(x.receipt))?.status))).toEqual(['settled', 'settled', 'settled', 'settled']);
  });

  it('a worker that dies with a group in flight loses its claims at once; its batches, still pending, go to another worker', async () => {
    await emptyQueue();
    const b = batch('t-crash', 1);
    await store.accept(b);
    const dyingPool = new Pool({ connectionString: url, max: 2 });
    const dying = new IntakeStore(dyingPool, schema);
    const claimed = await dying.queue.claimGroup();
    expect(claimed?.batches.map((x) => x.receipt)).toEqual([b.receipt]);
    expect(await other.queue.claimGroup()).toBeUndefined(); // held by a live worker
    await dying.close(); // its session (and advisory lock) ends, as when the process is killed
    await dyingPool.end();
    const taken = await other.queue.claimGroup();
    expect(taken?.batches.map((x) => x.receipt)).toEqual([b.receipt]);
    expect((await store.get(b.receipt))?.status).toBe('pending');
    if (taken !== undefined) await other.queue.finish(taken, settledAll(taken));
  });

  it('gives the fold lease to one process at a time; one that dies frees it for the next that asks', async () => {
    const dyingPool = new Pool({ connectionString: url, max: 2 });
    const dying = new IntakeStore(dyingPool, schema);
    expect(await dying.queue.foldLease()).toBe(true);
    expect(await dying.queue.foldLease()).toBe(true);
    expect(await other.queue.foldLease()).toBe(false);
    await dying.close();
    await dyingPool.end();
    expect(await other.queue.foldLease()).toBe(true);
  });

  it('records refusals with their code, retries with a delay, and counts depth', async () => {
    await emptyQueue();
    const refused = batch('t-refuse', 1);
    const retried = batch('t-retry', 1);
    await store.accept(refused);
    await store.accept(retried);
    expect(await store.depth()).toBe(2);
    const g = await store.queue.claimGroup();
    expect(g?.batches.length).toBe(2);
    if (g !== undefined) {
      await store.queue.finish(g, new Map<string, BatchEnd>([
        [refused.receipt, { kind: 'refused', code: 'BAD_SIGNATURE', message: 'batch signature does not verify' }],
        [retried.receipt, { kind: 'retry', delayMs: 60_000, message: 'orderer unavailable' }],
      ]));
    }
    expect(await store.get(refused.receipt)).toMatchObject({ status: 'refused', errorCode: 'BAD_SIGNATURE', attempts: 1 });
    expect(await store.get(retried.receipt)).toMatchObject({ status: 'pending', lastError: 'orderer unavailable', attempts: 1 });
    expect(await store.queue.claimGroup()).toBeUndefined(); // not before its delay
    expect(await store.depth()).toBe(1);
  });

  it('migrates a schema of the version with payer claims: the claims table goes, the payers column stays unwritten', async () => {
    const old = `intake_old_${randomBytes(4).toString('hex')}`;
    await pool.query(`CREATE SCHEMA ${old}`);
    try {
      await pool.query(`CREATE TABLE ${old}.intake_batches (receipt text PRIMARY KEY, terminal_id text NOT NULL, batch_seq bigint NOT NULL, jws text NOT NULL,
        record_count integer NOT NULL, received_at timestamptz NOT NULL DEFAULT clock_timestamp(), status text NOT NULL DEFAULT 'pending', attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(), error_code text, last_error text, tx_id text, block_number text, result jsonb,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(), payers text[] NOT NULL DEFAULT '{}', claimed_by bigint)`);
      await pool.query(`CREATE TABLE ${old}.account_claims (id bigserial PRIMARY KEY, account text NOT NULL, worker bigint NOT NULL, kind text NOT NULL)`);
      const upgraded = new IntakeStore(pool, old);
      await upgraded.migrate();
      const b = batch('t-upgrade', 1);
      expect((await upgraded.accept(b)).created).toBe(true);
      const g = await upgraded.queue.claimGroup();
      expect(g?.batches.map((x) => x.receipt)).toEqual([b.receipt]);
      if (g !== undefined) await upgraded.queue.finish(g, settledAll(g));
      await upgraded.close();
      const { rows } = await pool.query<{ claims: string | null; payers: string[] }>(
        `SELECT to_regclass($1)::text AS claims, payers FROM ${old}.intake_batches WHERE receipt = $2`, [`${old}.account_claims`, b.receipt]);
      expect(rows).toEqual([{ claims: null, payers: [] }]);
    } finally {
      await pool.query(`DROP SCHEMA ${old} CASCADE`);
    }
  });

  it('caches terminal keys for intake while the ledger is away', async () => {
    await store.putTerminalKey('t-key', { kty: 'OKP', crv: 'Ed25519', x: 'abc' }, 'active');
    await store.putTerminalKey('t-key', { kty: 'OKP', crv: 'Ed25519', x: 'abc' }, 'revoked');
    expect(await store.terminalKey('t-key')).toEqual({ publicKey: { kty: 'OKP', crv: 'Ed25519', x: 'abc' }, status: 'revoked' });
    expect(await store.terminalKey('t-none')).toBeUndefined();
  });
});
