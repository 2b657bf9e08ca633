import { Pool } from 'pg';
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
});
