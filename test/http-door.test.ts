/**
 * The gateway's HTTP door under abuse and faults (docs/gateway.md, "The door"; docs/reliability.md
 * has the measured figures): bodies are read only after authentication and only up to the route's
 * limit; failed authentications are throttled per address (429, Retry-After) without holding back
 * valid staff; client faults are 4xx with a catalogue code and a warn line, never a 500 with a
 * stack; security headers everywhere; /metrics needs a role; no source maps; slow and surplus
 * connections are dropped; TLS with terminal client certificates; plain HTTP only on loopback.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import pino from 'pino';
import { makeTestCertificates } from '@dol/bench';
import { EmbeddedLedger, IntakeStore, MemoryBlockStore, createApp, createMetrics, listener, loadConfig, type Credential, type HttpConfig } from '@dol/gateway-api';

const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 4 });
const schema = `door_test_${randomBytes(4).toString('hex')}`;
const store = new IntakeStore(pool, schema);
const staff = { operator: randomBytes(24).toString('hex'), finance: randomBytes(24).toString('hex') };
const sha = (t: string): string => createHash('sha256').update(t).digest('hex');
const credentials: Credential[] = [
  { tokenSha256: sha(staff.operator), role: 'operator', subject: 'olga' },
  { tokenSha256: sha(staff.finance), role: 'finance', subject: 'fei' },
];
const logLines: { level: number; msg: string; stack?: unknown; err?: unknown }[] = [];
const log = pino({ level: 'info' }, new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n').filter((l) => l !== '')) logLines.push(JSON.parse(line) as { level: number; msg: string });
    done();
  },
}));
const metrics = createMetrics(() => store.depth());
const FAILURES_PER_MINUTE = 20;
const dir = mkdtempSync(join(tmpdir(), 'dol-door-'));
let ledger: EmbeddedLedger;
const servers: Server[] = [];

/** A gateway app on its own server with these door settings; its base URL. */
async function serve(http: Partial<HttpConfig> = {}, terminalCertRequired = false): Promise<string> {
  const app = createApp({ ledger, store, onAccepted: () => undefined, channel: 'campus', chaincode: 'settlement', cli: { ordererAddress: '-', peerAddress: '-' }, credentials, log, metrics, authFailuresPerMinute: FAILURES_PER_MINUTE, terminalCertRequired }, () => Promise.resolve(undefined));
  const server = listener(app, { authFailuresPerMinute: FAILURES_PER_MINUTE, maxConnections: 2000, headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000, ...http });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `${http.tls === undefined ? 'http' : 'https'}://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
}

/** A raw HTTP/1.1 exchange: what the server answered (status line and headers, body) before it closed or answered. */
function raw(base: string, head: string, body: Buffer = Buffer.alloc(0)): Promise<{ status: number; headers: string; body: string }> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let data = '';
    socket.on('data', (d: Buffer) => {
      data += d.toString('utf8');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const [headers = '', rest = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(headers)?.[1] ?? 0), headers, body: rest });
    });
    socket.on('connect', () => {
      socket.write(head.replace(/\n/g, '\r\n'));
      socket.end(body);
    });
    setTimeout(() => {
      reject(new Error('no answer within 60 s'));
    }, 60_000).unref();
  });
}

beforeAll(async () => {
  await store.migrate();
  ledger = await EmbeddedLedger.open({ store: new MemoryBlockStore() });
});

afterAll(async () => {
  for (const s of servers) s.close();
  ledger.close();
  await store.close();
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
  rmSync(dir, { recursive: true, force: true });
});

describe('the HTTP door', () => {
  it('refuses an unauthenticated body before reading it, and a staff body over its limit with BODY_TOO_LARGE', async () => {
    const base = await serve();
    const big = Buffer.alloc(2_900_000, 'a');
    const unauthenticated = await raw(base, `POST /v1/top-ups HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: ${String(big.length)}\n\n`, big);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.toLowerCase()).toContain('connection: close');
    const over = await fetch(`${base}/v1/accounts`, { method: 'POST', headers: { authorization: `Bearer ${staff.finance}`, 'content-type': 'application/json' }, body: JSON.stringify({ account: 'a', group: 'g', creditLine: '0', pad: 'x'.repeat(20_000) }) });
    expect({ status: over.status, code: ((await over.json()) as { code: string }).code }).toEqual({ status: 413, code: 'BODY_TOO_LARGE' });
  });

  it(`throttles failed authentications per address after ${String(FAILURES_PER_MINUTE)} a minute (429, Retry-After), counts them, and never holds back valid staff`, async () => {
    const base = await serve();
    const statuses: number[] = [];
    for (let i = 0; i < FAILURES_PER_MINUTE + 10; i++) {
      const r = await fetch(`${base}/v1/whoami`, { headers: { authorization: `Bearer wrong-token-${String(i).padStart(12, '0')}` } });
      statuses.push(r.status);
      if (r.status === 429) expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(FAILURES_PER_MINUTE);
    expect(statuses.slice(FAILURES_PER_MINUTE).every((s) => s === 429)).toBe(true);
    // From the same address, a valid staff credential still passes (checked in memory first).
    expect((await fetch(`${base}/v1/whoami`, { headers: { authorization: `Bearer ${staff.operator}` } })).status).toBe(200);
    const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${staff.operator}` } })).text();
    expect(Number(/^dol_auth_throttled_total (\d+)/m.exec(text)?.[1] ?? 0)).toBeGreaterThanOrEqual(10);
    expect(Number(/^dol_auth_failures_total (\d+)/m.exec(text)?.[1] ?? 0)).toBeGreaterThanOrEqual(FAILURES_PER_MINUTE);
  });

  it('serves every valid credential from a throttled address (staff issued through the API, a terminal, an auditor at /metrics) while a wrong token there still gets 429', async () => {
    const base = await serve();
    // Behind the campus proxy every client shares one address: another client's failures come first.
    for (let i = 0; i < FAILURES_PER_MINUTE; i++) await fetch(`${base}/v1/whoami`, { headers: { authorization: `Bearer another-client-${String(i).padStart(12, '0')}` } });
    const wrong = await fetch(`${base}/v1/whoami`, { headers: { authorization: 'Bearer still-another-wrong-token-0001' } });
    expect({ status: wrong.status, code: ((await wrong.json()) as { code: string }).code }).toEqual({ status: 429, code: 'TOO_MANY_FAILED_AUTHENTICATIONS' });
    const auditor = await store.staff.issue('auditor', 'aud-proxy', 30, 'admin');
    const registrar = await store.staff.issue('registrar', 'reg-proxy', 30, 'admin');
    const terminal = await store.issueTerminalCredential('pos-proxy');
    const served = await Promise.all([
      fetch(`${base}/v1/whoami`, { headers: { authorization: `Bearer ${registrar.token}` } }),
      fetch(`${base}/v1/whoami`, { headers: { authorization: `Bearer ${terminal.token}` } }),
      fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${auditor.token}` } }),
      fetch(`${base}/v1/whoami`, { headers: { authorization: `Bearer ${staff.finance}` } }),
    ]);
    expect(served.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(((await served[0].json()) as { subject: string }).subject).toBe('reg-proxy');
    // The valid requests did not lift the throttle for the failures: another wrong token, and a revoked one, are still 429.
    await store.staff.revoke(registrar.credentialId);
    for (const token of ['one-more-wrong-token-000000001', registrar.token]) {
      expect((await fetch(`${base}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(429);
    }
  });

  it('never throttles batch uploads without a token (the signature is their credential), even from an address other clients made throttled', async () => {
    const base = await serve();
    for (let i = 0; i < FAILURES_PER_MINUTE; i++) await fetch(`${base}/v1/whoami`, { headers: { authorization: `Bearer other-client-${String(i).padStart(12, '0')}` } });
    expect((await fetch(`${base}/v1/whoami`, { headers: { authorization: 'Bearer other-client-still-wrong-0001' } })).status).toBe(429);
    // Many terminals behind the same address upload at once: judged on their signatures, none turned away.
    const uploads = await Promise.all(Array.from({ length: FAILURES_PER_MINUTE + 5 }, () => fetch(`${base}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ batch: 'not.a.jws' }) })));
    expect(uploads.map((r) => r.status).filter((st) => st === 429)).toEqual([]);
    expect(new Set(uploads.map((r) => r.status)).size).toBe(1);
  });

  it('answers client faults with 4xx catalogue codes and a warn line without a stack, never a 500', async () => {
    const base = await serve();
    const before = logLines.length;
    const body = JSON.stringify({ merchantId: 'm-x', name: 'x' });
    const post = (headers: Record<string, string>, payload: Buffer | string): Promise<Response> => fetch(`${base}/v1/merchants`, { method: 'POST', headers: { authorization: `Bearer ${staff.operator}`, 'content-type': 'application/json', ...headers }, body: typeof payload === 'string' ? payload : new Uint8Array(payload) });
    const cases: [string, Promise<Response>, number, string][] = [
      ['an encoding the server does not take', post({ 'content-encoding': 'compress' }, body), 415, 'UNSUPPORTED_ENCODING'],
      ['an unknown charset', post({ 'content-type': 'application/json; charset=latin1' }, body), 415, 'UNSUPPORTED_ENCODING'],
      ['invalid gzip', post({ 'content-encoding': 'gzip' }, Buffer.from('not gzip at all')), 400, 'MALFORMED_REQUEST'],
      ['a path that is not percent-encoding', fetch(`${base}/v1/accounts/%zz`, { headers: { authorization: `Bearer ${staff.operator}` } }), 400, 'MALFORMED_REQUEST'],
    ];
    for (const [what, pending, status, code] of cases) {
      const r = await pending;
      expect({ what, status: r.status, code: ((await r.json()) as { code: string }).code }).toEqual({ what, status, code });
    }
    // gzip that does decompress is read as any body.
    expect((await post({ 'content-encoding': 'gzip' }, gzipSync(body))).status).toBe(201);
    const lines = logLines.slice(before);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    const faults = lines.filter((l) => l.msg === 'client fault');
    expect(faults.length).toBeGreaterThanOrEqual(3);
    for (const f of faults) expect({ level: f.level, stack: f.stack, err: f.err }).toEqual({ level: 40, stack: undefined, err: undefined });
  });

  it('sends security headers, keeps API answers out of caches, hides metrics and source maps, and takes the bearer scheme in any case', async () => {
    const base = await serve();
    const consolePage = await fetch(`${base}/console/`);
    const csp = consolePage.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(consolePage.headers.get('x-content-type-options')).toBe('nosniff');
    const api = await fetch(`${base}/v1/whoami`, { headers: { authorization: `bearer ${staff.operator}` } });
    expect(api.status).toBe(200);
    expect(api.headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${base}/v1/whoami`, { headers: { authorization: `BEARER ${staff.operator}` } })).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${staff.finance}` } })).status).toBe(403);
    expect((await fetch(`${base}/console/js/main.js.map`)).status).toBe(404);
    expect((await fetch(`${base}/console/js/main.js`)).status).toBe(200);
  });

  it('drops a connection whose headers trickle in, and connections beyond the cap', async () => {
    const base = await serve({ headersTimeoutMs: 2_000, requestTimeoutMs: 3_000, maxConnections: 3 });
    const { port } = new URL(base);
    const closed = (s: Socket): Promise<void> => new Promise((resolve) => {
      s.on('close', () => {
        resolve();
      });
    });
    // A byte a second: the server closes it once the headers are overdue (it checks every second).
    const slow = connect(Number(port), '127.0.0.1');
    slow.on('error', () => undefined);
    const slowClosed = closed(slow);
    const drip = setInterval(() => {
      if (!slow.destroyed) slow.write('X');
    }, 1_000);
    slow.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    await slowClosed;
    clearInterval(drip);
    // Three idle connections fill the cap; a fourth is closed at once.
    const held = await Promise.all([0, 1, 2].map(() => new Promise<Socket>((resolve) => {
      const s = connect(Number(port), '127.0.0.1', () => {
        resolve(s);
      });
      s.on('error', () => undefined);
    })));
    const extra = connect(Number(port), '127.0.0.1');
    extra.on('error', () => undefined);
    await closed(extra);
    for (const s of held) s.destroy();
  });

  it('serves HTTPS, where a client certificate from the terminal CA names the terminal, and a terminal token alone is refused when certificates are required', async () => {
    const certs = makeTestCertificates(dir, 'pos-tls');
    const base = await serve({ tls: { certPem: certs.serverCertPem, keyPem: certs.serverKeyPem, clientCaPem: certs.caPem, terminalCertRequired: true } }, true);
    const get = (path: string, options: { cert?: boolean; token?: string }): Promise<{ status: number; body: Record<string, unknown> }> => new Promise((resolve, reject) => {
      const req = httpsRequest(`${base}${path}`, {
        ca: certs.caPem, ...(options.cert === true ? { cert: certs.terminalCertPem, key: certs.terminalKeyPem } : {}),
        headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
      }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString('utf8');
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(await get('/v1/whoami', { token: staff.operator })).toMatchObject({ status: 200, body: { role: 'operator', subject: 'olga' } });
    expect(await get('/v1/whoami', { cert: true })).toMatchObject({ status: 200, body: { role: 'terminal', subject: 'pos-tls' } });
    const issued = await store.issueTerminalCredential('pos-tls');
    expect(await get('/v1/whoami', { token: issued.token })).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(await get('/v1/whoami', { token: issued.token, cert: true })).toMatchObject({ status: 200, body: { role: 'terminal', subject: 'pos-tls' } });
    expect(await get('/v1/whoami', {})).toMatchObject({ status: 401 });
  });

  it('refuses to listen on anything but loopback without TLS', () => {
    const credentialsFile = join(dir, 'credentials.json');
    writeFileSync(credentialsFile, JSON.stringify(credentials));
    const env = { DOL_LEDGER: 'embedded', DOL_CREDENTIALS_FILE: credentialsFile };
    expect(() => loadConfig({ ...env, DOL_HOST: '0.0.0.0' })).toThrow(/DOL_HOST: 0\.0\.0\.0 is not a loopback address.*DOL_TLS_CERT/);
    expect(loadConfig({ ...env, DOL_HOST: '127.0.0.1' }).http.tls).toBeUndefined();
    expect(() => loadConfig({ ...env, DOL_TLS_CERT: join(dir, 'any.crt') })).toThrow(/DOL_TLS_CERT and DOL_TLS_KEY go together/);
  });
});
