import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { IntakeStore } from './intake-store';

/** The durable intake on the machine's real PostgreSQL, in a schema of its own dropped afterwards. */
const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 4 });
const schema = `intake_test_${randomBytes(4).toString('hex')}`;
const store = new IntakeStore(pool, schema);

beforeAll(async () => {
  await store.migrate();
  await store.migrate(); // twice is harmless
});
afterAll(async () => {
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  await pool.end();
});

const batch = (terminalId: string, batchSeq: number) => ({ receipt: randomBytes(32).toString('hex'), terminalId, batchSeq, jws: `jws-${terminalId}-${batchSeq}`, recordCount: 3 });

describe('IntakeStore (PostgreSQL)', () => {
  it('stores a batch once: the same receipt again is not a second batch', async () => {
    const b = batch('t-dedup', 1);
    const first = await store.accept(b);
    const again = await store.accept(b);
    expect([first.created, again.created]).toEqual([true, false]);
    expect(again.row).toEqual(first.row);
    expect(first.row).toMatchObject({ status: 'pending', attempts: 0, terminalId: 't-dedup', batchSeq: 1 });
  });

  it('hands out batches in order per terminal and never two of one terminal at once', async () => {
    while (await store.withNextBatch((_b, done) => done.settled('tx', '1', {}))); // start from an empty queue
    const late = batch('t-order', 2);
    const early = batch('t-order', 1);
    await store.accept(late); // arrives first, but seq 2 must wait for seq 1
    await store.accept(early);
    const seen: number[] = [];
    let concurrentClaim: boolean | undefined;
    await store.withNextBatch(async (b, done) => {
      seen.push(b.batchSeq);
      // While the head of t-order is claimed, another claimer must get nothing of t-order.
      concurrentClaim = await store.withNextBatch((_other, d2) => d2.settled('tx', '1', {}));
      await done.settled('tx-1', '5', { ok: true });
    });
    await store.withNextBatch(async (b, done) => {
      seen.push(b.batchSeq);
      await done.settled('tx-2', '6', {});
    });
    expect({ seen, concurrentClaim }).toEqual({ seen: [1, 2], concurrentClaim: false });
  });

  it('a failure while a batch is claimed leaves it pending for the next run (crash safety)', async () => {
    const b = batch('t-crash', 1);
    await store.accept(b);
    await expect(store.withNextBatch(async (claimed) => {
      await Promise.resolve();
      if (claimed.receipt === b.receipt) throw new Error('gateway died mid-submit');
    })).rejects.toThrow('gateway died');
    expect((await store.get(b.receipt))?.status).toBe('pending');
  });

  it('records refusals with their code, retries with a delay, and counts depth', async () => {
    const refused = batch('t-refuse', 1);
    const retried = batch('t-retry', 1);
    await store.accept(refused);
    await store.accept(retried);
    const before = await store.depth();
    while (await store.withNextBatch(async (c, done) => {
      if (c.receipt === refused.receipt) await done.refused('BAD_SIGNATURE', 'batch signature does not verify');
      else if (c.receipt === retried.receipt) await done.retryLater(60_000, 'orderer unavailable');
      else await done.settled('tx', '1', {});
    }));
    expect(await store.get(refused.receipt)).toMatchObject({ status: 'refused', errorCode: 'BAD_SIGNATURE', attempts: 1 });
    expect(await store.get(retried.receipt)).toMatchObject({ status: 'pending', lastError: 'orderer unavailable', attempts: 1 });
    expect(await store.depth()).toBeLessThan(before);
  });

  it('caches terminal keys for intake while the ledger is away', async () => {
    await store.putTerminalKey('t-key', { kty: 'OKP', crv: 'Ed25519', x: 'abc' }, 'active');
    await store.putTerminalKey('t-key', { kty: 'OKP', crv: 'Ed25519', x: 'abc' }, 'revoked');
    expect(await store.terminalKey('t-key')).toEqual({ publicKey: { kty: 'OKP', crv: 'Ed25519', x: 'abc' }, status: 'revoked' });
    expect(await store.terminalKey('t-none')).toBeUndefined();
  });
});
