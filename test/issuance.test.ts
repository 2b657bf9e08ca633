import { createHash, randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { startTestGateway, type TestGateway } from '@dol/bench';
import { Terminal, generateSigningKey, signJws, type SigningKey } from '@dol/scripts';
import type { LedgerPort } from '@dol/gateway-api';
import { Amount } from '@dol/chaincode';
import { AcceptanceEngine, parseDenyList, parseFaceAgreements, parseOfflineConfig } from '@dol/terminal';
import { ledgerUnderTest } from './support/ledger-under-test';

/**
 * The issuing side through the real gateway (docs/wallet.md), on the embedded ledger (project
 * `unit`) and on the real network (project `fabric`): a student signs in with finance's code,
 * accepts the agreement, gets and refreshes certificates whose limits come from their own money,
 * pays with them, reports the medium lost; bad input and other students are refused and write nothing.
 */
const NOW = Date.now();
const run = randomBytes(3).toString('hex');
const acct = (name: string): string => `${name}-${run}`;

interface Res { status: number; body: Record<string, unknown> }

describe('issuer service, agreement, loss report and the student role', () => {
  const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 6 });
  const schema = `issuance_test_${run}`;
  const lut = ledgerUnderTest(NOW);
  let gw: TestGateway<LedgerPort>;
  const students: Record<string, string> = {};
  const pos = Terminal.generate(`pos-is-${run}`, 'EdDSA');
  const merchant = `m-is-${run}`;

  async function call(method: string, path: string, as: string | undefined, body?: unknown): Promise<Res> {
    const token = as === undefined ? undefined : (gw.tokens as Record<string, string>)[as] ?? students[as];
    const res = await fetch(`${gw.url}${path}`, {
      method, headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
  }
  const must = async (method: string, path: string, as: string | undefined, body?: unknown): Promise<Record<string, unknown>> => {
    const r = await call(method, path, as, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const signIn = async (account: string): Promise<void> => {
    const code = await must('POST', `/v1/accounts/${account}/activation-codes`, 'finance');
    students[account] = String((await must('POST', '/v1/student-activations', undefined, { account, code: code.code })).token);
  };
  const agreement = async (): Promise<{ version: number; textHash: string }> => (await must('GET', '/v1/agreement', undefined)) as unknown as { version: number; textHash: string };
  const accept = async (account: string, key: SigningKey, over: Record<string, unknown> = {}): Promise<Res> => {
    const a = await agreement();
    return call('POST', '/v1/me/agreement', account, { acceptance: signJws(key, { typ: 'agreement', v: 1, account, version: a.version, textHash: a.textHash, jwk: key.jwk, iat: Date.now(), ...over }) });
  };
  const requestCert = (account: string, key: SigningKey, over: Record<string, unknown> = {}): Promise<Res> =>
    call('POST', '/v1/me/certificates', account, { request: signJws(key, { typ: 'cert-request', v: 1, account, jwk: key.jwk, iat: Date.now(), ...over }) });
  const payCode = (cert: Record<string, unknown>, key: SigningKey, ctr: number, at: number): string =>
    `${String(cert.certificate)}~${signJws(key, { typ: 'pay-code', v: 1, mediaId: cert.mediaId, ctr, iat: at - 1000, ttl: 120_000 })}`;
  async function settle(batch: string): Promise<Record<string, unknown>[]> {
    const receipt = String((await must('POST', '/v1/batches', undefined, { batch })).receipt);
    for (;;) {
      const b = await must('GET', `/v1/batches/${receipt}`, 'auditor');
      if (b.status === 'settled') return ((b.result as Record<string, unknown>).outcomes as Record<string, unknown>[]);
      if (b.status === 'refused') throw new Error(`batch refused: ${JSON.stringify(b)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const exposureOf = async (account: string): Promise<string> => String((await must('GET', `/v1/accounts/${account}/media`, 'auditor')).exposure);

  beforeAll(async () => {
    gw = await startTestGateway({ pool, schema, now: NOW, runWorker: true, workers: lut.workers, ledger: lut.ledger });
    await must('PUT', '/v1/risk-policy', 'operator', {
      maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900, certCapTotal: '8000', certCapPerPayment: '2000', certCounters: 50,
    });
    await must('PUT', '/v1/agreement', 'operator', { text: `Direct-debit agreement, run ${run}: sales made offline are charged to my account.` });
    await must('POST', '/v1/merchants', 'operator', { merchantId: merchant, name: 'Issuance test canteen' });
    await must('POST', '/v1/terminals', 'operator', { terminalId: pos.terminalId, merchantId: merchant, publicKey: pos.key.jwk });
    for (const [name, topUp] of [['ann', '5000'], ['ben', '3000'], ['cat', '0']] as const) {
      await must('POST', '/v1/accounts', 'finance', { account: acct(name), group: 'g-2026', creditLine: '0' });
      if (topUp !== '0') await must('POST', '/v1/top-ups', 'operator', { topUpId: `seed-${acct(name)}`, account: acct(name), amount: topUp });
      await signIn(acct(name));
    }
  });

  afterAll(async () => {
    await gw.close();
    await gw.store.close();
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
    await lut.close();
  });

  it('activation codes work once, for their account only', async () => {
    const code = String((await must('POST', `/v1/accounts/${acct('cat')}/activation-codes`, 'finance')).code);
    expect(await call('POST', '/v1/student-activations', undefined, { account: acct('ann'), code })).toMatchObject({ status: 401, body: { code: 'INVALID_ACTIVATION' } });
    expect((await call('POST', '/v1/student-activations', undefined, { account: acct('cat'), code })).status).toBe(201);
    expect(await call('POST', '/v1/student-activations', undefined, { account: acct('cat'), code })).toMatchObject({ status: 401, body: { code: 'INVALID_ACTIVATION' } });
    expect(await call('POST', `/v1/accounts/nobody-${run}/activation-codes`, 'finance')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });

  it('refuses a certificate without an agreement, then issues one within the account\'s own money, recorded on the ledger', async () => {
    const key = generateSigningKey('ES256');
    expect(await requestCert(acct('ann'), key)).toMatchObject({ status: 409, body: { code: 'NO_AGREEMENT' } });
    expect(await exposureOf(acct('ann'))).toBe('0');
    expect(await accept(acct('ann'), key, { version: 999 })).toMatchObject({ status: 409, body: { code: 'AGREEMENT_OUTDATED' } });
    expect(await accept(acct('ann'), key, { account: acct('ben') })).toMatchObject({ status: 403, body: { code: 'ACCESS_DENIED' } });
    expect((await accept(acct('ann'), key)).status).toBe(200);
    const cert = await requestCert(acct('ann'), key);
    expect(cert).toMatchObject({ status: 201, body: { capTotal: '5000', capPerPayment: '2000', ctrFrom: 1, ctrTo: 50, kind: 'wallet' } });
    expect(await exposureOf(acct('ann'))).toBe('5000');
    // A second medium of the same account gets what is left: nothing.
    const spare = generateSigningKey('ES256');
    expect(await requestCert(acct('ann'), spare)).toMatchObject({ status: 409, body: { code: 'INSUFFICIENT_ALLOWANCE' } });
    // The refresh replaces: new counters after the old, the exposure is the new certificate's.
    const again = await requestCert(acct('ann'), key);
    expect(again).toMatchObject({ status: 201, body: { ctrFrom: 51, ctrTo: 100, capTotal: '5000' } });
    expect(await exposureOf(acct('ann'))).toBe('5000');
    const me = await must('GET', '/v1/me', acct('ann'));
    expect(me).toMatchObject({ account: acct('ann'), wallet: '5000', agreement: { status: 'live' } });
    const certs = ((me.media as Record<string, unknown>[])[0]?.certificates as Record<string, unknown>[]).map((c) => [c.ctrFrom, c.status]);
    expect(certs).toEqual([[1, 'superseded'], [51, 'live']]);
    // Paid with the live certificate: settled, no certificate flag; the old one's sale is flagged.
    const at = Date.now() - 5000;
    const outcomes = await settle(pos.batch([pos.record(at, '1200', 'code', payCode(again.body, key, 51, at)), pos.record(at + 1, '300', 'code', payCode(cert.body, key, 2, at + 1))]));
    expect(outcomes.map((o) => [o.code, o.flags])).toEqual([['settled', []], ['settled', ['cert-superseded']]]);
    expect(await exposureOf(acct('ann'))).toBe('3800');
  });

  it('refuses bad input at every new door, and writes nothing', async () => {
    const key = generateSigningKey('ES256');
    expect((await accept(acct('ben'), key)).status).toBe(200);
    const before = await exposureOf(acct('ben'));
    expect(await call('POST', '/v1/me/certificates', acct('ben'), { request: 'not.a.jws' })).toMatchObject({ status: 400, body: { code: 'MALFORMED_JWS' } });
    expect(await call('POST', '/v1/me/certificates', acct('ben'), { request: 'x', extra: 1 })).toMatchObject({ status: 400, body: { code: 'UNKNOWN_FIELD' } });
    expect(await call('POST', '/v1/me/certificates', acct('ben'), {})).toMatchObject({ status: 400, body: { code: 'MISSING_FIELD' } });
    expect(await requestCert(acct('ben'), key, { iat: Date.now() - 3_600_000 })).toMatchObject({ status: 400, body: { code: 'STALE_REQUEST' } });
    expect(await requestCert(acct('ben'), key, { account: acct('ann') })).toMatchObject({ status: 403, body: { code: 'ACCESS_DENIED' } });
    const other = generateSigningKey('ES256');
    const forged = signJws(other, { typ: 'cert-request', v: 1, account: acct('ben'), jwk: key.jwk, iat: Date.now() });
    expect(await call('POST', '/v1/me/certificates', acct('ben'), { request: forged })).toMatchObject({ status: 422, body: { code: 'BAD_SIGNATURE' } });
    expect(await call('PUT', '/v1/agreement', 'operator', { text: '' })).toMatchObject({ status: 400 });
    expect(await call('POST', '/v1/media/w-nothing/lost', 'operator', { reason: 5 })).toMatchObject({ status: 400, body: { code: 'WRONG_TYPE' } });
    expect(await call('POST', '/v1/media/w-nothing/lost', 'operator', {})).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(await call('POST', '/v1/cards/certificates', 'operator', { cards: [] })).toMatchObject({ status: 400 });
    expect(await exposureOf(acct('ben'))).toBe(before);
  });

  it('a student reads only their own account, on every student route', async () => {
    const mine = await must('GET', '/v1/me', acct('cat'));
    expect(mine.account).toBe(acct('cat'));
    expect(JSON.stringify(mine)).not.toContain(acct('ann'));
    expect(JSON.stringify(await must('GET', '/v1/me/sales', acct('cat')))).not.toContain(acct('ann'));
    expect(JSON.stringify(await must('GET', '/v1/me/debts', acct('cat')))).not.toContain(acct('ann'));
    const annMedium = String(((await must('GET', '/v1/me', acct('ann'))).media as Record<string, unknown>[])[0]?.mediaId);
    expect(await call('POST', `/v1/me/media/${annMedium}/lost`, acct('cat'))).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    for (const path of [`/v1/accounts/${acct('ann')}`, `/v1/accounts/${acct('ann')}/statement`, `/v1/accounts/${acct('ann')}/media`, '/v1/exposure', '/v1/debts', '/v1/payments']) {
      expect({ path, status: (await call('GET', path, acct('cat'))).status }).toEqual({ path, status: 403 });
    }
  });

  it('a medium reported lost is refused at a terminal that synced, and is the operator\'s risk at one that had not', async () => {
    const key = generateSigningKey('ES256');
    expect((await accept(acct('cat'), key)).status).toBe(200);
    await must('POST', '/v1/top-ups', 'operator', { topUpId: `cat-${run}`, account: acct('cat'), amount: '4000' });
    const cert = (await requestCert(acct('cat'), key)).body;
    const versionBefore = Number((await must('GET', '/v1/deny-list?since=0', 'operator')).version);
    const lost = await must('POST', `/v1/me/media/${String(cert.mediaId)}/lost`, acct('cat'));
    expect(lost).toMatchObject({ result: { status: 'lost', by: `student:${acct('cat')}` } });
    const version = Number((lost.result as Record<string, unknown>).denyListVersion);
    expect(version).toBeGreaterThan(versionBefore);
    expect(await requestCert(acct('cat'), key)).toMatchObject({ status: 409, body: { code: 'MEDIUM_LOST' } });
    expect(await exposureOf(acct('cat'))).toBe('0');
    const at = Date.now() - 4000;
    const outcomes = await settle(pos.batch([
      pos.record(at, '500', 'code', payCode(cert, key, Number(cert.ctrFrom), at), version),
      pos.record(at + 1, '500', 'code', payCode(cert, key, Number(cert.ctrFrom) + 1, at + 1), versionBefore),
    ]));
    expect(outcomes.map((o) => [o.code, o.reason ?? o.flags])).toEqual([['rejected', 'DENY_LISTED'], ['settled', ['denied-after-terminal-version', 'cert-revoked']]]);
    // Found: it stays refused; a new key is a new medium.
    expect(await call('POST', `/v1/media/${String(cert.mediaId)}/found`, 'operator', { reason: 'returned to the desk' })).toMatchObject({ status: 200 });
    // Found again: the first record stands and nothing is written.
    expect(await call('POST', `/v1/media/${String(cert.mediaId)}/found`, 'operator', { reason: 'again' })).toMatchObject({ status: 200, body: { result: { status: 'found', replayed: true } } });
    expect(await requestCert(acct('cat'), key)).toMatchObject({ status: 409, body: { code: 'MEDIUM_LOST' } });
    expect((await requestCert(acct('cat'), generateSigningKey('ES256'))).status).toBe(201);
  });

  it('withdrawing the agreement revokes the live certificates and stops faces at a terminal that synced; cards are personalised in bulk with the same rules', async () => {
    const faces = async (): Promise<ReadonlySet<string>> => parseFaceAgreements(await must('GET', '/v1/face-agreements', 'operator')).accounts;
    expect((await faces()).has(acct('cat'))).toBe(true);
    const withdrawn = await must('DELETE', '/v1/me/agreement', acct('cat'));
    expect(withdrawn).toMatchObject({ result: { status: 'withdrawn' } });
    expect([typeof withdrawn.txId, /^[0-9]+$/.test(String(withdrawn.blockNumber))]).toEqual(['string', true]);
    expect([(await faces()).has(acct('cat')), (await faces()).has(acct('ann')), (await faces()).has(acct('ben'))]).toEqual([false, true, true]);
    // A face terminal that synced after the withdrawal refuses cat's face and takes ann's.
    const engine = new AcceptanceEngine(pos.terminalId);
    engine.sync(parseOfflineConfig(await must('GET', `/v1/terminals/${pos.terminalId}/offline-config`, 'operator')), parseDenyList(await must('GET', '/v1/deny-list?since=0', 'operator')),
      Date.now(), parseFaceAgreements(await must('GET', '/v1/face-agreements', 'operator')));
    const face = (name: string): string => {
      const d = engine.decide({ medium: 'face', account: acct(name), score: 990 }, Amount.parse('100'), Date.now());
      return d.ok ? 'ok' : d.code;
    };
    expect([face('cat'), face('ann')]).toEqual(['NO_AGREEMENT', 'ok']);
    expect(await exposureOf(acct('cat'))).toBe('0');
    expect(await requestCert(acct('cat'), generateSigningKey('ES256'))).toMatchObject({ status: 409, body: { code: 'NO_AGREEMENT' } });
    const card = generateSigningKey('ES256');
    const answered = await call('POST', '/v1/cards/certificates', 'operator', { cards: [{ account: acct('ben'), publicKey: card.jwk }, { account: acct('cat'), publicKey: generateSigningKey('ES256').jwk }] });
    expect(answered.status).toBe(201); // it made a certificate (docs/gateway.md, "Status codes of creates")
    const run1 = answered.body;
    expect((run1.certificates as Record<string, unknown>[]).map((c) => [c.account, c.kind, c.capTotal])).toEqual([[acct('ben'), 'card', '3000']]);
    expect((run1.refused as Record<string, unknown>[]).map((c) => [c.account, c.code])).toEqual([[acct('cat'), 'NO_AGREEMENT']]);
    // Every card refused: nothing was made, so 200, not 201.
    expect(await call('POST', '/v1/cards/certificates', 'operator', { cards: [{ account: acct('cat'), publicKey: generateSigningKey('ES256').jwk }] })).toMatchObject({ status: 200, body: { certificates: [] } });
    const exposure = await must('GET', '/v1/exposure', 'auditor');
    const rows = new Map((exposure.byAccount as Record<string, unknown>[]).map((r) => [r.account, r.exposure]));
    expect([rows.get(acct('ann')), rows.get(acct('ben')), rows.get(acct('cat'))]).toEqual(['3800', '3000', undefined]);
    const digest = createHash('sha256').update('').digest('hex');
    expect(typeof digest).toBe('string');
  });
});
