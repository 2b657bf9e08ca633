import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { LedgerHost, spawnGateway } from '@dol/bench';
import { Issuer, PayerMedium, Terminal } from '@dol/scripts';

/**
 * The gateway PROCESS killed with SIGKILL while the ledger has committed batches whose answers have
 * not reached it, then started again; and the ledger unreachable during intake. The gateway is the
 * real process (runGateway: HTTP, PostgreSQL intake, worker, signals), started from its build; the
 * ledger is the embedded ledger in memory, hosted by this test process so that it outlives the
 * gateway (a LedgerHost, not Fabric: the same tests on the network need Fabric's
 * binaries; README). Every assertion about money is made against the ledger, not the gateway.
 */
const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'bench', 'dist', 'remote-gateway-main.js');
const DATABASE_URL = process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TERMINALS = 4;
const BATCHES = 6;
const RECORDS = 10;
const PRICE = 120n;
const TOP_UP = 1000n;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ms: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

describe('gateway process: SIGKILL mid-settlement and ledger outage', () => {
  const now = Date.now();
  const schema = `crash_test_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'dol-crash-'));
  const auditorToken = randomBytes(24).toString('hex');
  const pool = new Pool({ connectionString: DATABASE_URL, max: 2 });
  const issuer = Issuer.generate('issuer-crash', 'EdDSA', now - 1e10, now + 1e10);
  const terminals = Array.from({ length: TERMINALS }, (_, t) => Terminal.generate(`pos-crash-${t}`, 'EdDSA'));
  let host: LedgerHost;
  let gateway: ChildProcess | undefined;
  let url = '';
  let studentNo = 0;
  const accounts: string[] = [];
  const acked: { receipt: string; terminalId: string; batchSeq: number }[] = [];

  async function startGateway(): Promise<void> {
    ({ child: gateway, url } = await spawnGateway(MAIN, { DOL_LEDGER_URL: host.url, DOL_CREDENTIALS_FILE: join(dir, 'credentials.json'), DOL_DB_SCHEMA: schema, DOL_DATABASE_URL: DATABASE_URL, DOL_LOG_LEVEL: 'error' }));
  }

  function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
    return new Promise((resolve) => child.once('exit', (code, signal) => {
      resolve({ code, signal });
    }));
  }

  /** One batch per terminal, each sale by a new student who can afford it. */
  async function newBatches(): Promise<{ terminalId: string; jws: string }[]> {
    const out: { terminalId: string; jws: string }[] = [];
    for (const pos of terminals) {
      const records = [];
      for (let r = 0; r < RECORDS; r++) {
        const account = `crash-student-${++studentNo}`;
        await host.ledger.submit('finance', 'OpenAccount', [JSON.stringify({ account, group: 'g', creditLine: '0' })]);
        await host.ledger.submit('operator', 'TopUp', [JSON.stringify({ topUpId: `t-${account}`, account, amount: TOP_UP.toString() })]);
        accounts.push(account);
        const wallet = PayerMedium.issue(issuer, { mediaId: `w-${account}`, kind: 'wallet', account, group: 'g', capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 100, nbf: now - 1e8, exp: now + 1e8 }, 'EdDSA');
        records.push(pos.record(now - 60_000 + studentNo, PRICE.toString(), 'code', wallet.payCode(now - 61_000)));
      }
      out.push({ terminalId: pos.terminalId, jws: pos.batch(records) });
    }
    return out;
  }

  async function upload(batches: readonly { terminalId: string; jws: string }[]): Promise<void> {
    for (const b of batches) {
      const res = await fetch(`${url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ batch: b.jws }) });
      const body = (await res.json()) as { receipt: string; batchSeq: number };
      expect(res.status).toBe(202);
      acked.push({ receipt: body.receipt, terminalId: b.terminalId, batchSeq: body.batchSeq });
    }
  }

  async function statusOf(receipt: string): Promise<{ status: string; result: { counts?: Record<string, number> } | null }> {
    const res = await fetch(`${url}/v1/batches/${receipt}`, { headers: { authorization: `Bearer ${auditorToken}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as { status: string; result: { counts?: Record<string, number> } | null };
  }

  async function allSettled(): Promise<boolean> {
    for (const a of acked) if ((await statusOf(a.receipt)).status === 'pending') return false;
    return true;
  }

  /** What the ledger holds, read as the auditor: each acknowledged batch settled exactly once, every sale charged once. */
  async function expectLedgerExactlyOnce(): Promise<{ resubmissions: number }> {
    let resubmissions = 0;
    for (const pos of terminals) {
      const entries = JSON.parse(await host.ledger.evaluate('auditor', 'GetBatches', [pos.terminalId])) as { batchSeq: number; counts: Record<string, number> }[];
      const mine = acked.filter((a) => a.terminalId === pos.terminalId);
      for (const a of mine) {
        const forSeq = entries.filter((e) => e.batchSeq === a.batchSeq);
        const settling = forSeq.filter((e) => (e.counts.duplicate ?? 0) !== RECORDS);
        expect(settling.map((e) => e.counts.settled)).toEqual([RECORDS]);
        resubmissions += forSeq.length - settling.length;
      }
      expect(new Set(entries.map((e) => e.batchSeq)).size).toBe(mine.length);
    }
    for (const account of accounts) {
      const a = JSON.parse(await host.ledger.evaluate('auditor', 'GetAccount', [account])) as { wallet: string };
      expect(BigInt(a.wallet)).toBe(TOP_UP - PRICE);
    }
    const inv = JSON.parse(await host.ledger.evaluate('auditor', 'CheckInvariant', [])) as { ok: boolean; sum: string };
    expect(inv).toMatchObject({ ok: true, sum: '0' });
    return { resubmissions };
  }

  beforeAll(async () => {
    host = await LedgerHost.start();
    host.clock = now;
    writeFileSync(join(dir, 'credentials.json'), JSON.stringify([{ tokenSha256: createHash('sha256').update(auditorToken).digest('hex'), role: 'auditor', subject: 'auditor' }]));
    await host.ledger.submit('operator', 'RegisterIssuerKey', [JSON.stringify(issuer.registration())]);
    await host.ledger.submit('operator', 'RegisterMerchant', [JSON.stringify({ merchantId: 'm-crash', name: 'Crash canteen' })]);
    for (const pos of terminals) await host.ledger.submit('operator', 'RegisterTerminal', [JSON.stringify({ terminalId: pos.terminalId, merchantId: 'm-crash', publicKey: pos.key.jwk })]);
    await host.ledger.submit('operator', 'SetRiskPolicy', [JSON.stringify({ maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900 })]);
  });

  afterAll(async () => {
    if (gateway !== undefined && gateway.exitCode === null && gateway.signalCode === null) {
      gateway.kill('SIGKILL');
      await exited(gateway);
    }
    await host.stop();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL after the ledger committed but before the gateway heard: every acknowledged batch settles exactly once, with its real outcomes', async () => {
    await startGateway();
    const batches: { terminalId: string; jws: string }[] = [];
    for (let b = 0; b < BATCHES; b++) batches.push(...(await newBatches()));
    // The ledger commits at once but answers late: the gateway is killed inside that window.
    host.answerDelayMs = 60_000;
    await upload(batches);
    await until('the ledger to commit the first batches', 10_000, () => host.committedBatches >= 2);
    const committedBeforeKill = host.committedBatches;
    const victim = gateway as ChildProcess;
    victim.kill('SIGKILL');
    expect(await exited(victim)).toMatchObject({ signal: 'SIGKILL' });
    expect(committedBeforeKill).toBeLessThan(acked.length);
    const pending = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${schema}.intake_batches WHERE status = 'pending'`);
    expect(Number(pending.rows[0]?.n)).toBe(acked.length); // the gateway recorded none of them

    host.answerDelayMs = 0;
    await startGateway();
    await until('every acknowledged batch to settle after the restart', 30_000, allSettled);
    const { resubmissions } = await expectLedgerExactlyOnce();
    expect(resubmissions).toBe(committedBeforeKill); // each batch the crash caught went to the ledger again, and was recognised
    for (const a of acked) {
      const s = await statusOf(a.receipt);
      expect(s.status).toBe('settled');
      expect(s.result?.counts?.settled).toBe(RECORDS); // the first settlement's outcomes, not "all duplicate"
    }
  });

  it('ledger unreachable: batches are still acknowledged, readiness says so, and they settle once it is back', async () => {
    const batches = await newBatches();
    host.ledger.offline = true;
    const before = acked.length;
    await upload(batches);
    expect(acked.length).toBe(before + TERMINALS);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await sleep(300);
    for (const a of acked.slice(before)) expect((await statusOf(a.receipt)).status).toBe('pending');

    host.ledger.offline = false;
    await until('readiness to return', 10_000, async () => (await fetch(`${url}/readyz`)).status === 200);
    await until('the batches held during the outage to settle', 30_000, allSettled);
    await expectLedgerExactlyOnce();

    const child = gateway as ChildProcess;
    child.kill('SIGTERM');
    expect(await exited(child)).toEqual({ code: 0, signal: null });
  });
});
