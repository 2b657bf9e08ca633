import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import pino from 'pino';
import { IntakeStore, IntakeWorker, ROUTES, SettlementClient, createApp, createMetrics, openApi, type CallerRole, type Credential } from '@dol/gateway-api';
import { canonicalJson } from '@dol/chaincode';
import { Issuer, PayerMedium, Terminal, faceCredential, signJwsRaw } from '@dol/scripts';
import { parseDenyList } from '@dol/terminal';
import { runProofCommands } from './support/proof-cli';
import { ledgerUnderTest } from './support/ledger-under-test';

/**
 * The HTTP API end to end in one process: real Express on 127.0.0.1:0, real PostgreSQL intake,
 * over the ledger chosen by configuration (support/ledger-under-test.ts): in the jest project
 * `unit` the real contract on the in-memory stub, in the project `fabric` the real network, where
 * the Fabric CLI commands every proof prints are also run against the AuditOrg peer.
 */
const NOW = Date.now();
const AT = NOW - 600_000;
/** Staff tokens are configured; the terminals' are issued through the API in beforeAll. */
const tokens: Record<CallerRole | 'terminal2', string> = {
  operator: 'operator-token-000000000001', finance: 'finance-token-0000000000001', registrar: 'registrar-token-00000000001',
  auditor: 'auditor-token-000000000001', admin: 'admin-token-0000000000000001', terminal: '', terminal2: '', student: '',
};
const sha = (t: string): string => createHash('sha256').update(t).digest('hex');
const credentials: Credential[] = [
  ...(['operator', 'finance', 'registrar', 'auditor', 'admin'] as const).map((role) => ({ tokenSha256: sha(tokens[role]), role, subject: role })),
];

const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 6 });
const schema = `gateway_test_${randomBytes(4).toString('hex')}`;
const store = new IntakeStore(pool, schema);
const lut = ledgerUnderTest(NOW);
const { ledger } = lut;
const log = pino({ level: 'silent' });
const metrics = createMetrics(() => store.depth());
const worker = new IntakeWorker(store, new SettlementClient(ledger), log, metrics, { concurrency: lut.workers, idlePollMs: 50, maxBackoffMs: 100 });
const issuer = Issuer.generate('issuer-1', 'EdDSA', NOW - 1e10, NOW + 1e10);
const pos = Terminal.generate('pos-1', 'EdDSA');
let server: Server;
let base = '';

/** Every (operation, status) seen, checked against the OpenAPI description at the end. */
const seen: { id: string; status: number; type: string; body: unknown }[] = [];

async function call(method: string, path: string, as?: keyof typeof tokens, body?: unknown, raw?: string): Promise<{ status: number; body: Record<string, unknown> & unknown[] }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(as === undefined ? {} : { authorization: `Bearer ${tokens[as]}` }), ...(body === undefined && raw === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined && raw === undefined ? {} : { body: raw ?? JSON.stringify(body) }),
  });
  const text = await res.text();
  const parsed = text === '' ? null : (JSON.parse(text) as Record<string, unknown> & unknown[]);
  const route = ROUTES.find((r) => r.method === method.toLowerCase() && new RegExp(`^${r.path.replace(/\{[A-Za-z]+\}/g, '[^/]+')}$`).test(path.split('?')[0] ?? ''));
  if (route !== undefined) seen.push({ id: route.id, status: res.status, type: res.headers.get('content-type') ?? '', body: parsed });
  return { status: res.status, body: parsed as Record<string, unknown> & unknown[] };
}

beforeAll(async () => {
  await store.migrate();
  const app = createApp({ ledger, store, onAccepted: () => undefined, channel: 'campus', chaincode: 'settlement', cli: lut.cli, credentials, log, metrics, authFailuresPerMinute: 1_000_000 }, async () => ((await ledger.ping()) ? undefined : 'no Fabric peer answers'));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => {
      resolve(s);
    });
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  expect((await call('POST', '/v1/issuer-keys', 'operator', issuer.registration())).status).toBe(201);
  expect((await call('POST', '/v1/merchants', 'operator', { merchantId: 'canteen-1', name: 'North canteen' })).status).toBe(201);
  expect((await call('POST', '/v1/terminals', 'operator', { terminalId: 'pos-1', merchantId: 'canteen-1', publicKey: pos.key.jwk })).status).toBe(201);
  expect((await call('POST', '/v1/terminals', 'operator', { terminalId: 'pos-2', merchantId: 'canteen-1', publicKey: Terminal.generate('pos-2', 'EdDSA').key.jwk })).status).toBe(201);
  for (const [who, terminalId] of [['terminal', 'pos-1'], ['terminal2', 'pos-2']] as const) {
    const issued = await call('POST', `/v1/terminals/${terminalId}/credentials`, 'operator');
    expect(issued.status).toBe(201);
    tokens[who] = String(issued.body.token);
  }
  expect((await call('PUT', '/v1/risk-policy', 'operator', { maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900 })).status).toBe(200);
  // Read back with every default filled in, as terminals get it in their offline configuration.
  expect(await call('GET', '/v1/risk-policy', 'auditor')).toMatchObject({ status: 200, body: { faceCapPerPayment: '3000', faceMinScore: 900, mediumDailyCount: 20, edgeOverflow: 'advance' } });
  for (const a of ['ann', 'ben']) {
    expect((await call('POST', '/v1/accounts', 'finance', { account: a, group: 'g-2026', creditLine: '0' })).status).toBe(201);
    expect((await call('POST', '/v1/top-ups', 'operator', { topUpId: `seed-${a}`, account: a, amount: '5000' })).status).toBe(201);
  }
  // A student's credential (docs/wallet.md): finance's one-time code, exchanged once.
  const code = await call('POST', '/v1/accounts/ann/activation-codes', 'finance');
  expect(code.status).toBe(201);
  const session = await call('POST', '/v1/student-activations', undefined, { account: 'ann', code: code.body.code });
  expect(session.status).toBe(201);
  tokens.student = String(session.body.token);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await store.close();
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  await pool.end();
  await lut.close();
});

const wallet = (account: string): PayerMedium => PayerMedium.issue(issuer, {
  mediaId: `w-${account}`, kind: 'wallet', account, group: 'g-2026', capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 100,
  nbf: NOW - 86_400_000, exp: NOW + 86_400_000,
}, 'EdDSA');

