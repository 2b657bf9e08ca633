/**
 * `npm start` / `npm stop` switching between the two systems (README "Quick start"): neither ever
 * deletes or orphans the other's records; starting one while the other runs is refused and leaves
 * the running one as it was; `npm stop` stops whichever runs; `--purge` deletes exactly what
 * belongs to the system it purges. Each brings up the issuing side: an issuer key made once (in a
 * SoftHSM2 token of the system's own where SoftHSM2 is installed), registered, held by the
 * OperatorOrg gateway, with which a student gets a certificate. Runs network/dist/system.js (what
 * npm start runs) on a folder, ports (26000+, gateways 26800+) and schemas of its own, beside the
 * user's system and the test network.
 */
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { decodeJws, parsePublicJwk, verifyJws, verifyKeyOf } from '@dol/chaincode';
import { generateSigningKey, signJws } from '@dol/scripts';
import { SOFTHSM2_MODULE } from '../../gateway-api/src/issuer/pkcs11-signer';

const ROOT = resolve(__dirname, '..', '..');
const DIR = mkdtempSync(join(tmpdir(), 'dol-system-'));
const PREFIX = 'dolsys_';
const GATEWAY = 26800;
const DATABASE_URL = process.env.DOL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const env = { ...process.env, DOL_SYSTEM_DIR: DIR, DOL_SYSTEM_PORT_BASE: '26000', DOL_SYSTEM_GATEWAY_PORT: String(GATEWAY), DOL_SYSTEM_SCHEMA_PREFIX: PREFIX, DOL_DATABASE_URL: DATABASE_URL };
const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });

function system(...args: string[]): { code: number; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'network', 'dist', 'system.js'), ...args], { env, encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

async function schemas(): Promise<string[]> {
  const r = await pool.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1 ORDER BY nspname', [`${PREFIX}%`]);
  return r.rows.map((row) => row.nspname);
}

const token = (file: string, role: string): string => (JSON.parse(readFileSync(file, 'utf8')) as Record<string, { token: string }>)[role]?.token ?? '';
const embeddedTokens = join(DIR, 'run-embedded', 'api-credentials.json');

/** One request on a connection of its own: the gateway on a port changes between systems, so no kept-alive socket may be reused. */
function send(port: number, method: string, path: string, bearer?: string, body?: unknown, ca?: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = (ca === undefined ? request : httpsRequest)({ host: '127.0.0.1', port, method, path, agent: false, ...(ca === undefined ? {} : { ca: readFileSync(ca, 'utf8') }), headers: {
      ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }), ...(data === undefined ? {} : { 'content-type': 'application/json' }),
    } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: text === '' ? null : JSON.parse(text) as unknown });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}
