import { spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { EmbeddedLedger, PostgresBlockStore } from '@dol/gateway-api';
import { spawnGateway } from '@dol/bench';
import { Issuer, PayerMedium, Terminal } from '@dol/scripts';

/**
 * The embedded ledger's own crash test: the real gateway process on the embedded ledger in
 * PostgreSQL (gateway-api/dist/main.js, DOL_LEDGER=embedded) killed with SIGKILL three times
 * while writes and batch settlements are in flight, and started again on the same ledger. Every
 * write it acknowledged is still there at the block it named, every acknowledged batch settles
 * exactly once, no block is half-written, and `npm run ledger:verify` (its build) passes; then it
 * fails loudly on a block and on a state row altered on purpose.
 */
const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'gateway-api', 'dist', 'main.js');
const VERIFY = join(ROOT, 'gateway-api', 'dist', 'ledger-verify.js');
const DATABASE_URL = process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TERMINALS = 3;
const RECORDS = 8;
const PRICE = 150n;
const TOP_UP = 1000n;
const CYCLES = 3;
const WRITERS = 6;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

describe('embedded ledger: the gateway process killed mid-write, reopened, verified', () => {
  const now = Date.now();
  const hex = randomBytes(4).toString('hex');
  const ledgerSchema = `t_embl_${hex}`;
  const intakeSchema = `t_embi_${hex}`;
  const dir = mkdtempSync(join(tmpdir(), 'dol-embedded-crash-'));
  const tokens = { operator: randomBytes(24).toString('hex'), finance: randomBytes(24).toString('hex'), auditor: randomBytes(24).toString('hex') };
  const pool = new Pool({ connectionString: DATABASE_URL, max: 2 });
  const issuer = Issuer.generate('issuer-ecrash', 'EdDSA', now - 1e10, now + 1e10);
  const terminals = Array.from({ length: TERMINALS }, (_, t) => Terminal.generate(`pos-ecrash-${String(t)}`, 'EdDSA'));
  const batchPayers: string[] = [];
  let gateway: ChildProcess | undefined;
  let url = '';
  const ackedWrites: { txId: string; blockNumber: string; account: string }[] = [];
  const ackedBatches: { receipt: string }[] = [];
  let nextAccount = 0;

  const env = { ...process.env, DOL_LEDGER: 'embedded', DOL_LEDGER_SCHEMA: ledgerSchema, DOL_DB_SCHEMA: intakeSchema, DOL_DATABASE_URL: DATABASE_URL };

  async function startGateway(): Promise<void> {
    ({ child: gateway, url } = await spawnGateway(MAIN, { ...env, DOL_CREDENTIALS_FILE: join(dir, 'credentials.json'), DOL_LOG_LEVEL: 'error', DOL_WORKERS: '3' }));
  }

  function kill(child: ChildProcess): Promise<void> {
    return new Promise((resolve) => {
      child.once('exit', () => {
        resolve();
      });
      child.kill('SIGKILL');
    });
  }

  const call = async (method: string, path: string, role: keyof typeof tokens, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${url}${path}`, {
      method, headers: { authorization: `Bearer ${tokens[role]}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /** One writer: opens an account and tops it up, again and again, keeping what the gateway acknowledged. */
  async function writer(stop: { now: boolean }): Promise<void> {
    while (!stop.now) {
      const account = `ec-${String(++nextAccount)}`;
      try {
        const opened = await call('POST', '/v1/accounts', 'finance', { account, group: 'g', creditLine: '0' });
        if (opened.status !== 201) continue;
        ackedWrites.push({ txId: String(opened.body.txId), blockNumber: String(opened.body.blockNumber), account });
        const topped = await call('POST', '/v1/top-ups', 'operator', { topUpId: `t-${account}`, account, amount: TOP_UP.toString() });
        if (topped.status === 201) ackedWrites.push({ txId: String(topped.body.txId), blockNumber: String(topped.body.blockNumber), account });
      } catch {
        return; // the gateway died under us: what it did not answer is not acknowledged
      }
    }
  }

  function batchesFor(cycle: number): string[] {
    return terminals.map((pos, t) => {
      const records = Array.from({ length: RECORDS }, (_, r) => {
        const account = batchPayers[(cycle * TERMINALS + t) * RECORDS + r] ?? '';
        const wallet = PayerMedium.issue(issuer, { mediaId: `w-${account}`, kind: 'wallet', account, group: 'g', capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 100, nbf: now - 1e8, exp: now + 1e8 }, 'EdDSA');
        return pos.record(now - 60_000 + r, PRICE.toString(), 'code', wallet.payCode(now - 61_000));
      });
      return pos.batch(records);
    });
  }

  beforeAll(async () => {
    writeFileSync(join(dir, 'credentials.json'), JSON.stringify(Object.entries(tokens).map(([role, token]) => ({ tokenSha256: createHash('sha256').update(token).digest('hex'), role, subject: role }))));
    // The registry and the batch payers, written by this process on the same store before the
    // gateway first opens it (a reopen of its own).
    const setup = await EmbeddedLedger.open({ store: new PostgresBlockStore(pool, ledgerSchema), clock: () => now });
    await setup.submit('operator', 'RegisterIssuerKey', [JSON.stringify(issuer.registration())]);
    await setup.submit('operator', 'RegisterMerchant', [JSON.stringify({ merchantId: 'm-ecrash', name: 'Crash canteen' })]);
    for (const pos of terminals) await setup.submit('operator', 'RegisterTerminal', [JSON.stringify({ terminalId: pos.terminalId, merchantId: 'm-ecrash', publicKey: pos.key.jwk })]);
    await setup.submit('operator', 'SetRiskPolicy', [JSON.stringify({ maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900 })]);
    for (let i = 0; i < CYCLES * TERMINALS * RECORDS; i++) {
      const account = `ec-payer-${String(i)}`;
      await setup.submit('finance', 'OpenAccount', [JSON.stringify({ account, group: 'g', creditLine: '0' })]);
      await setup.submit('operator', 'TopUp', [JSON.stringify({ topUpId: `t-${account}`, account, amount: TOP_UP.toString() })]);
      batchPayers.push(account);
    }
    setup.close();
  });

  afterAll(async () => {
    if (gateway !== undefined && gateway.exitCode === null && gateway.signalCode === null) await kill(gateway);
    await pool.query(`DROP SCHEMA IF EXISTS ${ledgerSchema} CASCADE; DROP SCHEMA IF EXISTS ${intakeSchema} CASCADE`);
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`SIGKILL ${String(CYCLES)} times under writes and settlements: nothing acknowledged is lost, every batch settles once, the chain verifies`, async () => {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await startGateway();
      for (const jws of batchesFor(cycle)) {
        const res = await fetch(`${url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ batch: jws }) });
        expect(res.status).toBe(202);
        ackedBatches.push({ receipt: ((await res.json()) as { receipt: string }).receipt });
      }
      const stop = { now: false };
      const writers = Array.from({ length: WRITERS }, () => writer(stop));
      // Kill once the gateway has acknowledged some writes of this life, mid-stream.
      const before = ackedWrites.length;
      await until('writes to be acknowledged', () => ackedWrites.length >= before + 10 + cycle * 7);
      await kill(gateway as ChildProcess);
      stop.now = true;
      await Promise.all(writers);
    }
    await startGateway();
    // Every acknowledged write is on the ledger, at the block the gateway named.
    for (const w of ackedWrites) {
      const proof = await call('GET', `/v1/proofs/${w.txId}`, 'auditor');
      expect({ txId: w.txId, status: proof.status, blockNumber: proof.body.blockNumber, code: proof.body.validationCode, ledger: proof.body.ledger })
        .toEqual({ txId: w.txId, status: 200, blockNumber: w.blockNumber, code: 'VALID', ledger: 'embedded' });
    }
    // Every acknowledged batch settles, exactly once: its payers were charged once.
    await until('every acknowledged batch to settle', async () => {
      for (const b of ackedBatches) if ((await call('GET', `/v1/batches/${b.receipt}`, 'auditor')).body.status === 'pending') return false;
      return true;
    });
    for (const b of ackedBatches) expect((await call('GET', `/v1/batches/${b.receipt}`, 'auditor')).body.status).toBe('settled');
    for (const account of batchPayers) {
      expect({ account, wallet: (await call('GET', `/v1/accounts/${account}`, 'auditor')).body.wallet }).toEqual({ account, wallet: (TOP_UP - PRICE).toString() });
    }
    expect((await call('GET', '/v1/invariant', 'auditor')).body).toMatchObject({ ok: true, sum: '0' });
    await kill(gateway as ChildProcess);

    const verified = spawnSync(process.execPath, [VERIFY], { env, encoding: 'utf8' });
    expect({ status: verified.status, out: verified.stdout }).toEqual({ status: 0, out: expect.stringContaining('OK: ') as unknown });
  });

  it('ledger:verify fails loudly on a block altered in the store, and on a state row no transaction wrote', async () => {
    const { rows } = await pool.query<{ number: string; data: string }>(`SELECT number, data FROM ${ledgerSchema}.blocks WHERE data LIKE '%OpenAccount%' ORDER BY number DESC LIMIT 1`);
    const victim = rows[0];
    if (victim === undefined) throw new Error('no block to alter');
    await pool.query(`UPDATE ${ledgerSchema}.blocks SET data = replace(data, '"creditLine\\":\\"0\\"', '"creditLine\\":\\"9\\"') WHERE number = $1`, [victim.number]);
    const altered = spawnSync(process.execPath, [VERIFY], { env, encoding: 'utf8' });
    expect(altered.status).toBe(1);
    expect(altered.stdout).toContain('LEDGER VERIFICATION FAILED');
    expect(altered.stdout).toContain(`block ${victim.number}: its data does not hash to its data hash`);
    await pool.query(`UPDATE ${ledgerSchema}.blocks SET data = $2 WHERE number = $1`, [victim.number, victim.data]);

    await pool.query(`UPDATE ${ledgerSchema}.state SET value = convert_to(replace(convert_from(value, 'UTF8'), '"wallet":"850"', '"wallet":"8500"'), 'UTF8') WHERE key = (SELECT key FROM ${ledgerSchema}.state WHERE convert_from(value, 'UTF8') LIKE '%"wallet":"850"%' LIMIT 1)`);
    const forged = spawnSync(process.execPath, [VERIFY], { env, encoding: 'utf8' });
    expect(forged.status).toBe(1);
    expect(forged.stdout).toContain('holds a value no transaction wrote');
  });

  it('a gateway over the altered state serves nothing: /readyz answers 503 saying why, every ledger call 503, and nothing is written', async () => {
    // The state row altered by the test above is still there.
    await startGateway();
    try {
      const ready = await fetch(`${url}/readyz`);
      const problem = (await ready.json()) as { code: string; detail: string };
      expect({ status: ready.status, code: problem.code }).toEqual({ status: 503, code: 'LEDGER_UNAVAILABLE' });
      expect(problem.detail).toContain("stored state does not match its chain");
      const heightBefore = (await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${ledgerSchema}.blocks`)).rows[0]?.n;
      expect((await call('GET', '/v1/invariant', 'auditor')).status).toBe(503);
      expect((await call('POST', '/v1/accounts', 'finance', { account: 'after-forgery', group: 'g', creditLine: '0' })).status).toBe(503);
      expect((await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${ledgerSchema}.blocks`)).rows[0]?.n).toBe(heightBefore);
    } finally {
      await kill(gateway as ChildProcess);
    }
  });
});