describe('batch intake', () => {
  it("answers a receipt another organisation's gateway acknowledged from the ledger (an auditor at AuditOrg's gateway)", async () => {
    const jws = pos.batch([pos.record(AT + 50, '400', 'face', faceCredential('ann', 990))]);
    const accepted = await call('POST', '/v1/batches', undefined, { batch: jws });
    expect(accepted.status).toBe(202);
    expect(await worker.drain()).toBe(1);
    const settled = await call('GET', `/v1/batches/${String(accepted.body.receipt)}`, 'auditor');
    // A second gateway with an intake of its own (as AuditOrg's is) has never seen this upload.
    const otherSchema = `${schema}_other`;
    const otherStore = new IntakeStore(pool, otherSchema);
    await otherStore.migrate();
    const other = createApp({ ledger, store: otherStore, onAccepted: () => undefined, channel: 'campus', chaincode: 'settlement', cli: lut.cli, credentials, log, metrics }, () => Promise.resolve(undefined));
    const otherServer = await new Promise<Server>((resolve) => {
      const s = other.listen(0, '127.0.0.1', () => {
        resolve(s);
      });
    });
    try {
      const at = `http://127.0.0.1:${(otherServer.address() as AddressInfo).port}`;
      const get = async (path: string, token: string): Promise<{ status: number; body: Record<string, unknown> }> => {
        const r = await fetch(`${at}${path}`, { headers: { authorization: `Bearer ${token}` } });
        return { status: r.status, body: await r.json() as Record<string, unknown> };
      };
      const fromLedger = await get(`/v1/batches/${String(accepted.body.receipt)}`, tokens.auditor);
      expect(fromLedger.status).toBe(200);
      expect(fromLedger.body).toMatchObject({
        source: 'ledger', status: 'settled', receipt: accepted.body.receipt, terminalId: 'pos-1', records: 1,
        txId: settled.body.txId, blockNumber: settled.body.blockNumber, result: { counts: { settled: 1 } },
      });
      expect((await get(`/v1/batches/${'0'.repeat(64)}`, tokens.auditor))).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
      expect((await get('/v1/batches/not-a-receipt', tokens.auditor))).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    } finally {
      await new Promise((resolve) => otherServer.close(resolve));
      await otherStore.close();
      await pool.query(`DROP SCHEMA ${otherSchema} CASCADE`);
    }
  });

  it('acknowledges a signed batch with 202 once stored, returns the same receipt on retry, and settles it', async () => {
    const jws = pos.batch([pos.record(AT, '1200', 'code', wallet('ann').payCode(AT - 1000)), pos.record(AT + 1, '300', 'face', faceCredential('ben', 990))]);
    const first = await call('POST', '/v1/batches', undefined, { batch: jws });
    const again = await call('POST', '/v1/batches', undefined, { batch: jws });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body.receipt).toBe(first.body.receipt);
    expect(first.body).toMatchObject({ status: 'pending', records: 2, terminalId: 'pos-1' });
    expect(await worker.drain()).toBe(1);
    const status = await call('GET', `/v1/batches/${String(first.body.receipt)}`, 'terminal');
    expect(status.body).toMatchObject({ status: 'settled', result: { counts: { settled: 2 } } });
    // The drain folded what settled: each sale's funding is decided, none waits.
    const [annSale, benSale] = (status.body.result as { outcomes: { paymentId: string; funding: unknown }[] }).outcomes;
    expect([annSale?.funding, benSale?.funding]).toEqual(['pending', 'pending']);
    expect((await call('GET', `/v1/payments/${String(annSale?.paymentId)}`, 'auditor')).body).toMatchObject({ funding: { kind: 'wallet', wallet: '1200', credit: '0', advance: '0' } });
    const waiting = (await call('GET', '/v1/pending-charges?limit=5000', 'auditor')).body as unknown as { charges: { paymentId: string }[] };
    expect(waiting.charges.map((c) => c.paymentId)).not.toContain(annSale?.paymentId);
    expect((await call('GET', '/v1/pending-charges?limit=0', 'auditor')).status).toBe(400);
    expect((await call('GET', '/v1/pending-charges', 'terminal')).status).toBe(403);
    const proof = await call('GET', `/v1/proofs/${String(status.body.txId)}`, 'auditor');
    expect(proof.body).toMatchObject({ validationCode: 'VALID', blockNumber: status.body.blockNumber, channel: 'campus', ledger: lut.kind });
    expect(status.body.ledger).toBe(lut.kind);
    // Each ledger's proof says how to check it without the gateway: Fabric's CLI, or ledger:verify
    // with the notice that the embedded ledger is not a Fabric network.
    if (lut.kind === 'embedded') {
      expect(proof.body.notice).toBe('embedded ledger — not a Fabric network');
      expect(String((proof.body.verify as string[])[0])).toContain('npm run ledger:verify');
    } else expect(String((proof.body.verify as string[])[0])).toContain('GetTransactionByID');
    if (lut.kind === 'fabric') {
      // Without our code: Fabric's own CLI, as AuditOrg's admin, against AuditOrg's peer.
      const outputs = await runProofCommands(proof.body.verify as string[]);
      expect(outputs.map((o) => o.includes(String(status.body.txId)) || /^[1-9][0-9]*$/.test(o.trim()))).toEqual([true, true]);
    }
  });

  it('keeps acknowledging while the ledger is down, and settles once it is back', async () => {
    const jws = pos.batch([pos.record(AT + 2, '100', 'face', faceCredential('ann', 990))]);
    await lut.takeDown();
    const accepted = await call('POST', '/v1/batches', undefined, { batch: jws });
    expect(accepted.status).toBe(202);
    expect((await call('GET', '/readyz')).status).toBe(503);
    await worker.drain();
    expect((await call('GET', `/v1/batches/${String(accepted.body.receipt)}`, 'operator')).body).toMatchObject({ status: 'pending', attempts: 1 });
    await lut.bringBack();
    while (!(await ledger.ping())) await new Promise((r) => setTimeout(r, 200)); // the gateway's client reconnects
    await new Promise((r) => setTimeout(r, 300)); // past the first backoff
    await worker.drain();
    expect((await call('GET', `/v1/batches/${String(accepted.body.receipt)}`, 'operator')).body).toMatchObject({ status: 'settled', attempts: 2 });
    expect((await call('GET', '/readyz')).status).toBe(200);
  });

  const refusals: { name: string; body?: unknown; raw?: string; status: number; code: string }[] = [
    { name: 'not a JWS', body: { batch: 'abc' }, status: 400, code: 'MALFORMED_JWS' },
    { name: 'alg none', body: { batch: `${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.AAAA` }, status: 400, code: 'UNSUPPORTED_ALG' },
    { name: 'no batch field', body: { jws: 'x' }, status: 400, code: 'MISSING_FIELD' },
    { name: 'batch of the wrong type', body: { batch: 12 }, status: 400, code: 'WRONG_TYPE' },
    { name: 'duplicate keys', raw: '{"batch":"a","batch":"b"}', status: 400, code: 'DUPLICATE_KEY' },
    { name: 'prototype key', raw: '{"__proto__":{},"batch":"a"}', status: 400, code: 'FORBIDDEN_KEY' },
    { name: 'not JSON', raw: '{batch:', status: 400, code: 'MALFORMED_JSON' },
    { name: 'over 3 MiB', raw: `{"batch":"${'a'.repeat(3.2 * 1024 * 1024)}"}`, status: 413, code: 'BATCH_TOO_LARGE' },
  ];
  it.each(refusals)('refuses $name with $status $code and stores nothing', async ({ body, raw, status, code }) => {
    const depth = await store.depth();
    const res = await call('POST', '/v1/batches', undefined, body, raw);
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(await store.depth()).toBe(depth);
  });

  // A field limited to a set of values follows the rule of every field (docs/errors.md, issue 32).
  const closedSets: { field: string; method: string; path: string; as: keyof typeof tokens; body: (value?: unknown) => Record<string, unknown> }[] = [
    { field: 'status', method: 'PUT', path: '/v1/terminals/pos-2/status', as: 'operator', body: (v) => ({ status: v }) },
    { field: 'resolution', method: 'POST', path: '/v1/clearances/ann/complete', as: 'registrar', body: (v) => ({ resolutions: [{ debt: 'credit', resolution: v, reference: 'r' }] }) },
    { field: 'alg', method: 'POST', path: '/v1/issuer-keys', as: 'operator', body: (v) => ({ ...issuer.registration(), alg: v }) },
    { field: 'role', method: 'POST', path: '/v1/staff-credentials', as: 'admin', body: (v) => ({ role: v, subject: 'sam' }) },
    { field: 'debt', method: 'POST', path: '/v1/clearances/ann/waivers', as: 'registrar', body: (v) => ({ debt: v }) },
  ];
  const faults = [
    { sent: 'missing', value: undefined, code: 'MISSING_FIELD' }, { sent: 'a number', value: 7, code: 'WRONG_TYPE' },
    { sent: 'an object', value: {}, code: 'WRONG_TYPE' }, { sent: 'null', value: null, code: 'WRONG_TYPE' }, { sent: 'a string outside the set', value: 'other', code: 'INVALID_FIELD' },
  ];
  it.each(closedSets.flatMap((c) => faults.map((f) => ({ ...c, ...f }))))('answers $field sent as $sent at $method $path with 400 $code', async ({ method, path, as, body, value, code, field }) => {
    const res = await call(method, path, as, body(value));
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code });
    expect(String(res.body.detail)).toContain(field);
  });

  it('takes uploads without a bearer token (the signature is the credential) but refuses a token that is present and invalid, storing nothing', async () => {
    const depth = await store.depth();
    const jws = pos.batch([pos.record(AT, '10', 'face', faceCredential('ann', 990))]);
    const res = await fetch(`${base}/v1/batches`, { method: 'POST', headers: { authorization: 'Bearer not-a-credential', 'content-type': 'application/json' }, body: JSON.stringify({ batch: jws }) });
    expect({ status: res.status, code: ((await res.json()) as { code: string }).code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await store.depth()).toBe(depth);
  });

  it('refuses at intake a batch whose header kid is not its terminalId (422 KID_MISMATCH), storing nothing', async () => {
    const depth = await store.depth();
    const payload = canonicalJson(new Terminal('pos-1', pos.key).manifest([{ v: 1, terminalId: 'pos-1', seq: 999, at: AT, amount: '1', medium: 'face', credential: faceCredential('ann', 990), denyListVersion: 0, prev: '0'.repeat(64) }]));
    const res = await call('POST', '/v1/batches', undefined, { batch: signJwsRaw(pos.key, canonicalJson({ alg: 'EdDSA', kid: 'pos-2' }), payload) });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 422, code: 'KID_MISMATCH' });
    expect(await store.depth()).toBe(depth);
  });

  it('refuses a batch from an unknown terminal (404) or signed by another key (422)', async () => {
    const stranger = Terminal.generate('pos-404', 'EdDSA');
    expect((await call('POST', '/v1/batches', undefined, { batch: stranger.batch([stranger.record(AT, '1', 'face', faceCredential('ann', 990))]) })).body.code).toBe('UNKNOWN_TERMINAL');
    const impostor = new Terminal('pos-1', Terminal.generate('x', 'EdDSA').key);
    const res = await call('POST', '/v1/batches', undefined, { batch: impostor.batch([impostor.record(AT, '1', 'face', faceCredential('ann', 990))]) });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 422, code: 'BAD_SIGNATURE' });
  });
});

