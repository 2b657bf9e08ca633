import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import pino from 'pino';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntakeStore, IntakeWorker, IssuerService, KeyFileSigner, SettlementClient, createApp, createMetrics, type CallerRole, type Credential } from '@dol/gateway-api';
import { Issuer, PayerMedium, PurseCard, Terminal } from '@dol/scripts';
import { runProofCommands } from './support/proof-cli';
import { ledgerUnderTest } from './support/ledger-under-test';

/**
 * Campus value, points as a tender (issue 33, docs/settlement.md "Campus value"), end to end over
 * the ledger chosen by configuration: the embedded ledger in the jest project `unit`, the real
 * Fabric network in the project `fabric`. Students earn points, spend them at a terminal that is
 * offline (the sale record names the tender the student signed), the merchant is paid the price
 * from the operator's points fund, points lapse by policy, and the roll-forward reconciles.
 * Every id carries this run's prefix: on Fabric the files share one network.
 */
const NOW = Date.now();
const DAY = 86_400_000;
const P = `cv${randomBytes(3).toString('hex')}`;
const tokens: Record<Exclude<CallerRole, 'terminal' | 'student'>, string> = {
  operator: 'cv-operator-token-0000000001', finance: 'cv-finance-token-00000000001', registrar: 'cv-registrar-token-0000000001',
  auditor: 'cv-auditor-token-0000000001', admin: 'cv-admin-token-00000000000001',
};
const sha = (t: string): string => createHash('sha256').update(t).digest('hex');
const credentials: Credential[] = (Object.keys(tokens) as (keyof typeof tokens)[]).map((role) => ({ tokenSha256: sha(tokens[role]), role, subject: role }));

const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 4 });
const schema = `campus_value_${randomBytes(4).toString('hex')}`;
const store = new IntakeStore(pool, schema);
const lut = ledgerUnderTest(NOW);
const { ledger } = lut;
const log = pino({ level: 'silent' });
const metrics = createMetrics(() => store.depth());
const worker = new IntakeWorker(store, new SettlementClient(ledger), log, metrics, { concurrency: lut.workers, idlePollMs: 50, maxBackoffMs: 100 });
const issuer = Issuer.generate(`${P}-issuer`, 'EdDSA', NOW - 1e10, NOW + 1e10);
const pos = Terminal.generate(`${P}-pos`, 'EdDSA');
const merchant = `${P}-canteen`;
const [ann, ben, cat] = ['ann', 'ben', 'cat'].map((s) => `${P}-${s}`) as [string, string, string];
let server: Server;
let base = '';
/** The gateway's issuer key: it signs purse load authorisations (a key file, mode 0600, in a temporary directory). */
const keyDir = mkdtempSync(join(tmpdir(), 'cv-issuer-'));
const loadKey = KeyFileSigner.create(`${P}-load-key`, join(keyDir, 'issuer.pem'));
/** AuditOrg's gateway: the same application over AuditOrg's own peer (Fabric), where anyone verifies a record. */
let auditServer: Server;
let auditBase = '';
const listen = (app: ReturnType<typeof createApp>): Promise<Server> => new Promise<Server>((resolve) => {
  const s = app.listen(0, '127.0.0.1', () => {
    resolve(s);
  });
});

