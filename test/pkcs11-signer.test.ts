import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import pino from 'pino';
import { decodeJws, verifyJws, verifyKeyOf, type PublicJwk } from '@dol/chaincode';
import { EmbeddedLedger, IntakeStore, KeyFileSigner, MemoryBlockStore, assembleGateway, signWith, type IntakeWorker } from '@dol/gateway-api';
import { Terminal, generateSigningKey, signJws, type SigningKey } from '@dol/scripts';
import { softHsmConfig } from '../gateway-api/src/issuer/issuer-keys';
import { Pkcs11Token, SOFTHSM2_MODULE, pkcs11Unavailable, type Pkcs11Signer } from '../gateway-api/src/issuer/pkcs11-signer';

/**
 * The issuer key in an HSM (docs/wallet.md, "The issuer's key"): a SoftHSM2 token of this test's
 * own, a P-256 key made inside it that cannot be read out, JWS it signs verified by node:crypto and
 * by the contract's own verifier; then the real gateway issuing a student's certificate with it,
 * and a rotation with overlap from a key file to the HSM key. Fails, never skips, without SoftHSM2
 * or the pkcs11js add-on: .ci/run installs softhsm2.
 */
const run = randomBytes(3).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'dol-hsm-'));
const PIN = randomBytes(12).toString('base64url');
const DAY = 86_400_000;
let token: Pkcs11Token;
let hsmKey: Pkcs11Signer;

beforeAll(async () => {
  const missing = pkcs11Unavailable(SOFTHSM2_MODULE);
  if (missing !== undefined) throw new Error(`this test needs SoftHSM2 and the pkcs11js add-on (.ci/run installs softhsm2): ${missing}`);
  // SoftHSM2 reads its configuration when the module is initialised: tokens of this test's own, not the machine's.
  process.env.SOFTHSM2_CONF = softHsmConfig(dir);
  token = Pkcs11Token.initialise({ module: SOFTHSM2_MODULE, token: `dol-test-${run}`, pin: PIN, soPin: randomBytes(12).toString('base64url') });
  hsmKey = await token.generateKey(`hsm-${run}`);
});