describe('terminal keys', () => {
  const offCurve = { kty: 'EC', crv: 'P-256', x: Buffer.alloc(32, 1).toString('base64url'), y: Buffer.alloc(32, 2).toString('base64url') };

  it('refuses a key that is not a point on its curve when registering a terminal or an issuer key, and the id stays free', async () => {
    const terminal = await call('POST', '/v1/terminals', 'operator', { terminalId: 'pos-offcurve', merchantId: 'canteen-1', publicKey: offCurve });
    expect({ status: terminal.status, code: terminal.body.code }).toEqual({ status: 400, code: 'INVALID_KEY' });
    const key = await call('POST', '/v1/issuer-keys', 'operator', { ...Issuer.generate('issuer-offcurve', 'ES256', NOW - 1e10, NOW + 1e10).registration(), publicKey: offCurve });
    expect({ status: key.status, code: key.body.code }).toEqual({ status: 400, code: 'INVALID_KEY' });
    const good = Terminal.generate('pos-offcurve', 'EdDSA');
    expect((await call('POST', '/v1/terminals', 'operator', { terminalId: 'pos-offcurve', merchantId: 'canteen-1', publicKey: good.key.jwk })).status).toBe(201);
  });

  it('rotates a terminal key: uploads signed with the new key are accepted and settle, the old key is refused at intake', async () => {
    const old = Terminal.generate('pos-rekey', 'EdDSA');
    expect((await call('POST', '/v1/terminals', 'operator', { terminalId: 'pos-rekey', merchantId: 'canteen-1', publicKey: old.key.jwk })).status).toBe(201);
    const next = old.rekeyed(Terminal.generate('pos-rekey', 'ES256').key);
    const refused = await call('PUT', '/v1/terminals/pos-rekey/key', 'operator', { publicKey: offCurve });
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 400, code: 'INVALID_KEY' });
    expect((await call('PUT', '/v1/terminals/pos-rekey/key', 'operator', { publicKey: next.key.jwk })).status).toBe(200);
    const stale = await call('POST', '/v1/batches', undefined, { batch: old.batch([old.record(AT, '10', 'face', faceCredential('ann', 990))]) });
    expect({ status: stale.status, code: stale.body.code }).toEqual({ status: 422, code: 'BAD_SIGNATURE' });
    const fresh = await call('POST', '/v1/batches', undefined, { batch: next.batch([next.record(AT, '10', 'face', faceCredential('ann', 990))]) });
    expect(fresh.status).toBe(202);
    await worker.drain();
    expect((await call('GET', `/v1/batches/${String(fresh.body.receipt)}`, 'operator')).body).toMatchObject({ status: 'settled', result: { counts: { settled: 1 } } });
    const history = await call('GET', '/v1/key-history/terminal/pos-rekey', 'auditor');
    expect((history.body as unknown as { action: string }[]).map((e) => e.action)).toEqual(['registered', 'key-rotated']);
  });
});