const get = (port: number, path: string, bearer?: string, ca?: string): Promise<{ status: number; body: unknown }> => send(port, 'GET', path, bearer, undefined, ca);
/** A page's status and content type (not JSON: send would not parse it). */
function page(port: number, path: string, ca?: string): Promise<{ status: number; type: string }> {
  return new Promise((resolve, reject) => {
    const req = (ca === undefined ? request : httpsRequest)({ host: '127.0.0.1', port, path, agent: false, ...(ca === undefined ? {} : { ca: readFileSync(ca, 'utf8') }) }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '' });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
const fabricTokens = join(DIR, 'run', 'api-credentials.json');
/** The CA of the Fabric system's gateway of `role` (its certificate is from its organisation's CA). */
const caOf = (role: string): string => (JSON.parse(readFileSync(fabricTokens, 'utf8')) as Record<string, { ca?: string }>)[role]?.ca ?? '';

/** Where npm start says the issuer key is: in SoftHSM2 wherever it is installed (.ci/run installs it), else a key file. */
const KEY_PLACE = existsSync(SOFTHSM2_MODULE) ? /issuer key (\S+?)(?: \(made now\))?: in SoftHSM2 token dol-issuer/ : /issuer key (\S+?)(?: \(made now\))?: in key file/;
const keyIdIn = (out: string): string => KEY_PLACE.exec(out)?.[1] ?? `(no issuer key line matching ${String(KEY_PLACE)})`;
const fieldOf = (body: unknown, key: string): unknown => (typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined);

/**
 * A student of an open account with money signs in with `code` at the gateway on `port`, accepts
 * the agreement in force and asks for a certificate for a new wallet key: the certificate's answer.
 */
async function studentCertificate(port: number, account: string, code: string, ca?: string): Promise<{ status: number; body: unknown }> {
  const activated = await send(port, 'POST', '/v1/student-activations', undefined, { account, code }, ca);
  expect(activated.status).toBe(201);
  const bearer = String(fieldOf(activated.body, 'token'));
  const agreement = (await get(port, '/v1/agreement', undefined, ca)).body;
  const key = generateSigningKey('ES256');
  const acceptance = signJws(key, { typ: 'agreement', v: 1, account, version: fieldOf(agreement, 'version'), textHash: fieldOf(agreement, 'textHash'), jwk: key.jwk, iat: Date.now() });
  expect((await send(port, 'POST', '/v1/me/agreement', bearer, { acceptance }, ca)).status).toBe(200);
  return send(port, 'POST', '/v1/me/certificates', bearer, { request: signJws(key, { typ: 'cert-request', v: 1, account, jwk: key.jwk, iat: Date.now() }) }, ca);
}

afterAll(async () => {
  system('stop', '--purge', 'all');
  for (const s of await schemas()) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await pool.end();
  rmSync(DIR, { recursive: true, force: true });
});

describe('npm start / npm stop between the embedded and the Fabric system', () => {
  it('never deletes or orphans the other system, and purges exactly its own', async () => {
    // 1. The embedded system, with something on its ledger.
    const e1 = system('start', '--embedded');
    expect(e1.out).toContain('EMBEDDED LEDGER');
    expect(e1.code).toBe(0);
    // Tokens are written to the credentials file, never printed; the gateway's own file holds only the first administrator.
    for (const [key, t] of Object.entries(JSON.parse(readFileSync(embeddedTokens, 'utf8')) as Record<string, { token: string }>)) expect({ key, printed: e1.out.includes(t.token) }).toEqual({ key, printed: false });
    expect((JSON.parse(readFileSync(join(DIR, 'run-embedded', 'gateway-credentials.json'), 'utf8')) as { role: string }[]).map((c) => c.role)).toEqual(['admin']);
    const finance = token(embeddedTokens, 'finance');
    const auditor = token(embeddedTokens, 'auditor');
    const created = await send(GATEWAY, 'POST', '/v1/accounts', finance, { account: 's-kept', group: 'ug-2026', creditLine: '0' });
    expect(created.status).toBe(201);
    // The issuing side: the wallet served, the key made and registered, finance's code turned into a certificate it signed.
    expect(e1.out).toContain(`http://127.0.0.1:${String(GATEWAY)}/wallet/`);
    expect(e1.out).toContain('/v1/accounts/ACCOUNT/activation-codes');
    const embeddedKey = keyIdIn(e1.out);
    expect(e1.out).toContain(`registered issuer key ${embeddedKey} on the ledger`);
    expect(await page(GATEWAY, '/wallet/')).toEqual({ status: 200, type: 'text/html; charset=utf-8' });
    expect((await send(GATEWAY, 'POST', '/v1/top-ups', token(embeddedTokens, 'operator'), { topUpId: 'seed-s-kept', account: 's-kept', amount: '3000' })).status).toBe(201);
    const code = await send(GATEWAY, 'POST', '/v1/accounts/s-kept/activation-codes', finance);
    expect(code.status).toBe(201);
    expect(await studentCertificate(GATEWAY, 's-kept', String(fieldOf(code.body, 'code')))).toMatchObject({ status: 201, body: { keyId: embeddedKey, capTotal: '3000' } });
    // A second start is refused, saying it is already running: a second gateway would be lost to npm stop.
    const again = system('start', '--embedded');
    expect({ code: again.code, refused: again.out.includes('the embedded-ledger system is already running') }).toEqual({ code: 1, refused: true });

    // 2. Fabric while the embedded system runs: refused, and the embedded system is untouched.
    const f1 = system('start');
    expect(f1.code).toBe(1);
    expect(f1.out).toContain('the embedded-ledger system is running');
    expect(f1.out).not.toContain('wiping');
    expect(existsSync(join(DIR, 'run', 'network.json'))).toBe(false);
    expect((await get(GATEWAY, '/healthz')).body).toMatchObject({ ledger: 'embedded' });
    expect(existsSync(embeddedTokens)).toBe(true);

    // 3. npm stop stops it; then the Fabric system comes up and the embedded records are still there.
    const s1 = system('stop');
    expect(s1.out).toContain('[stop] stopped gateway.embedded');
    const f2 = system('start', '--edge', 'canteen-sys');
    expect(f2.out).toContain('network created from nothing');
    expect(f2.code).toBe(0);
    for (const t of Object.values(JSON.parse(readFileSync(fabricTokens, 'utf8')) as Record<string, { token: string }>)) expect(f2.out.includes(t.token)).toBe(false);
    expect((await get(GATEWAY + 2, '/v1/whoami', token(fabricTokens, 'auditor'), caOf('auditor'))).body).toMatchObject({ role: 'auditor' });
    expect(f2.out).toContain(`https://127.0.0.1:${String(GATEWAY)}`);
    expect(f2.out).toMatch(/curl -s --cacert \S+ca\.pem https:/);
    expect((await get(GATEWAY, '/healthz', undefined, caOf('operator'))).body).toMatchObject({ ledger: 'fabric' });
    // Plain HTTP is not served there any more.
    await expect(get(GATEWAY, '/healthz')).rejects.toThrow();
    expect(await schemas()).toEqual(expect.arrayContaining([`${PREFIX}gateway_embedded`, `${PREFIX}ledger`, `${PREFIX}gateway_operator`]));
    const fabricKey = keyIdIn(f2.out);
    expect(f2.out).toContain(`https://127.0.0.1:${String(GATEWAY)}/wallet/`);
    expect(await page(GATEWAY, '/wallet/', caOf('operator'))).toEqual({ status: 200, type: 'text/html; charset=utf-8' });
    expect(f2.out).toContain(`registered issuer key ${fabricKey} on the ledger`);

    // The canteen scenario against it, each role at its organisation's gateway over HTTPS (the tokens file names the CAs).
    const scenario = spawnSync(process.execPath, [join(ROOT, 'scripts', 'dist', 'sim', 'cli.js'), '--tokens-file', fabricTokens, '--students', '60', '--terminals', '5', '--batch-size', '30'], { env, encoding: 'utf8' });
    expect({ code: scenario.status, out: scenario.stdout.split('\n').filter((l) => /MISMATCH|RECONCILED|failed/.test(l)), err: scenario.stderr.split('\n').filter((l) => /failed/.test(l)) }).toEqual({ code: 0, out: [expect.stringContaining('RECONCILED: ')], err: [] });

    // The site edge node npm start -- --edge brought up beside it: registered on the ledger as an edge, answering its terminals.
    expect(f2.out).toContain('site edge node edge-canteen-sys');
    expect((await get(GATEWAY + 10, '/healthz')).body).toMatchObject({ ok: true, edgeId: 'edge-canteen-sys' });
    expect((await get(GATEWAY, '/v1/terminals/edge-canteen-sys/config', token(fabricTokens, 'operator'), caOf('operator'))).body).toMatchObject({ role: 'edge', merchantId: 'canteen-sys' });

    // A student's certificate through the OperatorOrg gateway, signed with the system's key (registered: the edge's offline configuration lists it).
    expect((await send(GATEWAY + 1, 'POST', '/v1/accounts', token(fabricTokens, 'finance'), { account: 's-wallet', group: 'ug-2026', creditLine: '0' }, caOf('finance'))).status).toBe(201);
    expect((await send(GATEWAY, 'POST', '/v1/top-ups', token(fabricTokens, 'operator'), { topUpId: 'seed-s-wallet', account: 's-wallet', amount: '2500' }, caOf('operator'))).status).toBe(201);
    // Finance hands the code out at CampusOrg's gateway (its hash goes to the ledger); the student redeems it at OperatorOrg's.
    const walletCode = await send(GATEWAY + 1, 'POST', '/v1/accounts/s-wallet/activation-codes', token(fabricTokens, 'finance'), undefined, caOf('finance'));
    expect(walletCode.status).toBe(201);
    const certificate = await studentCertificate(GATEWAY, 's-wallet', String(fieldOf(walletCode.body, 'code')), caOf('operator'));
    expect(certificate).toMatchObject({ status: 201, body: { keyId: fabricKey, capTotal: '2500', kind: 'wallet' } });
    const offline = (await get(GATEWAY, '/v1/terminals/edge-canteen-sys/offline-config', token(fabricTokens, 'operator'), caOf('operator'))).body;
    const registered = (fieldOf(offline, 'issuerKeys') as unknown[]).find((k) => fieldOf(k, 'keyId') === fabricKey);
    expect(registered).toMatchObject({ status: 'active', alg: 'ES256' });
    expect(verifyJws(decodeJws(fieldOf(certificate.body, 'certificate')), verifyKeyOf(parsePublicJwk(fieldOf(registered, 'publicKey'))))).toBe(true);

    // 4. The embedded system while Fabric runs: refused, Fabric untouched.
    const e2 = system('start', '--embedded');
    expect(e2.code).toBe(1);
    expect(e2.out).toContain('the Fabric system is running');
    expect((await get(GATEWAY + 2, '/healthz', undefined, caOf('auditor'))).body).toMatchObject({ ledger: 'fabric' });

    // 5. Purging the Fabric system deletes its folder and its gateways' schemas, not the embedded ledger.
    const p1 = system('stop', '--purge');
    expect(p1.code).toBe(0);
    expect(p1.out).toContain('purged the Fabric system');
    expect(existsSync(join(DIR, 'run'))).toBe(false);
    const left = await schemas();
    expect(left).toEqual([`${PREFIX}gateway_embedded`, `${PREFIX}ledger`]);

    // 6. The embedded system again: the same tokens, the same ledger, the same issuer key (registered once).
    const e3 = system('start', '--embedded');
    expect(e3.code).toBe(0);
    expect(keyIdIn(e3.out)).toBe(embeddedKey);
    expect(e3.out).not.toContain('registered issuer key');
    expect(token(embeddedTokens, 'auditor')).toBe(auditor);
    expect((await get(GATEWAY, '/v1/accounts/s-kept', auditor)).status).toBe(200);

    // 7. Its purge deletes its own records, all of them.
    const p2 = system('stop', '--purge');
    expect(p2.out).toContain('purged the embedded system');
    expect(await schemas()).toEqual([]);
    expect(existsSync(join(DIR, 'run-embedded'))).toBe(false);
    expect(system('stop', '--purge').out).toContain('nothing to purge');
  });
});