afterAll(() => {
  // Undefined when beforeAll failed (no SoftHSM2): that failure is the one to read.
  (token as Pkcs11Token | undefined)?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Pkcs11Signer over SoftHSM2', () => {
  it('signs ES256 JWS in the token that node:crypto and the contract\'s verifyJws accept', async () => {
    const jws = await signWith(hsmKey, { typ: 'media-cert', v: 1, n: run });
    const decoded = decodeJws(jws);
    expect(decoded).toMatchObject({ alg: 'ES256', kid: hsmKey.keyId });
    expect(verifyJws(decoded, verifyKeyOf(hsmKey.publicJwk))).toBe(true);
    const publicKey = createPublicKey({ key: { ...hsmKey.publicJwk }, format: 'jwk' });
    expect(verify('sha256', Buffer.from(decoded.signingInput, 'ascii'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, decoded.signature)).toBe(true);
    const [h, , s] = jws.split('.');
    const tampered = decodeJws(`${h ?? ''}.${Buffer.from('{"typ":"media-cert","v":1,"n":"x"}').toString('base64url')}.${s ?? ''}`);
    expect(verifyJws(tampered, verifyKeyOf(hsmKey.publicJwk))).toBe(false);
  });

  it('keeps the private key inside: its value cannot be read, and it was never extractable', async () => {
    const [handle] = await token.findObjects(token.lib.CKO_PRIVATE_KEY, hsmKey.keyId);
    if (handle === undefined) throw new Error('the key is not in the token');
    await expect(token.run((api, session, lib) => api.C_GetAttributeValue(session, handle, [{ type: lib.CKA_VALUE }]))).rejects.toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
    const flags = await token.run((api, session, lib) => api.C_GetAttributeValue(session, handle, [
      { type: lib.CKA_SENSITIVE }, { type: lib.CKA_EXTRACTABLE }, { type: lib.CKA_ALWAYS_SENSITIVE }, { type: lib.CKA_NEVER_EXTRACTABLE },
    ]).map((a) => a.value[0]));
    expect(flags).toEqual([1, 0, 1, 1]);
  });

  it('refuses a key that could leave the token, and names a missing key or token', async () => {
    const label = `loose-${run}`;
    await token.run((api, session, lib) => api.C_GenerateKeyPair(session, { mechanism: lib.CKM_EC_KEY_PAIR_GEN }, [
      { type: lib.CKA_CLASS, value: lib.CKO_PUBLIC_KEY }, { type: lib.CKA_TOKEN, value: true }, { type: lib.CKA_LABEL, value: label }, { type: lib.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') },
    ], [
      { type: lib.CKA_CLASS, value: lib.CKO_PRIVATE_KEY }, { type: lib.CKA_TOKEN, value: true }, { type: lib.CKA_LABEL, value: label }, { type: lib.CKA_SIGN, value: true },
      { type: lib.CKA_SENSITIVE, value: false }, { type: lib.CKA_EXTRACTABLE, value: true },
    ]));
    await expect(token.signer(label)).rejects.toThrow(/could leave the token/);
    await expect(token.signer(`nothing-${run}`)).rejects.toThrow(`holds no private key labelled nothing-${run}`);
    expect(() => Pkcs11Token.open({ module: SOFTHSM2_MODULE, token: 'no-such-token', pin: PIN })).toThrow(/no PKCS#11 token labelled no-such-token/);
  });

  it('serialises concurrent signatures on its one session', async () => {
    const inputs = Array.from({ length: 40 }, (_, i) => Buffer.from(`input ${String(i)}`));
    const signatures = await Promise.all(inputs.map((d) => hsmKey.sign(d)));
    const key = createPublicKey({ key: { ...hsmKey.publicJwk }, format: 'jwk' });
    expect(signatures.map((s, i) => verify('sha256', inputs[i] ?? Buffer.alloc(0), { key, dsaEncoding: 'ieee-p1363' }, s))).toEqual(inputs.map(() => true));
  });
});

interface Res { status: number; body: Record<string, unknown> }

describe('the gateway issuing with the HSM key', () => {
  const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 4 });
  const schema = `hsm_test_${run}`;
  const T0 = Date.now();
  let now = T0;
  const roles = ['operator', 'finance'] as const;
  const tokens: Record<string, string> = Object.fromEntries(roles.map((r) => [r, randomBytes(24).toString('hex')]));
  let server: Server;
  let worker: IntakeWorker;
  let store: IntakeStore;
  let url = '';
  // The key before the rotation: a key file, valid from a day ago to ten days on.
  const fileKey = KeyFileSigner.create(`file-${run}`, join(dir, `file-${run}.pem`));
  const pos = Terminal.generate(`pos-hsm-${run}`, 'EdDSA');

  async function call(method: string, path: string, bearer: string | undefined, body?: unknown): Promise<Res> {
    const res = await fetch(`${url}${path}`, { method, headers: { ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
  }
  const must = async (method: string, path: string, bearer: string | undefined, body?: unknown): Promise<Record<string, unknown>> => {
    const r = await call(method, path, bearer, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${String(r.status)} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const register = (keyId: string, publicKey: PublicJwk, validFrom: number, validTo: number): Promise<Record<string, unknown>> =>
    must('POST', '/v1/issuer-keys', tokens.operator, { keyId, alg: 'ES256', publicKey, validFrom, validTo, status: 'active' });

  /** Finance opens and funds an account, hands its student a code; the student signs in and accepts the agreement. */
  async function student(name: string): Promise<{ account: string; token: string; key: SigningKey }> {
    const account = `${name}-${run}`;
    await must('POST', '/v1/accounts', tokens.finance, { account, group: 'g-2026', creditLine: '0' });
    await must('POST', '/v1/top-ups', tokens.operator, { topUpId: `seed-${account}`, account, amount: '4000' });
    const code = await must('POST', `/v1/accounts/${account}/activation-codes`, tokens.finance);
    const bearer = String((await must('POST', '/v1/student-activations', undefined, { account, code: code.code })).token);
    const agreement = await must('GET', '/v1/agreement', undefined);
    const key = generateSigningKey('ES256');
    await must('POST', '/v1/me/agreement', bearer, { acceptance: signJws(key, { typ: 'agreement', v: 1, account, version: agreement.version, textHash: agreement.textHash, jwk: key.jwk, iat: Date.now() }) });
    return { account, token: bearer, key };
  }
  const certify = (s: { account: string; token: string; key: SigningKey }): Promise<Res> =>
    call('POST', '/v1/me/certificates', s.token, { request: signJws(s.key, { typ: 'cert-request', v: 1, account: s.account, jwk: s.key.jwk, iat: Date.now() }) });
  const signedBy = (certificate: unknown, jwk: PublicJwk): boolean => verifyJws(decodeJws(certificate), verifyKeyOf(jwk));

  beforeAll(async () => {
    store = new IntakeStore(pool, schema);
    await store.migrate();
    const ledger = await EmbeddedLedger.open({ store: new MemoryBlockStore(), clock: () => now });
    const credentials = roles.map((role) => ({ tokenSha256: createHash('sha256').update(tokens[role] ?? '').digest('hex'), role, subject: role }));
    const assembled = assembleGateway({
      issuerSigners: [fileKey, hsmKey], store, ledger, log: pino({ level: 'silent' }), worker: { concurrency: 1, idlePollMs: 100, maxBackoffMs: 100 },
      credentials, channel: 'campus', chaincode: 'settlement', cli: { ordererAddress: '-', peerAddress: '-' },
    });
    worker = assembled.worker;
    worker.start();
    server = await new Promise<Server>((resolve) => {
      const s = assembled.app.listen(0, '127.0.0.1', () => {
        resolve(s);
      });
    });
    url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    // Both keys registered before the first certificate: the HSM key's validity starts a day on and overlaps the file key's last nine days.
    await register(fileKey.keyId, fileKey.publicJwk, T0 - DAY, T0 + 10 * DAY);
    await register(hsmKey.keyId, hsmKey.publicJwk, T0 + DAY, T0 + 365 * DAY);
    await must('PUT', '/v1/risk-policy', tokens.operator, { maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900 });
    await must('PUT', '/v1/agreement', tokens.operator, { text: `Direct-debit agreement, HSM run ${run}.` });
    await must('POST', '/v1/merchants', tokens.operator, { merchantId: `m-hsm-${run}`, name: 'HSM test canteen' });
    await must('POST', '/v1/terminals', tokens.operator, { terminalId: pos.terminalId, merchantId: `m-hsm-${run}`, publicKey: pos.key.jwk });
  });

  afterAll(async () => {
    await worker.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  });

  it('rotates with overlap: the file key signs until the HSM key covers a certificate, then the HSM key; the old certificates still settle', async () => {
    const ann = await student('ann');
    const ben = await student('ben');
    // Now: the HSM key is registered but not valid yet, so the file key signs.
    const before = await certify(ann);
    expect(before).toMatchObject({ status: 201, body: { keyId: fileKey.keyId, capTotal: '4000' } });
    expect(signedBy(before.body.certificate, fileKey.publicJwk)).toBe(true);

    // A day and an hour on, both keys cover a new certificate: the newest, the HSM key, signs it.
    now = T0 + DAY + 3_600_000;
    const after = await certify(ben);
    expect(after).toMatchObject({ status: 201, body: { keyId: hsmKey.keyId, capTotal: '4000' } });
    expect(signedBy(after.body.certificate, hsmKey.publicJwk)).toBe(true);
    expect(signedBy(after.body.certificate, fileKey.publicJwk)).toBe(false);

    // Ann still pays under the file key's certificate, and the ledger settles it without a certificate flag.
    const at = now - 5_000;
    const code = `${String(before.body.certificate)}~${signJws(ann.key, { typ: 'pay-code', v: 1, mediaId: before.body.mediaId, ctr: before.body.ctrFrom, iat: at - 1_000, ttl: 120_000 })}`;
    const receipt = String((await must('POST', '/v1/batches', undefined, { batch: pos.batch([pos.record(at, '1200', 'code', code)]) })).receipt);
    let outcome: Record<string, unknown> | undefined;
    for (let i = 0; i < 200 && outcome === undefined; i += 1) {
      const b = await must('GET', `/v1/batches/${receipt}`, tokens.operator);
      if (b.status === 'settled') outcome = ((b.result as Record<string, unknown>).outcomes as Record<string, unknown>[])[0];
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(outcome).toMatchObject({ code: 'settled', flags: [] });
  });
});