describe('one code per fault, at every door', () => {
  it('answers the retry of a batch uploaded under a key since rotated with its original receipt', async () => {
    const old = Terminal.generate('pos-retry', 'EdDSA');
    expect((await call('POST', '/v1/terminals', 'operator', { terminalId: 'pos-retry', merchantId: 'canteen-1', publicKey: old.key.jwk })).status).toBe(201);
    const jws = old.batch([old.record(AT + 70, '100', 'face', faceCredential('ben', 990))]);
    const first = await call('POST', '/v1/batches', undefined, { batch: jws });
    expect(first.status).toBe(202);
    expect(await worker.drain()).toBe(1);
    expect((await call('PUT', '/v1/terminals/pos-retry/key', 'operator', { publicKey: Terminal.generate('pos-retry', 'EdDSA').key.jwk })).status).toBe(200);
    const retry = await call('POST', '/v1/batches', undefined, { batch: jws });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ receipt: first.body.receipt, status: 'settled' });
  });

  it('gives an amount sent as a JSON number INVALID_AMOUNT, as inside a batch, and writes nothing', async () => {
    const r = await call('POST', '/v1/top-ups', 'operator', { topUpId: 'num-1', account: 'ann', amount: 1250 });
    expect(r).toMatchObject({ status: 400, body: { code: 'INVALID_AMOUNT' } });
    expect(String(r.body.detail)).not.toContain('INVALID_AMOUNT:');
    const c = await call('POST', '/v1/accounts', 'finance', { account: 'num-acct', group: 'g-2026', creditLine: 0 });
    expect(c).toMatchObject({ status: 400, body: { code: 'INVALID_AMOUNT' } });
    expect((await call('GET', '/v1/accounts/num-acct', 'auditor')).status).toBe(404);
  });

  it('refuses unknown fields in staff bodies with UNKNOWN_FIELD and executes nothing', async () => {
    const before = await call('GET', '/v1/accounts/ann', 'auditor');
    const r = await call('POST', '/v1/top-ups', 'operator', { topUpId: 'extra-1', account: 'ann', amount: '100', note: 'extra' });
    expect(r).toMatchObject({ status: 400, body: { code: 'UNKNOWN_FIELD' } });
    expect((await call('GET', '/v1/accounts/ann', 'auditor')).body).toEqual(before.body);
  });

  it('refuses a body that is not UTF-8 with INVALID_UTF8 and stores nothing', async () => {
    const bytes = Buffer.concat([Buffer.from('{"merchantId":"m-ff","name":"caf'), Buffer.from([0xff]), Buffer.from('"}')]);
    const res = await fetch(`${base}/v1/merchants`, { method: 'POST', headers: { authorization: `Bearer ${tokens.operator}`, 'content-type': 'application/json' }, body: bytes });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'INVALID_UTF8' });
    expect((await call('POST', '/v1/terminals', 'operator', { terminalId: 'pos-ff', merchantId: 'm-ff', publicKey: pos.key.jwk })).status).toBe(404);
  });

  it('answers UNKNOWN_TERMINAL (404) for the credentials of a terminal that is not registered, at every credential endpoint', async () => {
    expect(await call('GET', '/v1/terminals/pos-nobody/credentials', 'operator')).toMatchObject({ status: 404, body: { code: 'UNKNOWN_TERMINAL' } });
    expect(await call('POST', '/v1/terminals/pos-nobody/credentials', 'operator')).toMatchObject({ status: 404, body: { code: 'UNKNOWN_TERMINAL' } });
    expect(await call('DELETE', '/v1/terminals/pos-nobody/credentials/c-1', 'operator')).toMatchObject({ status: 404, body: { code: 'UNKNOWN_TERMINAL' } });
  });

  it('describes closed request bodies in the OpenAPI document (additionalProperties: false)', async () => {
    const doc = (await call('GET', '/openapi.json')).body as unknown as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { additionalProperties?: unknown } }> } }>> };
    const bodies = Object.values(doc.paths).flatMap((p) => Object.values(p)).flatMap((op) => (op.requestBody === undefined ? [] : Object.values(op.requestBody.content)));
    expect(bodies.length).toBeGreaterThan(10);
    for (const b of bodies) expect(b.schema.additionalProperties).toBe(false);
  });
});