type Body = Record<string, unknown>;
async function call(method: string, path: string, as?: keyof typeof tokens, body?: unknown, at = base): Promise<{ status: number; body: Body; text: string }> {
  const res = await fetch(`${at}${path}`, {
    method,
    headers: { ...(as === undefined ? {} : { authorization: `Bearer ${tokens[as]}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const parsed = text !== '' && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) as Body : {};
  return { status: res.status, body: parsed, text };
}

const medium = (account: string, nbf = NOW - DAY): PayerMedium => PayerMedium.issue(issuer, {
  mediaId: `w-${account}`, kind: 'wallet', account, group: 'g-2026', capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 100, nbf, exp: NOW + DAY,
}, 'EdDSA');

/** Uploads one batch, settles and folds it (the worker's drain), and answers its outcomes. */
async function settle(records: ReturnType<typeof pos.record>[]): Promise<{ seq: number; code: string; paymentId: string; reason?: string }[]> {
  const up = await call('POST', '/v1/batches', undefined, { batch: pos.batch(records) });
  expect(up.status).toBe(202);
  expect(await worker.drain()).toBe(1);
  const done = await call('GET', `/v1/batches/${String(up.body.receipt)}`, 'auditor');
  if (done.body.status !== 'settled') throw new Error(JSON.stringify(done.body));
  return (done.body.result as { outcomes: { seq: number; code: string; paymentId: string; reason?: string }[] }).outcomes;
}

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** A period wide enough for this file's movements, whenever midnight falls. */
const FROM = utcDay(NOW - 4 * DAY);
const TO = utcDay(NOW + 2 * DAY);
const rollForward = async (from = FROM, to = TO): Promise<Body> => {
  const r = await call('GET', `/v1/points/roll-forward?from=${from}&to=${to}`, 'auditor');
  expect(r.status).toBe(200);
  return r.body;
};
const n = (v: unknown): bigint => BigInt(String(v));

beforeAll(async () => {
  await store.migrate();
  const issuerService = new IssuerService(ledger, [loadKey], log);
  const app = createApp({ ledger, store, onAccepted: () => undefined, channel: 'campus', chaincode: 'settlement', cli: lut.cli, credentials, log, metrics, authFailuresPerMinute: 1_000_000, issuer: issuerService }, async () => ((await ledger.ping()) ? undefined : 'no Fabric peer answers'));
  server = await listen(app);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auditCli = lut.cli;
  auditServer = await listen(createApp({ ledger: lut.auditOrgLedger(), store, onAccepted: () => undefined, channel: 'campus', chaincode: 'settlement', cli: auditCli, credentials: [], log, metrics }, () => Promise.resolve(undefined)));
  auditBase = `http://127.0.0.1:${(auditServer.address() as AddressInfo).port}`;
  expect((await call('POST', '/v1/issuer-keys', 'operator', issuer.registration())).status).toBe(201);
  expect((await call('POST', '/v1/issuer-keys', 'operator', { keyId: loadKey.keyId, alg: loadKey.alg, publicKey: loadKey.publicJwk, validFrom: NOW - 1e10, validTo: NOW + 1e10, status: 'active' })).status).toBe(201);
  expect((await call('POST', '/v1/merchants', 'operator', { merchantId: merchant, name: 'Points canteen' })).status).toBe(201);
  expect((await call('POST', '/v1/terminals', 'operator', { terminalId: pos.terminalId, merchantId: merchant, publicKey: pos.key.jwk })).status).toBe(201);
  expect((await call('PUT', '/v1/risk-policy', 'operator', { maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900 })).status).toBe(200);
  for (const a of [ann, ben, cat]) {
    expect((await call('POST', '/v1/accounts', 'finance', { account: a, group: 'g-2026', creditLine: '0' })).status).toBe(201);
    expect((await call('POST', '/v1/top-ups', 'operator', { topUpId: `seed-${a}`, account: a, amount: '5000' })).status).toBe(201);
  }
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => auditServer.close(resolve));
  await store.close();
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  await pool.end();
  await lut.close();
  rmSync(keyDir, { recursive: true, force: true });
});

describe(`campus value on the ${lut.kind} ledger: points as a tender`, () => {
  it('earns, spends offline, compensates the merchant, lapses by policy, and rolls forward exactly', async () => {
    // One point per minor unit earned; a sale paid in points costs one point per minor unit; points lapse 2 days after their day.
    const policy = await call('PUT', '/v1/points-policy', 'finance', { ratePerMille: 1000, multipliers: {}, dailyCap: '100000', redeemPointsPerMille: 1000, expiryDays: 2 });
    expect(policy.status).toBe(200);
    const before = await rollForward();
    expect(before.reconciled).toBe(true);

    // Earning: ann buys for 3000 now; cat bought for 400 three days ago (the terminal uploads late).
    const annWallet = medium(ann);
    const catWallet = medium(cat, NOW - 5 * DAY);
    const earnAt = NOW - 60_000;
    const catAt = NOW - 3 * DAY;
    const earned = await settle([pos.record(earnAt, '3000', 'code', annWallet.payCode(earnAt - 1000)), pos.record(catAt, '400', 'code', catWallet.payCode(catAt - 1000))]);
    expect(earned.map((o) => o.code)).toEqual(['settled', 'settled']);
    expect((await call('GET', `/v1/accounts/${ann}`, 'auditor')).body.points).toBe('3000');

    // Expiry by policy: cat's points were earned three days ago and lapse; ann's are young. An unknown account refuses the whole list and changes nothing.
    expect((await call('POST', '/v1/points/expiries', 'finance', { accounts: [cat, `${P}-nobody`] })).body.code).toBe('NOT_FOUND');
    expect((await call('GET', `/v1/accounts/${cat}`, 'auditor')).body.points).toBe('400');
    const lapsed = await call('POST', '/v1/points/expiries', 'finance', { accounts: [ann, cat] });
    expect(lapsed.status).toBe(200);
    expect(lapsed.body.result).toMatchObject({ accounts: 2, expired: [{ account: cat, points: '400' }] });
    expect((await call('GET', `/v1/accounts/${cat}`, 'auditor')).body.points).toBe('0');
    expect((await call('POST', '/v1/points/expiries', 'operator', { accounts: [ann] })).status).toBe(403);

    // Spending, offline: ann pays 1200 in points (her signed code names the tender); ben, with no
    // points, pays 700 in points and is charged money instead; a record that claims points for a
    // code signed for money is rejected.
    const benWallet = medium(ben);
    const at = NOW - 30_000;
    const spent = await settle([
      pos.record(at, '1200', 'code', annWallet.pointsCode(at - 1000), 0, undefined, 'points'),
      pos.record(at + 1, '700', 'code', benWallet.pointsCode(at - 1000), 0, undefined, 'points'),
      pos.record(at + 2, '100', 'code', annWallet.payCode(at - 1000), 0, undefined, 'points'),
    ]);
    expect(spent.map((o) => [o.code, o.reason])).toEqual([['settled', undefined], ['settled', undefined], ['rejected', 'TENDER_MISMATCH']]);
    const annSale = await call('GET', `/v1/payments/${spent[0]?.paymentId ?? ''}`, 'auditor');
    expect(annSale.body.funding).toMatchObject({ kind: 'points', redeemed: '1200', wallet: '0', credit: '0', advance: '0', points: '0', flags: [] });
    const benSale = await call('GET', `/v1/payments/${spent[1]?.paymentId ?? ''}`, 'auditor');
    expect(benSale.body.funding).toMatchObject({ kind: 'wallet', wallet: '700', points: '0', flags: ['points-short'] });
    expect((await call('GET', `/v1/accounts/${ann}`, 'auditor')).body).toMatchObject({ points: '1800', wallet: '2000' });
    expect((await call('GET', `/v1/accounts/${ben}`, 'auditor')).body).toMatchObject({ points: '0', wallet: '4300' });

    // The merchant is owed every price, whoever paid: 3000 + 400 + 1200 + 700.
    const owed = (await call('GET', '/v1/merchant-balances', 'auditor')).body.merchants as { merchantId: string; owed: string }[];
    expect(owed.find((m) => m.merchantId === merchant)?.owed).toBe('5300');

    // The roll-forward: this file's movements, exactly; the journal reconciles to every posting and to the accounts.
    const after = await rollForward();
    expect(after.reconciled).toBe(true);
    const delta = (k: string): string => (n(after[k]) - n(before[k])).toString();
    expect(['issued', 'redeemed', 'expired', 'compensated'].map(delta)).toEqual(['3400', '1200', '400', '1200']);
    expect(n(after.closing)).toBe(n(after.opening) + n(after.issued) - n(after.redeemed) - n(after.expired));
    expect(after.closing).toBe((after.ledger as Body).outstanding);
    // A later period opens where this one closed.
    expect((await rollForward(utcDay(NOW + 3 * DAY), utcDay(NOW + 4 * DAY))).opening).toBe(after.closing);
    const csv = await call('GET', `/v1/points/roll-forward?from=${FROM}&to=${TO}&format=csv`, 'finance');
    const lines = csv.text.split('\r\n').filter((l) => l !== '');
    expect(lines[0]).toBe('from,to,line,unit,amount,reconciled');
    expect(lines.slice(1).map((l) => l.split(',').slice(2, 5).join(','))).toEqual([
      `opening,points,${String(after.opening)}`, `issued,points,${String(after.issued)}`, `redeemed,points,-${String(after.redeemed)}`,
      `expired,points,-${String(after.expired)}`, `closing,points,${String(after.closing)}`, `compensated,minor,${String(after.compensated)}`,
    ]);
    expect((await call('GET', '/v1/invariant', 'auditor')).body.ok).toBe(true);
  });

  it('refuses a roll-forward of a malformed period with INVALID_FIELD, and a sale in points when the policy sets no redemption rate', async () => {
    expect((await call('GET', `/v1/points/roll-forward?from=${TO}&to=${FROM}`, 'auditor')).body.code).toBe('INVALID_FIELD');
    expect((await call('GET', '/v1/points/roll-forward?from=2026-02-30&to=2026-03-01', 'auditor')).body.code).toBe('INVALID_FIELD');
    expect((await call('GET', '/v1/points/roll-forward?from=2026-03-01', 'auditor')).status).toBe(400);
    expect((await call('PUT', '/v1/points-policy', 'finance', { ratePerMille: 1000, multipliers: {}, dailyCap: '100000', expiryDays: 0 })).body.code).toBe('INTEGER_OUT_OF_RANGE');
    expect((await call('PUT', '/v1/points-policy', 'finance', { ratePerMille: 1000, multipliers: {}, dailyCap: '100000' })).status).toBe(200);
    const at = NOW - 20_000;
    const outcomes = await settle([pos.record(at, '100', 'code', medium(ann).pointsCode(at - 1000, 60_000, 50), 0, undefined, 'points')]);
    expect(outcomes.map((o) => [o.code, o.reason])).toEqual([['rejected', 'POINTS_NOT_REDEEMABLE']]);
    expect((await call('GET', `/v1/accounts/${ann}`, 'auditor')).body).toMatchObject({ points: '1800' });
  });
});

describe(`a clearance record anyone can verify, on the ${lut.kind} ledger`, () => {
  const dan = `${P}-dan`;
  const verify = (record: unknown): Promise<{ status: number; body: Body; text: string }> => call('POST', '/v1/clearance-records/verify', undefined, record, auditBase);

  it("is issued by the registrar, shows only the claims the graduate chooses, verifies at AuditOrg's gateway (and with stock tools), and is refused once one byte changes or it is revoked", async () => {
    expect((await call('POST', '/v1/accounts', 'finance', { account: dan, group: 'g-2026', creditLine: '0' })).status).toBe(201);
    expect((await call('POST', `/v1/clearances/${dan}/record`, 'registrar')).body.code).toBe('WRONG_ACCOUNT_STATE');
    expect((await call('POST', `/v1/clearances/${dan}/begin`, 'registrar')).status).toBe(200);
    const done = await call('POST', `/v1/clearances/${dan}/complete`, 'registrar', { resolutions: [] });
    expect(done.status).toBe(200);
    const issued = await call('POST', `/v1/clearances/${dan}/record`, 'registrar');
    expect(issued.status).toBe(201);
    const result = issued.body.result as { id: string; issuer: string; claims: string[]; disclosures: { name: string; value: string }[] };
    expect(result.id).toBe(issued.body.txId);
    expect(result.issuer).toBe('CampusMSP');
    expect(result.claims).toHaveLength(4);
    expect(Object.fromEntries(result.disclosures.map((d) => [d.name, d.value]))).toEqual({
      account: dan, clearedOn: new Date(Number((done.body.result as Body).at)).toISOString().slice(0, 10), debtLeft: '0', closingTx: done.body.txId,
    });
    // A second record while one is live is refused.
    expect((await call('POST', `/v1/clearances/${dan}/record`, 'registrar')).body.code).toBe('ALREADY_EXISTS');

    // The graduate shows the employer the account, the day and that nothing is owed, not the closing transaction.
    const record = (await call('GET', `/v1/clearances/${dan}/record?show=account,clearedOn,debtLeft`, 'registrar')).body;
    expect((record.disclosures as { name: string }[]).map((d) => d.name)).toEqual(['account', 'clearedOn', 'debtLeft']);
    expect((await call('GET', `/v1/clearances/${dan}/record?show=grades`, 'registrar')).body.code).toBe('INVALID_FIELD');
    const ok = await verify(record);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ valid: true, id: result.id, issuer: 'CampusMSP', claims: { account: dan, debtLeft: '0' }, hidden: ['closingTx'] });
    if (lut.kind === 'fabric') {
      // Without our code: Fabric's CLI as AuditOrg's admin against AuditOrg's peer, configtxlator, jq and sha256sum.
      const text = JSON.stringify(record).replace(/'/g, `'\\''`);
      const out = await runProofCommands([`printf '%s' '${text}' > record.json`, ...(ok.body.stockTools as string[])]);
      expect(out[1]?.trim().split('\n')).toEqual(['true', 'CampusMSP']);
      expect(out[2]?.trim().split('\n')).toEqual([`vouched account.${dan}`, `vouched clearedOn.${String(ok.body.claims && (ok.body.claims as Body).clearedOn)}`, 'vouched debtLeft.0']);
      expect(out[3]?.trim()).toBe('valid');
      const forged = JSON.stringify({ ...record, disclosures: (record.disclosures as { name: string; value: string; salt: string }[]).map((d) => (d.name === 'debtLeft' ? { ...d, value: '1' } : d)) }).replace(/'/g, `'\\''`);
      const outForged = await runProofCommands([`printf '%s' '${forged}' > record.json`, ...(ok.body.stockTools as string[])]);
      expect(outForged[2]).toContain('NOT VOUCHED debtLeft.1');
    } else expect(ok.body.stockTools).toBeNull();

    // One byte changed anywhere it matters: refused, each time with the same stable code.
    const text = JSON.stringify(record);
    const flip = (from: string, to: string): unknown => {
      expect(text.includes(from) && from.length === to.length).toBe(true);
      return JSON.parse(text.replace(from, to)) as unknown;
    };
    const salt = (record.disclosures as { salt: string }[])[0]?.salt ?? '';
    const last = (v: string): string => `${v.slice(0, -1)}${v.endsWith('0') ? '1' : '0'}`;
    const altered = [
      flip('"value":"0"', '"value":"1"'),
      flip(salt, last(salt)),
      flip(`"id":"${result.id}"`, `"id":"${last(result.id)}"`),
      flip('"issuer":"CampusMSP"', '"issuer":"CampusMSQ"'),
      flip(`"value":"${dan}"`, `"value":"${last(dan)}"`),
    ];
    for (const forged of altered) expect((await verify(forged)).body.code).toBe('CLEARANCE_RECORD_INVALID');
    expect((await verify({ ...record, extra: 1 })).body.code).toBe('UNKNOWN_FIELD');

    // Revoked: genuine, but refused from then on, with when and why.
    expect((await call('POST', `/v1/clearance-records/${result.id}/revocation`, 'registrar', { reason: 'issued in error' })).status).toBe(200);
    const revoked = await verify(record);
    expect([revoked.status, revoked.body.code]).toEqual([422, 'CLEARANCE_RECORD_REVOKED']);
    expect(String(revoked.body.detail)).toContain('issued in error');
    // A new one can then be issued, and verifies.
    const again = await call('POST', `/v1/clearances/${dan}/record`, 'registrar');
    expect(again.status).toBe(201);
    expect((await verify((await call('GET', `/v1/clearances/${dan}/record`, 'registrar')).body)).body).toMatchObject({ valid: true, hidden: [] });
  });
});

describe(`the card's electronic purse, on the ${lut.kind} ledger`, () => {
  const pos2 = Terminal.generate(`${P}-pos2`, 'EdDSA');
  const owner = `${P}-fay`;
  const card = (n: string, account = owner): PurseCard => PurseCard.issue(issuer, {
    mediaId: `p-${P}-${n}`, account, group: 'g-2026', capPerPayment: '5000', capTotal: '500000', ctrFrom: 1, ctrTo: 100000, nbf: NOW - DAY, exp: NOW + DAY,
  });
  const purse = async (c: PurseCard): Promise<Body> => (await call('GET', `/v1/purses/${c.mediaId}`, 'auditor')).body;
  let nonce = 0;
  const buy = (c: PurseCard, t: ReturnType<typeof Terminal.generate>, amount: string, at: number): ReturnType<typeof pos.record> => {
    nonce += 1;
    return t.record(at, amount, 'purse', c.purchase(amount, t.terminalId, t.heads().seq + 1, `nonce-${String(nonce).padStart(6, '0')}`, at - 500));
  };
  /** Uploads one batch of a terminal (a second terminal uploads through the same gateway), settles and folds it. */
  const settleOn = async (t: ReturnType<typeof Terminal.generate>, records: ReturnType<typeof pos.record>[]): Promise<{ code: string; paymentId: string; reason?: string }[]> => {
    const up = await call('POST', '/v1/batches', undefined, { batch: t.batch(records) });
    expect(up.status).toBe(202);
    await worker.drain();
    const done = await call('GET', `/v1/batches/${String(up.body.receipt)}`, 'auditor');
    if (done.body.status !== 'settled') throw new Error(JSON.stringify(done.body));
    return (done.body.result as { outcomes: { code: string; paymentId: string; reason?: string }[] }).outcomes;
  };

  beforeAll(async () => {
    expect((await call('POST', '/v1/terminals', 'operator', { terminalId: pos2.terminalId, merchantId: merchant, publicKey: pos2.key.jwk })).status).toBe(201);
    expect((await call('POST', '/v1/accounts', 'finance', { account: owner, group: 'g-2026', creditLine: '0' })).status).toBe(201);
    expect((await call('POST', '/v1/top-ups', 'operator', { topUpId: `seed-${owner}`, account: owner, amount: '10000' })).status).toBe(201);
  });

  it('is loaded online, spent offline at two terminals, uploaded out of order, and reconciled', async () => {
    const c = card('main');
    const load = await call('POST', '/v1/purse-loads', 'operator', { loadId: `${P}-load-1`, certificate: c.cert, amount: '3000' });
    expect(load.status).toBe(201);
    expect(load.body.result).toMatchObject({ mediaId: c.mediaId, account: owner, loadCtr: 1, amount: '3000', balance: '3000' });
    c.load(String(load.body.authorisation), loadKey.publicJwk);
    expect(c.state()).toEqual({ balance: '3000', ctr: 0, loadCtr: 1 });
    // The same load again answers the original; its fresh authorisation is for a counter the card already passed.
    const again = await call('POST', '/v1/purse-loads', 'operator', { loadId: `${P}-load-1`, certificate: c.cert, amount: '3000' });
    expect((again.body.result as Body).replayed).toBe(true);
    expect(() => {
      c.load(String(again.body.authorisation), loadKey.publicJwk);
    }).toThrow(/load counter 1/);
    expect((await call('POST', '/v1/purse-loads', 'operator', { loadId: `${P}-load-big`, certificate: c.cert, amount: '9000' })).body.code).toBe('INSUFFICIENT_FUNDS');
    expect((await call('GET', `/v1/accounts/${owner}`, 'auditor')).body.wallet).toBe('7000');

    // Offline: 800 at the first terminal, 500 at the second, 300 at the first; the card refuses what it cannot cover.
    const at = NOW - 60_000;
    const p1 = buy(c, pos, '800', at);
    const p2 = buy(c, pos2, '500', at + 1000);
    const p3 = buy(c, pos, '300', at + 2000);
    expect(() => c.purchase('1401', pos.terminalId, 99, 'nonce-refused', at)).toThrow(/purse holds 1400/);
    // The second terminal uploads first: purchase 2 waits for purchase 1.
    expect((await settleOn(pos2, [p2])).map((o) => o.code)).toEqual(['settled']);
    expect(await purse(c)).toMatchObject({ balance: '3000', nextCtr: 1, held: [{ ctr: 2, amount: '500' }] });
    expect((await call('GET', '/v1/invariant', 'auditor')).body.ok).toBe(true);
    const outcomes = await settleOn(pos, [p1, p3]);
    expect(outcomes.map((o) => o.code)).toEqual(['settled', 'settled']);
    expect(await purse(c)).toMatchObject({ balance: '1400', nextCtr: 4, held: [] });
    expect(c.state().balance).toBe('1400');
    const paid = await call('GET', `/v1/payments/${outcomes[0]?.paymentId ?? ''}`, 'auditor');
    expect(paid.body.funding).toMatchObject({ kind: 'purse', purse: '800', wallet: '0', advance: '0' });
    const inv = (await call('GET', '/v1/invariant', 'auditor')).body;
    expect([inv.ok, inv.mismatches]).toEqual([true, []]);

    // A torn tap: the card signed 200 at the first terminal, which never got it; on the card's next tap it reads the card's log.
    const torn = c.purchase('200', pos.terminalId, pos.heads().seq + 1, 'nonce-torn-01', at + 3000);
    expect(torn).toBeDefined();
    const log = c.lastPurchases();
    expect(log.at(-1)).toBe(torn);
    const recovered = pos.record(at + 3000, '200', 'purse', log.at(-1));
    const next = buy(c, pos, '100', at + 4000);
    expect((await settleOn(pos, [recovered, next])).map((o) => o.code)).toEqual(['settled', 'settled']);
    expect(await purse(c)).toMatchObject({ balance: '1100', nextCtr: 6 });
    // The same purchase uploaded again, in another record of its terminal: a duplicate of the payment, paid once.
    const twice = await settleOn(pos, [pos.record(at + 3000, '200', 'purse', torn)]);
    expect(twice.map((o) => [o.code, o.paymentId])).toEqual([['duplicate', recovered.terminalId + ':' + String(recovered.seq)]]);
    expect(await purse(c)).toMatchObject({ balance: '1100', nextCtr: 6 });
    // At another terminal than the card signed for, it is refused.
    expect((await settleOn(pos2, [pos2.record(at + 3000, '200', 'purse', torn)])).map((o) => [o.code, o.reason])).toEqual([['rejected', 'PURSE_SALE_MISMATCH']]);
  });

  it("finds a cloned card's purchase and a tampered purse, opens a case and deny-lists each card; the guarantee fund pays, no student is charged", async () => {
    const at = NOW - 50_000;
    const original = card('clone');
    const l1 = await call('POST', '/v1/purse-loads', 'operator', { loadId: `${P}-load-clone`, certificate: original.cert, amount: '1000' });
    original.load(String(l1.body.authorisation), loadKey.publicJwk);
    const copy = original.cloneCard();
    const genuine = buy(original, pos, '300', at);
    const cloned = buy(copy, pos2, '400', at + 10);
    expect((await settleOn(pos, [genuine])).map((o) => o.code)).toEqual(['settled']);
    const clone = await settleOn(pos2, [cloned]);
    expect(clone.map((o) => o.code)).toEqual(['double-spend']);
    const clonePaid = (await call('GET', `/v1/payments/${clone[0]?.paymentId ?? ''}`, 'auditor')).body;
    expect(clonePaid.funding).toMatchObject({ kind: 'advance', advance: '400', flags: ['purse-clone'] });
    const wallet = (await call('GET', `/v1/accounts/${owner}`, 'auditor')).body;
    expect(wallet.advance).toBe('0');
    const cases = (await call('GET', '/v1/fraud-cases', 'auditor')).body as unknown as Body[];
    expect(cases.filter((k) => k.mediaId === original.mediaId).map((k) => k.kind)).toEqual(['purse-clone']);
    expect(await purse(original)).toMatchObject({ balance: '700', nextCtr: 2 });
    expect((await call('POST', '/v1/purse-loads', 'operator', { loadId: `${P}-load-clone-2`, certificate: original.cert, amount: '100' })).body.code).toBe('WRONG_ACCOUNT_STATE');

    const forged = card('tamper');
    const l2 = await call('POST', '/v1/purse-loads', 'operator', { loadId: `${P}-load-tamper`, certificate: forged.cert, amount: '1000' });
    forged.load(String(l2.body.authorisation), loadKey.publicJwk);
    forged.tamper('5000');
    const t = await settleOn(pos, [buy(forged, pos, '2000', at + 20)]);
    expect(t.map((o) => o.code)).toEqual(['settled']);
    expect((await call('GET', `/v1/payments/${t[0]?.paymentId ?? ''}`, 'auditor')).body.funding).toMatchObject({ kind: 'advance', flags: ['purse-tampered'] });
    expect(await purse(forged)).toMatchObject({ balance: '1000' });
    const tampered = ((await call('GET', '/v1/fraud-cases', 'auditor')).body as unknown as Body[]).filter((k) => k.mediaId === forged.mediaId);
    expect(tampered.map((k) => k.kind)).toEqual(['purse-tampered']);
    expect((await call('GET', '/v1/invariant', 'auditor')).body.ok).toBe(true);
    // Both cards are on the deny list terminals sync, each at a version of its own.
    const deny = (await call('GET', '/v1/deny-list?since=0', 'operator')).body;
    const listed = (deny.entries as { id: string; kind: string; version: number }[]).filter((e) => e.id === original.mediaId || e.id === forged.mediaId);
    expect(listed.map((e) => [e.id, e.kind]).sort()).toEqual([[original.mediaId, 'medium'], [forged.mediaId, 'medium']].sort());
  });

  it("refunds a lost card's purse after the wait, once the purchases still arriving are settled", async () => {
    const at = NOW - 40_000;
    const c = card('lost');
    const l = await call('POST', '/v1/purse-loads', 'operator', { loadId: `${P}-load-lost`, certificate: c.cert, amount: '1000' });
    c.load(String(l.body.authorisation), loadKey.publicJwk);
    const before = BigInt(String((await call('GET', `/v1/accounts/${owner}`, 'auditor')).body.wallet));
    // Spent offline at a terminal that has not uploaded yet; then the card is lost.
    const late = buy(c, pos2, '300', at);
    expect((await call('POST', `/v1/purses/${c.mediaId}/refund`, 'operator', {})).body.code).toBe('WRONG_ACCOUNT_STATE');
    expect((await call('POST', `/v1/media/${c.mediaId}/lost`, 'operator', { reason: 'lost at the library' })).status).toBe(200);
    const early = await call('POST', `/v1/purses/${c.mediaId}/refund`, 'operator', {});
    expect([early.body.code, String(early.body.detail)]).toEqual(['WRONG_ACCOUNT_STATE', expect.stringContaining('after its loss report')]);
    // The wait is over (shortened by policy for the test) and the terminal that was offline uploads: the purchase is settled first.
    expect((await call('PUT', '/v1/risk-policy', 'operator', { maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900, purseRefundWaitMs: 1 })).status).toBe(200);
    expect((await settleOn(pos2, [late])).map((o) => o.code)).toEqual(['settled']);
    const refund = await call('POST', `/v1/purses/${c.mediaId}/refund`, 'operator', {});
    expect(refund.status).toBe(200);
    expect(refund.body.result).toMatchObject({ mediaId: c.mediaId, account: owner, refunded: '700' });
    expect(BigInt(String((await call('GET', `/v1/accounts/${owner}`, 'auditor')).body.wallet))).toBe(before + 700n);
    expect(await purse(c)).toMatchObject({ balance: '0', refunded: { amount: '700' } });
    expect((await call('POST', `/v1/purses/${c.mediaId}/refund`, 'operator', {})).body.code).toBe('ALREADY_EXISTS');
    expect((await call('GET', '/v1/invariant', 'auditor')).body.ok).toBe(true);
    expect((await call('PUT', '/v1/risk-policy', 'operator', { maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900 })).status).toBe(200);
  });
});
