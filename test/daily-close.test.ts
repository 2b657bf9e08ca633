import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import pino from 'pino';
import { IntakeStore, createApp, createMetrics, type CallerRole, type Credential } from '@dol/gateway-api';
import { Issuer, PayerMedium, Terminal } from '@dol/scripts';
import { ledgerUnderTest } from './support/ledger-under-test';

/**
 * The operator's daily close over HTTP (docs/gateway.md, "Paying merchants"), on the ledger chosen
 * by configuration: the embedded ledger in the jest project `unit`, the real network in `fabric`.
 * The network is shared with other suites, so the run is compared with what the ledger said every
 * merchant was owed just before it, never with this file's merchants alone.
 */
const NOW = Date.now();
const AT = NOW - 600_000;
const RUN = randomBytes(3).toString('hex');
const tokens: Record<Exclude<CallerRole, 'terminal' | 'student' | 'admin'>, string> = {
  operator: 'close-operator-token-0000001', finance: 'close-finance-token-00000001', registrar: 'close-registrar-token-000001', auditor: 'close-auditor-token-00000001',
};
const credentials: Credential[] = Object.entries(tokens).map(([role, token]) => ({ tokenSha256: createHash('sha256').update(token).digest('hex'), role: role as CallerRole, subject: `${role}-1` }));
const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 4 });
const schema = `close_test_${RUN}`;
const store = new IntakeStore(pool, schema);
const lut = ledgerUnderTest(NOW);
const { ledger } = lut;
const issuer = Issuer.generate(`issuer-close-${RUN}`, 'EdDSA', NOW - 1e10, NOW + 1e10);
const north = Terminal.generate(`pos-cn-${RUN}`, 'EdDSA');
const south = Terminal.generate(`pos-cs-${RUN}`, 'EdDSA');
const merchants = { north: `close-n-${RUN}`, south: `close-s-${RUN}` };
const account = `close-${RUN}`;
let server: Server;
let base = '';