describe('CSV files (?format=csv)', () => {
  const csv = async (path: string, as: keyof typeof tokens): Promise<{ status: number; type: string; disposition: string; lines: string[] }> => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${tokens[as]}` } });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', disposition: res.headers.get('content-disposition') ?? '', lines: text.split('\r\n').filter((l) => l !== '') };
  };

  it('serves statements, payments, debts, advances and payouts as the same data the JSON answers', async () => {
    const json = await call('GET', '/v1/accounts/ann/statement', 'auditor');
    const entries = json.body.entries as unknown as { postings: unknown[]; by?: { subject: string }; balancesAfter?: Record<string, string> }[];
    const rows = entries.reduce((count, e) => count + Math.max(1, e.postings.length), 0); // an entry without postings (the opening) is a row too
    const st = await csv('/v1/accounts/ann/statement?format=csv', 'auditor');
    expect(st).toMatchObject({ status: 200, type: 'text/csv; charset=utf-8', disposition: 'attachment; filename="statement-ann.csv"' });
    expect(st.lines[0]).toBe('account,at,atUtc,txId,from,to,amount,ref,bySubject,byRole,byOrg,walletAfter,creditAfter,advanceAfter,pointsAfter');
    expect(st.lines.length - 1).toBe(rows);
    // What the JSON carries, the CSV carries: who acted and the balances after each transaction.
    const opened = entries.find((e) => e.by !== undefined);
    expect(st.lines.some((l) => l.includes(`,${String(opened?.by?.subject)},`))).toBe(true);
    const last = entries.at(-1);
    expect(st.lines.at(-1)?.endsWith(['wallet', 'credit', 'advance', 'points'].map((b) => last?.balancesAfter?.[`${b}:ann`] ?? '').join(','))).toBe(true);
    const payments = await call('GET', '/v1/payments?merchantId=canteen-1', 'auditor');
    const pay = await csv('/v1/payments?merchantId=canteen-1&format=csv', 'auditor');
    expect(pay.lines.length - 1).toBe((payments.body as unknown[]).length);
    expect(pay.lines[0]).toContain('amount');
    expect(pay.disposition).toBe('attachment; filename="payments.csv"');
    // Each merchant named, in the JSON and in its file.
    expect((payments.body as unknown as { merchantName: unknown }[]).every((p) => p.merchantName === 'North canteen')).toBe(true);
    expect(pay.lines[0]).toContain('merchantId,merchantName,');
    expect(pay.lines.slice(1).every((l) => l.includes(',canteen-1,North canteen,'))).toBe(true);
    expect(await csv('/v1/debts?format=csv', 'auditor')).toMatchObject({ status: 200, disposition: 'attachment; filename="debts.csv"' });
    expect(await csv('/v1/advances?format=csv', 'auditor')).toMatchObject({ status: 200, disposition: 'attachment; filename="advances.csv"' });
    const paid = await call('POST', '/v1/payouts', 'operator', { merchantId: 'canteen-1', payoutId: 'csv-payout-1' });
    expect(paid.status).toBe(201);
    const lines = (paid.body.result as { lines: unknown[] }).lines.length;
    const payoutRead = await call('GET', '/v1/payouts/canteen-1/csv-payout-1', 'auditor');
    expect(payoutRead.body).toMatchObject(paid.body.result as Record<string, unknown>);
    expect(payoutRead.body.by).toMatchObject({ fn: 'Payout', role: 'operator', subject: 'operator' });
    const payout = await csv('/v1/payouts/canteen-1/csv-payout-1?format=csv', 'auditor');
    expect(payout.lines[0]?.startsWith('payoutId,merchantId,')).toBe(true);
    expect(payout.lines[0]).toContain(',total,paidAt,paidAtUtc,payoutTxId,runId,bySubject,byRole,byOrg');
    expect(payout.lines[1]).toContain(`,${String(payoutRead.body.total)},`);
    expect(payout.lines[1]).toContain(',operator,operator,');
    expect(payout.lines[1]?.startsWith('csv-payout-1,canteen-1,North canteen,')).toBe(true);
    expect(payout.disposition).toBe('attachment; filename="payout-canteen-1-csv-payout-1.csv"');
    expect(payout.lines.length - 1).toBe(Math.max(1, lines)); // a payout of nothing is one row: its total, time and who
    expect(await call('GET', '/v1/debts?format=xml', 'auditor')).toMatchObject({ status: 400, body: { code: 'INVALID_FIELD' } });
  });

  it('names every CSV file after its resource, as the console does, never after an operation id', async () => {
    const names = await Promise.all(['/v1/debts', '/v1/payments', '/v1/advances', '/v1/loss-reports', '/v1/exposure', '/v1/accounts/ann/statement']
      .map(async (path) => (await csv(`${path}?format=csv`, 'auditor')).disposition));
    expect(names).toEqual(['debts', 'payments', 'advances', 'loss-reports', 'exposure', 'statement-ann'].map((n) => `attachment; filename="${n}.csv"`));
  });

  it('writes the header row for an empty list, the same header a full list has', async () => {
    const full = await csv('/v1/payments?merchantId=canteen-1&format=csv', 'auditor');
    expect(full.lines.length).toBeGreaterThan(1);
    const none = await csv('/v1/payments?terminalId=pos-2&format=csv', 'auditor'); // pos-2 never sold
    expect(none).toMatchObject({ status: 200, lines: [full.lines[0]] });
    const noDebts = await csv('/v1/debts?account=nobody-1&format=csv', 'auditor');
    expect(noDebts.lines).toEqual(['account,advance,ageDays,bucket,credit,group,since,sinceUtc,status,asOf,asOfUtc']);
  });
});

describe('ledger endpoints', () => {
  it('passes the chaincode codes through as problem+json with the right status', async () => {
    const dup = await call('POST', '/v1/merchants', 'operator', { merchantId: 'canteen-1', name: 'again' });
    expect({ status: dup.status, code: dup.body.code }).toEqual({ status: 409, code: 'ALREADY_EXISTS' });
    const missing = await call('GET', '/v1/accounts/nobody', 'auditor');
    expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    // The same fault gets the same code at every door: "12.50" is INVALID_AMOUNT here as in a batch.
    const badAmount = await call('POST', '/v1/top-ups', 'operator', { topUpId: 't', account: 'ann', amount: '12.50' });
    expect({ status: badAmount.status, code: badAmount.body.code }).toEqual({ status: 400, code: 'INVALID_AMOUNT' });
    const huge = await call('POST', '/v1/top-ups', 'operator', { topUpId: 't', account: 'ann', amount: '1000000000000000000' });
    expect({ status: huge.status, code: huge.body.code }).toEqual({ status: 400, code: 'AMOUNT_OUT_OF_RANGE' });
    const notBegun = await call('POST', '/v1/clearances/ann/complete', 'registrar', { resolutions: [] });
    expect({ status: notBegun.status, code: notBegun.body.code }).toEqual({ status: 409, code: 'WRONG_ACCOUNT_STATE' });
  });

  it('keeps the code out of the detail: the detail is for people, nested codes become words', async () => {
    const res = await call('POST', '/v1/terminals', 'operator', { terminalId: 'pos-crv', merchantId: 'canteen-1', publicKey: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', crv2: 'x' } });
    expect(res.body.code).toBe('INVALID_KEY');
    expect(String(res.body.detail)).not.toMatch(/[A-Z]{3,}_[A-Z]+/);
  });

  it('a repeated topUpId costs no write and answers the original transaction (201 then 200); another body under it is 409 IDEMPOTENCY_CONFLICT', async () => {
    const first = await call('POST', '/v1/top-ups', 'operator', { topUpId: 'idem-1', account: 'ann', amount: '300' });
    expect(first.status).toBe(201);
    const height = await lut.height();
    const again = await call('POST', '/v1/top-ups', 'operator', { topUpId: 'idem-1', account: 'ann', amount: '300' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ txId: first.body.txId, blockNumber: first.body.blockNumber, replayed: true, result: first.body.result });
    expect(await lut.height()).toBe(height);
    const other = await call('POST', '/v1/top-ups', 'operator', { topUpId: 'idem-1', account: 'ann', amount: '900' });
    expect({ status: other.status, code: other.body.code }).toEqual({ status: 409, code: 'IDEMPOTENCY_CONFLICT' });
    expect(await lut.height()).toBe(height);
  });

  it('books parallel top-ups to one account once each: 201, or 409 CONTENTION when re-endorsing kept losing and then 201 when sent again; never 503', async () => {
    expect((await call('POST', '/v1/accounts', 'finance', { account: 'hot', group: 'g-2026', creditLine: '0' })).status).toBe(201);
    // No claims serialise them any more (docs/gateway.md, "Scaling out"): they race on the account, MVCC decides.
    const topUp = (i: number) => call('POST', '/v1/top-ups', 'operator', { topUpId: `hot-${String(i)}`, account: 'hot', amount: '100' });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => topUp(i)));
    expect(answers.filter((a) => a.status !== 201).map((a) => [a.status, a.body.code]).filter(([status, code]) => status !== 409 || code !== 'CONTENTION')).toEqual([]);
    const lost = answers.flatMap((a, i) => (a.status === 409 ? [i] : []));
    for (const i of lost) expect((await topUp(i)).status).toBe(201);
    expect((await call('GET', '/v1/accounts/hot', 'auditor')).body).toMatchObject({ wallet: '800' });
  });

  it('imports accounts and top-ups in bulk, all or nothing: 201, and 200 for an import of top-ups every one of which was booked before', async () => {
    const accounts = [{ account: 'imp-1', group: 'g-2026', creditLine: '0' }, { account: 'imp-2', group: 'g-2026', creditLine: '200' }];
    expect((await call('POST', '/v1/accounts/import', 'finance', { accounts })).status).toBe(201);
    const taken = await call('POST', '/v1/accounts/import', 'finance', { accounts: [{ account: 'imp-3', group: 'g-2026', creditLine: '0' }, accounts[0]] });
    expect([taken.status, taken.body.code]).toEqual([409, 'ALREADY_EXISTS']);
    expect((await call('GET', '/v1/accounts/imp-3', 'auditor')).status).toBe(404);
    const topUps = [{ topUpId: 'imp-t1', account: 'imp-1', amount: '500' }, { topUpId: 'imp-t2', account: 'imp-2', amount: '50' }];
    expect((await call('POST', '/v1/top-ups/import', 'operator', { topUps })).status).toBe(201);
    expect((await call('POST', '/v1/top-ups/import', 'operator', { topUps })).status).toBe(200);
    expect((await call('POST', '/v1/top-ups/import', 'operator', { topUps: [...topUps, { topUpId: 'imp-t3', account: 'imp-2', amount: '1' }] })).status).toBe(201);
    expect((await call('POST', '/v1/top-ups/import', 'finance', { topUps })).status).toBe(403);
    expect((await call('GET', '/v1/accounts/imp-1', 'auditor')).body).toMatchObject({ wallet: '500' });
    expect((await call('GET', '/v1/accounts/imp-2', 'auditor')).body).toMatchObject({ wallet: '51' });
  });

  it('serves audit queries to auditors: statement, invariant, debts, payments', async () => {
    expect((await call('GET', '/v1/invariant', 'auditor')).body).toMatchObject({ ok: true, sum: '0' });
    expect((await call('GET', '/v1/accounts/ann/statement', 'auditor')).body).toMatchObject({ account: 'ann' });
    expect(Array.isArray((await call('GET', '/v1/payments?terminalId=pos-1', 'auditor')).body)).toBe(true);
    expect((await call('GET', '/v1/debts', 'auditor')).status).toBe(200);
    // The real-network test ledger is shared with the other test files (the canteen scenario deny-lists media): any version, entries above `since`.
    const deny = (await call('GET', '/v1/deny-list?since=0', 'terminal')).body;
    expect([typeof deny.version, Array.isArray(deny.entries)]).toEqual(['number', true]);
  });

  it('issues terminal credentials through the API: usable at once, listed without tokens, revoked at once; only for registered terminals', async () => {
    const issued = await call('POST', '/v1/terminals/pos-1/credentials', 'operator');
    expect(issued.body).toMatchObject({ terminalId: 'pos-1', credentialId: expect.stringMatching(/^tc-/) as unknown });
    const token = String(issued.body.token);
    const read = (): Promise<Response> => fetch(`${base}/v1/terminals/pos-1/config`, { headers: { authorization: `Bearer ${token}` } });
    expect((await read()).status).toBe(200);
    const listed = await call('GET', '/v1/terminals/pos-1/credentials', 'operator');
    expect(JSON.stringify(listed.body)).not.toContain(token);
    expect((listed.body as unknown as { credentialId: string; revokedAt: string | null }[]).find((c) => c.credentialId === issued.body.credentialId)).toMatchObject({ revokedAt: null });
    expect((await call('DELETE', `/v1/terminals/pos-1/credentials/${String(issued.body.credentialId)}`, 'operator')).status).toBe(200);
    expect((await read()).status).toBe(401);
    expect((await call('DELETE', '/v1/terminals/pos-1/credentials/tc-none', 'operator')).body.code).toBe('NOT_FOUND');
    const unknown = await call('POST', '/v1/terminals/pos-nobody/credentials', 'operator');
    expect(unknown.status).toBe(404);
  });

  it('lets a terminal read only its own data', async () => {
    expect((await call('GET', '/v1/terminals/pos-1/config', 'terminal')).status).toBe(200);
    expect((await call('GET', '/v1/terminals/pos-1/config', 'terminal2')).body.code).toBe('ACCESS_DENIED');
  });
});

describe('staff credentials (an administrator issues, lists, revokes; tokens expire)', () => {
  it('issues a token shown once that works at once, lists it without the token, and refuses it from the request after its revocation', async () => {
    const issued = await call('POST', '/v1/staff-credentials', 'admin', { role: 'auditor', subject: 'alice', expiresInDays: 30 });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ role: 'auditor', subject: 'alice', createdBy: 'admin', revokedAt: null });
    const token = String(issued.body.token);
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect(Date.parse(String(issued.body.expiresAt)) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const who = await fetch(`${base}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(await who.json()).toMatchObject({ role: 'auditor', subject: 'alice' });
    const listed = await call('GET', '/v1/staff-credentials', 'admin');
    expect(JSON.stringify(listed.body)).not.toContain(token);
    expect((listed.body as unknown as { credentialId: string }[]).map((c) => c.credentialId)).toContain(issued.body.credentialId);
    expect((await call('DELETE', `/v1/staff-credentials/${String(issued.body.credentialId)}`, 'admin')).body).toMatchObject({ revokedAt: expect.any(String) as unknown });
    expect((await fetch(`${base}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect(await call('DELETE', '/v1/staff-credentials/sc-nothing', 'admin')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(await call('POST', '/v1/staff-credentials', 'admin', { role: 'terminal', subject: 'x' })).toMatchObject({ status: 400 });
    expect(await call('POST', '/v1/staff-credentials', 'admin', { role: 'auditor', subject: 'bob', expiresInDays: 400 })).toMatchObject({ status: 400 });
  });

  it('refuses an expired credential', async () => {
    const issued = await call('POST', '/v1/staff-credentials', 'admin', { role: 'finance', subject: 'old-fin', expiresInDays: 1 });
    await pool.query(`UPDATE ${schema}.staff_credentials SET expires_at = clock_timestamp() - interval '1 second' WHERE credential_id = $1`, [issued.body.credentialId]);
    expect((await fetch(`${base}/v1/whoami`, { headers: { authorization: `Bearer ${String(issued.body.token)}` } })).status).toBe(401);
  });

  it('gives an administrator no power on the ledger', async () => {
    expect(await call('GET', '/v1/whoami', 'admin')).toMatchObject({ status: 200, body: { role: 'admin' } });
    expect((await call('GET', '/v1/invariant', 'admin')).status).toBe(403);
  });
});

describe('who acted: every staff write names the person behind it on the ledger', () => {
  it('records the staff credential\'s subject with the organisation and role that signed, in proofs and statements', async () => {
    const olga = await call('POST', '/v1/staff-credentials', 'admin', { role: 'operator', subject: 'olga.k' });
    expect(olga.status).toBe(201);
    const res = await fetch(`${base}/v1/top-ups`, { method: 'POST', headers: { authorization: `Bearer ${String(olga.body.token)}`, 'content-type': 'application/json' }, body: JSON.stringify({ topUpId: 'who-1', account: 'ben', amount: '100' }) });
    const topUp = (await res.json()) as { txId: string };
    expect(res.status).toBe(201);
    const proof = await call('GET', `/v1/proofs/${topUp.txId}`, 'auditor');
    const operatorMsp = lut.kind === 'fabric' ? 'OperatorMSP' : expect.any(String) as unknown;
    expect(proof.body.by).toEqual({ fn: 'TopUp', mspId: operatorMsp, role: 'operator', subject: 'olga.k' });
    const statement = await call('GET', '/v1/accounts/ben/statement', 'auditor');
    const entry = (statement.body.entries as unknown as { txId: string; by?: unknown }[]).find((e) => e.txId === topUp.txId);
    expect(entry?.by).toEqual(proof.body.by);
    // A settlement is signed by its terminal: no staff actor.
    const jws = pos.batch([pos.record(AT + 90, '100', 'face', faceCredential('ben', 990))]);
    const accepted = await call('POST', '/v1/batches', undefined, { batch: jws });
    expect(await worker.drain()).toBe(1);
    const settled = await call('GET', `/v1/batches/${String(accepted.body.receipt)}`, 'auditor');
    expect((await call('GET', `/v1/proofs/${String(settled.body.txId)}`, 'auditor')).body.by).toBeNull();
  });
});

describe('four eyes: waiving a debt above the limit needs a second registrar, and both are recorded', () => {
  const staffToken = async (role: string, subject: string): Promise<string> => String((await call('POST', '/v1/staff-credentials', 'admin', { role, subject })).body.token);
  const as = async (token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const r = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  it('refuses a waiver without approval, and from the approver; another registrar completes it, naming both', async () => {
    const [ann, bo] = [await staffToken('registrar', 'reg-ann'), await staffToken('registrar', 'reg-bo')];
    expect((await call('POST', '/v1/accounts', 'finance', { account: 'grad-1', group: 'g-2026', creditLine: '500' })).status).toBe(201);
    expect((await call('POST', '/v1/batches', undefined, { batch: pos.batch([pos.record(AT + 120, '300', 'face', faceCredential('grad-1', 990))]) })).status).toBe(202);
    expect(await worker.drain()).toBe(1);
    expect((await call('GET', '/v1/accounts/grad-1', 'auditor')).body).toMatchObject({ creditUsed: '300' });
    expect((await as(ann, 'POST', '/v1/clearances/grad-1/begin')).status).toBe(200);
    const waive = { resolutions: [{ debt: 'credit', resolution: 'waived', reference: 'hardship/1' }] };
    expect(await as(ann, 'POST', '/v1/clearances/grad-1/complete', waive)).toMatchObject({ status: 409, body: { code: 'FOUR_EYES_REQUIRED' } });
    const approved = await as(ann, 'POST', '/v1/clearances/grad-1/waivers', { debt: 'credit' });
    expect(approved).toMatchObject({ status: 200, body: { result: { approvedBy: 'reg-ann', amount: '300' } } });
    expect(await as(ann, 'POST', '/v1/clearances/grad-1/complete', waive)).toMatchObject({ status: 409, body: { code: 'FOUR_EYES_REQUIRED' } });
    const done = await as(bo, 'POST', '/v1/clearances/grad-1/complete', waive);
    expect(done.status).toBe(200);
    expect(done.body.result).toMatchObject({ resolved: [{ debt: 'credit', resolution: 'waived', amount: '300', approvedBy: 'reg-ann', waivedBy: 'reg-bo' }] });
    expect((await call('GET', `/v1/proofs/${String(done.body.txId)}`, 'auditor')).body.by).toMatchObject({ fn: 'CompleteClearance', subject: 'reg-bo' });
    expect((await call('GET', `/v1/proofs/${String(approved.body.txId)}`, 'auditor')).body.by).toMatchObject({ fn: 'ApproveWaiver', subject: 'reg-ann' });
  });

  it('lets one registrar waive at or below the limit finance set', async () => {
    const cy = await staffToken('registrar', 'reg-cy');
    expect((await call('PUT', '/v1/waiver-limit', 'finance', { amount: '1000' })).status).toBe(200);
    expect((await call('POST', '/v1/accounts', 'finance', { account: 'grad-2', group: 'g-2026', creditLine: '500' })).status).toBe(201);
    expect((await call('POST', '/v1/batches', undefined, { batch: pos.batch([pos.record(AT + 130, '200', 'face', faceCredential('grad-2', 990))]) })).status).toBe(202);
    expect(await worker.drain()).toBe(1);
    expect((await as(cy, 'POST', '/v1/clearances/grad-2/begin')).status).toBe(200);
    const done = await as(cy, 'POST', '/v1/clearances/grad-2/complete', { resolutions: [{ debt: 'credit', resolution: 'waived', reference: 'small/1' }] });
    expect(done).toMatchObject({ status: 200, body: { result: { resolved: [{ resolution: 'waived', amount: '200' }] } } });
    expect((await call('PUT', '/v1/waiver-limit', 'finance', { amount: '0' })).status).toBe(200);
  });
});

describe('debts of one account (GET /v1/debts?account=)', () => {
  it("answers only that account's debts, its bucket totals summed over them, in JSON and CSV", async () => {
    for (const account of ['debtor-1', 'debtor-2']) expect((await call('POST', '/v1/accounts', 'finance', { account, group: 'g-2026', creditLine: '500' })).status).toBe(201);
    const jws = pos.batch([pos.record(AT + 140, '300', 'face', faceCredential('debtor-1', 990)), pos.record(AT + 141, '100', 'face', faceCredential('debtor-2', 990))]);
    expect((await call('POST', '/v1/batches', undefined, { batch: jws })).status).toBe(202);
    expect(await worker.drain()).toBe(1);
    const all = await call('GET', '/v1/debts', 'auditor');
    expect((all.body.debts as { account: string }[]).map((d) => d.account)).toEqual(expect.arrayContaining(['debtor-1', 'debtor-2']));
    const one = await call('GET', '/v1/debts?account=debtor-1', 'auditor');
    expect(one).toMatchObject({ status: 200, body: { asOf: expect.any(Number) as unknown, debts: [{ account: 'debtor-1', credit: '300', advance: '0' }] } });
    expect((one.body.debts as unknown[]).length).toBe(1);
    expect(Object.values(one.body.totals as Record<string, string>)).toEqual(['300']);
    const file = await fetch(`${base}/v1/debts?account=debtor-1&format=csv`, { headers: { authorization: `Bearer ${tokens.auditor}` } });
    const lines = (await file.text()).split('\r\n').filter((l) => l !== '');
    expect(lines.length).toBe(2);
    expect(lines[1]?.startsWith('debtor-1,0,')).toBe(true);
  });

  it('refuses a query parameter the endpoint does not define with UNKNOWN_FIELD, as an unknown body field is', async () => {
    expect(await call('GET', '/v1/debts?acount=debtor-1', 'auditor')).toMatchObject({ status: 400, body: { code: 'UNKNOWN_FIELD' } });
    expect(await call('GET', '/v1/payments?merchant=canteen-1', 'auditor')).toMatchObject({ status: 400, body: { code: 'UNKNOWN_FIELD' } });
    expect(await call('GET', '/v1/invariant?fast=1', 'auditor')).toMatchObject({ status: 400, body: { code: 'UNKNOWN_FIELD' } });
    expect(await call('GET', '/v1/debts?account=not%20an%20id', 'auditor')).toMatchObject({ status: 400, body: { code: 'INVALID_FIELD' } });
  });
});

describe('access', () => {
  const everyone = ['admin', 'operator', 'finance', 'registrar', 'auditor', 'terminal', 'student'] as const;
  const guarded = ROUTES.filter((r) => Array.isArray(r.roles));
  const samplePath = (p: string): string => p.replace(/\{[A-Za-z]+\}/g, 'x1');

  it.each(guarded.map((r) => [r.id, r] as const))('%s refuses callers without a credential (401) and every other role (403)', async (_id, route) => {
    const roles = route.roles as readonly string[];
    const body = route.method === 'get' ? undefined : {};
    expect((await call(route.method.toUpperCase(), samplePath(route.path), undefined, body)).status).toBe(401);
    for (const role of everyone.filter((r) => !roles.includes(r))) {
      const res = await call(route.method.toUpperCase(), samplePath(route.path), role, body);
      expect({ role, status: res.status, code: res.body.code }).toEqual({ role, status: 403, code: 'ACCESS_DENIED' });
    }
  });
});

describe('operability', () => {
  it("lets the operator deny-list an account and lift the entry, with reason, who and when; a terminal's sync drops it again (issue 32)", async () => {
    expect((await call('POST', '/v1/accounts', 'finance', { account: 'deny-1', group: 'g-2026', creditLine: '0' })).status).toBe(201);
    expect((await call('POST', '/v1/deny-list', 'auditor', { kind: 'account', id: 'deny-1', reason: 'x' })).status).toBe(403);
    expect((await call('POST', '/v1/deny-list', 'operator', { kind: 'account', id: 'deny-1' })).body.code).toBe('MISSING_FIELD');
    const added = await call('POST', '/v1/deny-list', 'operator', { kind: 'account', id: 'deny-1', reason: 'card reported cloned' });
    expect(added.status).toBe(201);
    const entry = added.body.result as { version: number; at: number; by: { subject: string; role: string } };
    expect(added.body.result).toMatchObject({ kind: 'account', id: 'deny-1', reason: 'card reported cloned', action: 'deny', by: { subject: 'operator', role: 'operator' } });
    expect(Math.abs(entry.at - Date.now())).toBeLessThan(600_000);
    expect((await call('POST', '/v1/deny-list', 'operator', { kind: 'account', id: 'deny-1', reason: 'again' })).status).toBe(409);
    const synced = await call('GET', '/v1/deny-list?since=0', 'terminal');
    expect(parseDenyList(synced.body).accounts.has('deny-1')).toBe(true);

    expect((await call('POST', `/v1/deny-list/${String(entry.version)}/lift`, 'operator', {})).body.code).toBe('MISSING_FIELD');
    expect((await call('POST', '/v1/deny-list/zero/lift', 'operator', { reason: 'x' })).body.code).toBe('INVALID_FIELD');
    const lifted = await call('POST', `/v1/deny-list/${String(entry.version)}/lift`, 'operator', { reason: 'the card was not cloned' });
    expect(lifted.status).toBe(200);
    expect(lifted.body.result).toMatchObject({ action: 'lift', lifts: entry.version, id: 'deny-1', reason: 'the card was not cloned', by: { subject: 'operator' } });
    expect((await call('POST', `/v1/deny-list/${String(entry.version)}/lift`, 'operator', { reason: 'again' })).body.code).toBe('ALREADY_EXISTS');
    const after = await call('GET', '/v1/deny-list?since=0', 'terminal');
    expect(parseDenyList(after.body).accounts.has('deny-1')).toBe(false);
    const log: unknown = after.body;
    const listed = (log as { entries: { version: number; lifted?: unknown }[] }).entries.find((e) => e.version === entry.version);
    expect(listed?.lifted).toMatchObject({ reason: 'the card was not cloned', by: { subject: 'operator' } });
    // Who lifted it is in the transaction's proof too.
    const proof = await call('GET', `/v1/proofs/${String(lifted.body.txId)}`, 'auditor');
    expect(proof.body.by).toMatchObject({ fn: 'LiftDenyEntry', subject: 'operator' });
  });

  it('serves health, readiness, metrics and the OpenAPI description', async () => {
    expect((await call('GET', '/healthz')).body).toEqual(lut.kind === 'embedded'
      ? { status: 'ok', ledger: 'embedded', notice: 'embedded ledger — not a Fabric network' }
      : { status: 'ok', ledger: 'fabric' });
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${tokens.finance}` } })).status).toBe(403);
    const metricsText = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${tokens.auditor}` } })).text();
    expect(metricsText).toContain('dol_intake_depth');
    expect(metricsText).toContain('dol_record_outcomes_total{code="settled"}');
    const doc = (await call('GET', '/openapi.json')).body as unknown as ReturnType<typeof openApi>;
    expect(doc.openapi).toBe('3.1.0');
    // What /metrics enforces is what the description says: a bearer credential of an operator or auditor.
    expect((doc.paths as Record<string, { get: unknown }>)['/metrics']?.get).toMatchObject({ security: [{ bearer: [] }], 'x-roles': ['operator', 'auditor'], responses: { 401: {}, 403: {} } });
    expect(doc.info).toMatchObject({ 'x-ledger': lut.kind });
    if (lut.kind === 'embedded') expect(JSON.stringify(doc.info)).toContain('EMBEDDED LEDGER — NOT A FABRIC NETWORK');
  });

  it('every response seen in these tests is documented in /openapi.json, problems in problem+json', () => {
    const doc = openApi(ROUTES) as { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> };
    const ops = new Map(Object.values(doc.paths).flatMap((p) => Object.values(p)).map((op) => [op.operationId, op]));
    expect(seen.length).toBeGreaterThan(50);
    for (const s of seen) {
      const op = ops.get(s.id);
      expect({ id: s.id, status: s.status, documented: op?.responses[String(s.status)] !== undefined }).toEqual({ id: s.id, status: s.status, documented: true });
      if (s.status >= 400) {
        expect(s.type).toContain('application/problem+json');
        expect(Object.keys(s.body as object).sort()).toEqual(['code', 'detail', 'instance', 'status', 'title', 'type']);
      }
    }
  });
});
