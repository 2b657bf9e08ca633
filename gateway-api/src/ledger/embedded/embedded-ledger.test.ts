import { Pool } from 'pg';
import { commitHashOf, headerHash, ZERO_HASH, type CommittedWrite } from './block';
import { MemoryBlockStore } from './block-store';
import { EmbeddedLedger } from './embedded-ledger';
import { PostgresBlockStore } from './postgres-block-store';
import { verifyLedger } from './verify';

const open = (account: string, creditLine = '0'): string => JSON.stringify({ account, group: 'g', creditLine });
const accountOf = async (ledger: EmbeddedLedger, account: string): Promise<unknown> => JSON.parse(await ledger.evaluate('auditor', 'GetAccount', [account]));

describe('EmbeddedLedger (the contract through fabric-contract-api dispatch over a block store)', () => {
  it('commits concurrent transactions into hash-chained blocks and answers each with its block', async () => {
    const ledger = await EmbeddedLedger.open({ store: new MemoryBlockStore() });
    const accounts = Array.from({ length: 20 }, (_, i) => `acc-${String(i)}`);
    const commits = await Promise.all(accounts.map((a) => ledger.submit('finance', 'OpenAccount', [open(a)])));
    expect(new Set(commits.map((c) => c.txId)).size).toBe(20);
    expect(commits.every((c) => c.validationCode === 'VALID' && Number(c.blockNumber) >= 1)).toBe(true);
    for (const a of accounts) expect(await accountOf(ledger, a)).toMatchObject({ id: a, status: 'active' });
    const proof = await ledger.commitOf('auditor', commits[0]?.txId ?? '');
    expect(proof).toMatchObject({ blockNumber: commits[0]?.blockNumber, validationCode: 'VALID' });
    expect(proof.blockHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads the caller from its certificate as a peer does: a role of the wrong organisation is refused ACCESS_DENIED and writes nothing', async () => {
    const ledger = await EmbeddedLedger.open({ store: new MemoryBlockStore() });
    await expect(ledger.submit('auditor', 'OpenAccount', [open('x-1')])).rejects.toMatchObject({ failure: 'refused', code: 'ACCESS_DENIED' });
    await expect(ledger.evaluate('auditor', 'GetAccount', ['x-1'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(ledger.height).toBe(1);
  });

  it('invalidates a transaction whose read set went stale (MVCC_READ_CONFLICT) and simulates it again, so both credit-line changes land', async () => {
    const ledger = await EmbeddedLedger.open({ store: new MemoryBlockStore() });
    await ledger.submit('finance', 'OpenAccount', [open('acc-m')]);
    const results = await Promise.all(['100', '200', '300'].map((line) => ledger.submit('finance', 'SetCreditLine', ['acc-m', line])));
    expect(results.every((r) => r.validationCode === 'VALID')).toBe(true);
    // All three read the account at one version: the block keeps the first, invalidates two; of
    // those two, simulated again together, one more is invalidated once.
    expect(ledger.invalidated.get('MVCC_READ_CONFLICT')).toBe(3);
    expect(await accountOf(ledger, 'acc-m')).toMatchObject({ creditLine: expect.stringMatching(/^[123]00$/) as unknown });
  });

  it('refuses with the contract domain code and keeps serving the calls behind it', async () => {
    const ledger = await EmbeddedLedger.open({ store: new MemoryBlockStore() });
    const bad = ledger.submit('finance', 'OpenAccount', ['{not json']);
    const good = ledger.submit('finance', 'OpenAccount', [open('ok-1')]);
    await expect(bad).rejects.toMatchObject({ failure: 'refused', code: 'MALFORMED_JSON' });
    await expect(good).resolves.toMatchObject({ validationCode: 'VALID' });
  });

  it('while offline answers every call as unavailable', async () => {
    const ledger = await EmbeddedLedger.open({ store: new MemoryBlockStore() });
    ledger.offline = true;
    await expect(ledger.submit('finance', 'OpenAccount', [open('o-1')])).rejects.toMatchObject({ failure: 'unavailable' });
    expect(await ledger.ping()).toBe(false);
  });

  describe('over PostgreSQL', () => {
    const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 4 });
    const schema = `t_ledger_${String(process.pid)}`;
    afterAll(async () => {
      await new PostgresBlockStore(pool, schema).purge();
      await pool.end();
    });

    it('reopens the same ledger: state, history, proofs and the chain survive, and verification replays it exactly', async () => {
      const first = await EmbeddedLedger.open({ store: new PostgresBlockStore(pool, schema) });
      const c = await first.submit('finance', 'OpenAccount', [open('acc-p', '500')]);
      await first.submit('finance', 'SetCreditLine', ['acc-p', '700']);
      const proof = await first.commitOf('auditor', c.txId);
      first.close();
      const again = await EmbeddedLedger.open({ store: new PostgresBlockStore(pool, schema) });
      expect(again.height).toBe(3);
      expect(await accountOf(again, 'acc-p')).toMatchObject({ creditLine: '700' });
      expect(await again.commitOf('auditor', c.txId)).toEqual(proof);
      const report = await verifyLedger(new PostgresBlockStore(pool, schema));
      expect(report.problems).toEqual([]);
      expect(report).toMatchObject({ blocks: 3, transactions: 2, valid: 2, books: { ok: true } });
    });

    it('verification fails loudly on a block altered in the store, and on state no transaction wrote', async () => {
      await pool.query(`UPDATE ${schema}.blocks SET data = replace(data, '"700"', '"900"') WHERE number = 2`);
      const altered = await verifyLedger(new PostgresBlockStore(pool, schema));
      expect(altered.problems).toContainEqual(expect.stringContaining('block 2: its data does not hash to its data hash'));
      await pool.query(`UPDATE ${schema}.blocks SET data = replace(data, '"900"', '"700"') WHERE number = 2`);
      await pool.query(`UPDATE ${schema}.state SET value = convert_to(replace(convert_from(value, 'UTF8'), '"700"', '"9000"'), 'UTF8')`);
      const forged = await verifyLedger(new PostgresBlockStore(pool, schema));
      expect(forged.problems).toContainEqual(expect.stringContaining('holds a value no transaction wrote'));
    });
  });

  describe('tamper evidence (docs/ledgers.md): a state that does not match its chain is refused at open and found by verify', () => {
    const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 4 });
    const schemas: string[] = [];
    const fresh = (name: string): string => {
      const schema = `t_tamper_${name}_${String(process.pid)}`;
      schemas.push(schema);
      return schema;
    };
    const topUp = (topUpId: string, account: string, amount: string): string => JSON.stringify({ topUpId, account, amount });
    const forge = (schema: string, table: 'state' | 'history', from: string, to: string): Promise<unknown> => pool.query(
      `UPDATE ${schema}.${table} SET value = convert_to(replace(convert_from(value, 'UTF8'), $1, $2), 'UTF8') WHERE position(convert_to('acc-t', 'UTF8') in key) > 0 AND position(convert_to($1, 'UTF8') in value) > 0`
        + (table === 'history' ? ` AND block = (SELECT max(block) FROM ${schema}.history WHERE position(convert_to('acc-t', 'UTF8') in key) > 0)` : ''), [from, to]);

    /** What an attacker with this source does to make the headers agree with an edited history: recompute every commitment and header hash. */
    async function resealChain(schema: string): Promise<void> {
      const writes = (await pool.query<{ key: Buffer; block: string; tx: number; value: Buffer; is_delete: boolean }>(`SELECT key, block, tx, value, is_delete FROM ${schema}.history`)).rows;
      const byBlock = new Map<number, CommittedWrite[]>();
      for (const w of writes) byBlock.set(Number(w.block), [...(byBlock.get(Number(w.block)) ?? []), [w.tx, w.key.toString('utf8'), w.is_delete ? null : w.value]]);
      const blocks = (await pool.query<{ number: string; data_hash: string }>(`SELECT number, data_hash FROM ${schema}.blocks ORDER BY number`)).rows;
      let commit = ZERO_HASH;
      let previous = ZERO_HASH;
      for (const b of blocks) {
        const n = Number(b.number);
        commit = commitHashOf(commit, n, byBlock.get(n) ?? []);
        const hash = headerHash(n, previous, b.data_hash, commit);
        await pool.query(`UPDATE ${schema}.blocks SET commit_hash = $2, previous_hash = $3, hash = $4 WHERE number = $1`, [n, commit, previous, hash]);
        previous = hash;
      }
    }

    afterAll(async () => {
      for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await pool.end();
    });

    it('the attack: a credit line edited in the state table is refused at open; rewritten with its history and headers, the write built on it is found by verify re-executing it', async () => {
      const schema = fresh('attack');
      const first = await EmbeddedLedger.open({ store: new PostgresBlockStore(pool, schema) });
      await first.submit('finance', 'OpenAccount', [open('acc-t', '0')]);
      first.close();
      // 1. One row of the state table changed: the ledger opens refusing, says why, serves nothing.
      await forge(schema, 'state', '"creditLine":"0"', '"creditLine":"500000"');
      const refused = await EmbeddedLedger.open({ store: new PostgresBlockStore(pool, schema) });
      expect(await refused.ping()).toBe(false);
      expect(refused.unavailableBecause()).toMatch(/does not match its chain.*acc-t.*its last transaction did not write/);
      await expect(refused.evaluate('auditor', 'GetAccount', ['acc-t'])).rejects.toMatchObject({ failure: 'unavailable' });
      await expect(refused.submit('operator', 'TopUp', [topUp('t-1', 'acc-t', '100')])).rejects.toMatchObject({ failure: 'unavailable' });
      expect((await verifyLedger(new PostgresBlockStore(pool, schema))).problems).toContainEqual(expect.stringContaining('holds a value no transaction wrote'));
      // 2. The history row and every header rewritten to agree: it opens, serves the forged line, and a top-up builds on it.
      await forge(schema, 'history', '"creditLine":"0"', '"creditLine":"500000"');
      await resealChain(schema);
      const fooled = await EmbeddedLedger.open({ store: new PostgresBlockStore(pool, schema) });
      expect(fooled.unavailableBecause()).toBeUndefined();
      expect(await accountOf(fooled, 'acc-t')).toMatchObject({ creditLine: '500000' });
      await fooled.submit('operator', 'TopUp', [topUp('t-1', 'acc-t', '100')]);
      fooled.close();
      // Replaying recorded writes alone would now agree with the state; running each transaction again does not.
      const report = await verifyLedger(new PostgresBlockStore(pool, schema));
      expect(report.problems).toContainEqual(expect.stringMatching(/run again through the contract on the state the chain left, it writes .*acc-t.*"creditLine":"0".*the block records .*"creditLine":"500000"/));
      expect(report.problems).toContainEqual(expect.stringContaining('its commit hash does not match the writes of its valid transactions'));
      expect(report.problems).toContainEqual(expect.stringContaining('history: a row no valid transaction wrote'));
    });

    it('an edited history row is refused at open and found by verify', async () => {
      const schema = fresh('history');
      const first = await EmbeddedLedger.open({ store: new PostgresBlockStore(pool, schema) });
      await first.submit('finance', 'OpenAccount', [open('acc-t', '0')]);
      await first.submit('finance', 'SetCreditLine', ['acc-t', '700']);
      first.close();
      await pool.query(`UPDATE ${schema}.history SET value = convert_to(replace(convert_from(value, 'UTF8'), '"creditLine":"0"', '"creditLine":"9"'), 'UTF8') WHERE convert_from(value, 'UTF8') LIKE '%"creditLine":"0"%'`);
      const refused = await EmbeddedLedger.open({ store: new PostgresBlockStore(pool, schema) });
      expect(refused.unavailableBecause()).toMatch(/a history row was changed/);
      expect((await verifyLedger(new PostgresBlockStore(pool, schema))).problems).toContainEqual(expect.stringContaining('history: a row no valid transaction wrote'));
    });

    it('a deleted block is refused at open and found by verify', async () => {
      const schema = fresh('deleted');
      const first = await EmbeddedLedger.open({ store: new PostgresBlockStore(pool, schema) });
      await first.submit('finance', 'OpenAccount', [open('acc-t', '0')]);
      await first.submit('finance', 'SetCreditLine', ['acc-t', '700']);
      await first.submit('finance', 'SetCreditLine', ['acc-t', '800']);
      first.close();
      await pool.query(`DELETE FROM ${schema}.blocks WHERE number = (SELECT max(number) FROM ${schema}.blocks)`);
      const refused = await EmbeddedLedger.open({ store: new PostgresBlockStore(pool, schema) });
      expect(refused.unavailableBecause()).toMatch(/which is not in the chain \(a block was removed\)/);
      expect((await verifyLedger(new PostgresBlockStore(pool, schema))).problems.length).toBeGreaterThan(0);
      // A block removed from the middle breaks the numbering and the links.
      await pool.query(`DELETE FROM ${schema}.blocks WHERE number = 1`);
      const gap = await EmbeddedLedger.open({ store: new PostgresBlockStore(pool, schema) });
      expect(gap.unavailableBecause()).toMatch(/block 1 is missing from the chain/);
    });
  });
});