interface Answer { status: number; body: Record<string, unknown>; text: string; type: string }
async function call(method: string, path: string, as: keyof typeof tokens, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method, headers: { authorization: `Bearer ${tokens[as]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, text, type, body: type.includes('json') && text !== '' ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

beforeAll(async () => {
  await store.migrate();
  const app = createApp({ ledger, store, onAccepted: () => undefined, channel: 'campus', chaincode: 'settlement', cli: lut.cli, credentials, log: pino({ level: 'silent' }), metrics: createMetrics(() => store.depth()) }, () => Promise.resolve(undefined));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => {
      resolve(s);
    });
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The setting-up goes straight to the ledger: what is under test is the close.
  await ledger.submit('operator', 'RegisterIssuerKey', [JSON.stringify(issuer.registration())]);
  await ledger.submit('operator', 'SetRiskPolicy', [JSON.stringify({ maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900 })]);
  for (const [merchantId, t] of [[merchants.north, north], [merchants.south, south]] as const) {
    await ledger.submit('operator', 'RegisterMerchant', [JSON.stringify({ merchantId, name: `Canteen ${merchantId}` })]);
    await ledger.submit('operator', 'RegisterTerminal', [JSON.stringify({ terminalId: t.terminalId, merchantId, publicKey: t.key.jwk })]);
  }
  await ledger.submit('finance', 'OpenAccount', [JSON.stringify({ account, group: 'g-2026', creditLine: '0' })]);
  await ledger.submit('operator', 'TopUp', [JSON.stringify({ topUpId: `seed-${account}`, account, amount: '100000' })]);
  const medium = PayerMedium.issue(issuer, {
    mediaId: `w-${account}`, kind: 'wallet', account, group: 'g-2026', capPerPayment: '5000', capTotal: '50000', ctrFrom: 1, ctrTo: 100, nbf: NOW - 86_400_000, exp: NOW + 86_400_000,
  }, 'EdDSA');
  let ctr = 0;
  const sell = async (t: Terminal, amounts: readonly string[]): Promise<void> => {
    const records = amounts.map((amount) => {
      ctr += 1;
      return t.record(AT + ctr, amount, 'code', medium.payCode(AT + ctr - 500));
    });
    await ledger.submit('gateway', 'SubmitBatch', [t.batch(records)]);
  };
  await sell(north, ['300', '450']);
  await sell(north, ['250']);
  await sell(south, ['1200']);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await store.close();
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  await pool.end();
  await lut.close();
});

interface Owed { merchantId: string; name: string | null; owed: string; credits: number }
interface RunBody { runId: string; total: string; merchants: number; payouts: { merchantId: string; total: string; lines: number }[]; by?: { subject: string } }

describe('the daily close over HTTP', () => {
  it('previews what every merchant is owed, pays exactly that in one run, serves the bank file, and the auditor finds it all agrees', async () => {
    const preview = await call('GET', '/v1/merchant-balances', 'auditor');
    expect(preview.status).toBe(200);
    const owed = preview.body.merchants as Owed[];
    expect(owed.filter((m) => m.merchantId.endsWith(RUN)).map((m) => [m.merchantId, m.owed, m.credits])).toEqual([[merchants.north, '1000', 2], [merchants.south, '1200', 1]]);
    const owing = owed.filter((m) => m.owed !== '0');
    const previewCsv = await call('GET', '/v1/merchant-balances?format=csv', 'operator');
    expect(previewCsv.text.split('\r\n')[0]).toBe('merchantId,name,owed,credits,oldestAt,oldestAtUtc,asOf,asOfUtc');

    const runId = `close-${RUN}`;
    const run = await call('POST', '/v1/payout-runs', 'operator', { runId });
    expect(run.status).toBe(201);
    const result = run.body.result as RunBody;
    // Exactly what the preview said, merchant by merchant (nothing settled in between: this file is alone on the ledger now).
    expect(result.total).toBe(String(preview.body.total));
    expect(result.payouts.map((p) => [p.merchantId, p.total, p.lines])).toEqual(owing.map((m) => [m.merchantId, m.owed, m.credits]));
    const again = await call('POST', '/v1/payout-runs', 'operator', { runId });
    expect(again).toMatchObject({ status: 200, body: { replayed: true, result: { runId, total: result.total } } });
    expect((await call('GET', '/v1/merchant-balances', 'auditor')).body.total).toBe('0');

    const read = await call('GET', `/v1/payout-runs/${runId}`, 'auditor');
    expect(read.body).toMatchObject({ runId, total: result.total, by: { fn: 'RunPayouts', role: 'operator', subject: 'operator-1' } });
    const file = await call('GET', `/v1/payout-runs/${runId}?format=csv`, 'operator');
    expect(file.type).toContain('text/csv');
    const [header, ...rows] = file.text.trimEnd().split('\r\n');
    expect(header).toBe('runId,merchantId,name,amount,amountYuan,reference,credits,at,atUtc');
    // This file's merchants (the run also pays whatever other suites left owed on a shared network).
    const ours = rows.filter((r) => (r.split(',')[1] ?? '').endsWith(RUN));
    expect(ours.map((r) => r.split(',').slice(1, 7).join(','))).toEqual([
      `${merchants.north},Canteen ${merchants.north},1000,10.00,${runId}/${merchants.north},2`,
      `${merchants.south},Canteen ${merchants.south},1200,12.00,${runId}/${merchants.south},1`,
    ]);
    // The file's total is the ledger's.
    expect(rows.reduce((s, r) => s + BigInt(r.split(',')[3] ?? '0'), 0n).toString()).toBe(result.total);

    const history = await call('GET', `/v1/merchants/${merchants.north}/payouts`, 'auditor');
    expect(history.body).toMatchObject({ unpaid: '0', paid: '1000', payouts: [{ payoutId: runId, total: '1000', lineCount: 2 }] });
    const statement = await call('GET', `/v1/payouts/${merchants.south}/${runId}`, 'auditor');
    expect(statement.body).toMatchObject({ total: '1200', runId });
    const runs = await call('GET', '/v1/payout-runs', 'auditor');
    expect((runs.body as unknown as RunBody[]).some((r) => r.runId === runId)).toBe(true);

    const check = await call('GET', '/v1/payout-check', 'auditor');
    expect(check.body.problems).toEqual([]);
    expect(check.body.ok).toBe(true);
  });

  it('refuses bad input and the wrong roles with stable codes, and pays nothing', async () => {
    const cases: [string, string, keyof typeof tokens, unknown, number, string][] = [
      ['POST', '/v1/payout-runs', 'operator', { runId: 5 }, 400, 'WRONG_TYPE'],
      ['POST', '/v1/payout-runs', 'operator', {}, 400, 'MISSING_FIELD'],
      ['POST', '/v1/payout-runs', 'operator', { runId: 'ok', more: 1 }, 400, 'UNKNOWN_FIELD'],
      ['POST', '/v1/payout-runs', 'operator', { runId: ' spaced' }, 400, 'INVALID_FIELD'],
      ['POST', '/v1/payout-runs', 'auditor', { runId: `x-${RUN}` }, 403, 'ACCESS_DENIED'],
      ['GET', '/v1/payout-check', 'finance', undefined, 403, 'ACCESS_DENIED'],
      ['GET', '/v1/merchant-balances', 'registrar', undefined, 403, 'ACCESS_DENIED'],
      ['GET', `/v1/payout-runs/none-${RUN}`, 'auditor', undefined, 404, 'NOT_FOUND'],
      ['GET', `/v1/merchants/none-${RUN}/payouts`, 'auditor', undefined, 404, 'NOT_FOUND'],
    ];
    for (const [method, path, as, body, status, code] of cases) {
      const answer = await call(method, path, as, body);
      expect([path, answer.status, answer.body.code]).toEqual([path, status, code]);
    }
    const runs = await call('GET', '/v1/payout-runs', 'auditor');
    expect((runs.body as unknown as RunBody[]).some((r) => r.runId === `x-${RUN}`)).toBe(false);
  });
});
