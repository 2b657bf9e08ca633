/**
 * The issuing side's work on the ledger (the IssuanceContract's transactions check the caller's
 * role, then ask here): agreements, certificates recorded in groups, loss reports, exposure.
 */
import type { MediaKind } from '../core/media-cert';
import { Amount } from '../core/amount';
import { canonicalJson } from '../core/canonical-json';
import { sha256Hex } from '../core/encoding';
import { DomainError } from '../core/errors';
import { FieldReader, isJsonObject } from '../core/fields';
import { parseAccountId, parseKeyId, parseMediaId, type AccountId, type KeyId, type MediaId } from '../core/ids';
import { parseIssuerKey, type IssuerKey } from '../core/issuer-key';
import { verifyKeyOf } from '../core/jwk';
import { assertJws, decodeJws } from '../core/jws';
import { parseMediaCert } from '../core/media-cert';
import type { RiskPolicy } from '../core/risk-policy';
import { parseStrictJson, type JsonValue } from '../core/strict-json';
import { mediaIdOfKey, openSelfSigned, parseAgreementAcceptance } from '../core/wallet-docs';
import { mediumOf, type AccountState, type MediumState } from '../settlement/account';
import { exposureOf, holdQuote, quoteCertificate, recordCertificate, revokeCertificates } from '../settlement/issuance';
import { accountFromJson, certRecordToJson, pad } from './codec';
import { K } from './keys';
import { txTime, type Ledger } from './ledger-records';

/** Most entries one group (a quote or a record) carries: 500 keeps a transaction's write set near a few MB. */
export const MAX_ISSUANCE_GROUP = 500;
/** How far from the ledger's time a signed acceptance may be dated. */
const ACCEPTANCE_WINDOW_MS = 86_400_000;

/** The agreement text in force, as the ledger keeps it. */
export interface AgreementText {
  readonly version: number;
  readonly textHash: string;
  readonly text: string;
}

/** Issuer keys as node:crypto key objects, by their JWK: a group verifies hundreds of certificates under one key (bounded: a few keys exist). */
const issuerVerifyKeys = new Map<string, ReturnType<typeof verifyKeyOf>>();
function issuerVerifyKey(jwk: Parameters<typeof verifyKeyOf>[0]): ReturnType<typeof verifyKeyOf> {
  const id = canonicalJson({ ...jwk });
  let key = issuerVerifyKeys.get(id);
  if (key === undefined) {
    if (issuerVerifyKeys.size >= 64) issuerVerifyKeys.clear();
    key = verifyKeyOf(jwk);
    issuerVerifyKeys.set(id, key);
  }
  return key;
}

/** Parses a JSON array argument of at most MAX_ISSUANCE_GROUP entries. */
export function parseGroup(text: string, what: string): JsonValue[] {
  if (typeof text !== 'string') throw new DomainError('INVALID_FIELD', `${what} must be a JSON string`);
  const list = parseStrictJson(text, { maxBytes: 8 * 1024 * 1024 });
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ISSUANCE_GROUP) {
    throw new DomainError('INVALID_FIELD', `${what} must be an array of 1-${MAX_ISSUANCE_GROUP} entries`, { field: what, limit: String(MAX_ISSUANCE_GROUP) });
  }
  return list;
}

/** The agreement text in force, or undefined before the operator set one. */
export async function agreementText(ledger: Ledger): Promise<AgreementText | undefined> {
  return ledger.read(K.config, ['agreement'], (v) => {
    const r = FieldReader.of(v, 'agreementText', ['version', 'textHash', 'text']);
    return { version: r.int('version'), textHash: r.string('textHash', /^[0-9a-f]{64}$/, 'a digest'), text: r.string('text', /^[\s\S]{1,32768}$/, 'a text') };
  });
}

/** A refusal of one entry: its code and words, the others in the group go on. */
const refusal = (error: unknown): JsonValue => {
  if (error instanceof DomainError) return { refused: { code: error.code, message: error.message } };
  throw error;
};

/** The accounts a group touches, each read once and written once at the end (read, decide, write). */
class AccountsInGroup {
  private readonly seen = new Map<AccountId, AccountState>();
  private readonly changed = new Set<AccountId>();
  /** `view`: a query, reading accounts as readers see them; `write`: folding each first (Ledger.account). */
  constructor(private readonly ledger: Ledger, private readonly mode: 'view' | 'write') {}

  async get(id: AccountId): Promise<AccountState> {
    const known = this.seen.get(id);
    if (known !== undefined) return known;
    const a = await (this.mode === 'view' ? this.ledger.accountView(id) : this.ledger.account(id));
    this.seen.set(id, a);
    return a;
  }

  set(a: AccountState): void {
    this.seen.set(a.id, a);
    this.changed.add(a.id);
  }

  async writeAll(): Promise<void> {
    await Promise.all([...this.changed].map((id) => {
      const a = this.seen.get(id);
      return a === undefined ? Promise.resolve() : this.ledger.putAccount(a);
    }));
  }
}

/** Issuer keys a group names, each read once (state calls cost more than crypto in Node chaincode: DESIGN §7). */
class IssuerKeysInGroup {
  private readonly seen = new Map<string, IssuerKey | undefined>();
  constructor(private readonly ledger: Ledger) {}

  async get(keyId: KeyId): Promise<IssuerKey | undefined> {
    if (!this.seen.has(keyId)) this.seen.set(keyId, await this.ledger.read(K.issuer, [keyId], parseIssuerKey));
    return this.seen.get(keyId);
  }
}

/** Quotes a group of certificates (a query: nothing is written), in order, each against the account as the earlier ones left it. */
export async function quoteGroup(ledger: Ledger, requests: readonly JsonValue[]): Promise<JsonValue[]> {
  const [policy, now] = [await ledger.riskPolicy(), txTime(ledger.ctx)];
  const accounts = new AccountsInGroup(ledger, 'view');
  const out: JsonValue[] = [];
  for (const request of requests) {
    try {
      const r = FieldReader.of(request, 'request', ['account', 'mediaId']);
      const a = await accounts.get(r.parsed('account', parseAccountId));
      const mediaId = r.parsed('mediaId', parseMediaId);
      const q = quoteCertificate(a, mediaId, policy, now);
      if (!q.ok) throw new DomainError(q.code, q.message);
      const quote = q.quote;
      out.push({ account: a.id, group: a.group, mediaId, capTotal: quote.capTotal.toString(), capPerPayment: quote.capPerPayment.toString(), ctrFrom: quote.ctrFrom, ctrTo: quote.ctrTo, nbf: quote.nbf, exp: quote.exp });
      // The next request of the same account in this group sees this one's exposure and counters.
      accounts.set(holdQuote(a, mediaId, quote, now));
    } catch (error) {
      out.push(refusal(error));
    }
  }
  return out;
}

/** Records a group of agreements and certificates in one transaction, in order; a refused entry writes nothing of its own. */
export async function recordGroup(ledger: Ledger, entries: readonly JsonValue[]): Promise<JsonValue[]> {
  const [text, now] = [await agreementText(ledger), txTime(ledger.ctx)];
  // The risk policy's limits matter to certificates only: a group of agreements needs none set.
  const hasCertificates = entries.some((e) => isJsonObject(e) && e.certificate !== undefined);
  const policy = hasCertificates ? await ledger.riskPolicy() : undefined;
  const accounts = new AccountsInGroup(ledger, 'write');
  const issuerKeys = new IssuerKeysInGroup(ledger);
  const out: JsonValue[] = [];
  for (const entry of entries) {
    try {
      const r = FieldReader.of(entry, 'entry', [], ['agreement', 'certificate']);
      if (r.has('agreement') === r.has('certificate')) throw new DomainError('INVALID_FIELD', 'an entry is {agreement} or {certificate}', { field: 'entry' });
      out.push(r.has('agreement')
        ? await recordAgreement(ledger, accounts, r.raw('agreement'), text, now)
        : await recordCert(ledger, accounts, issuerKeys, r.raw('certificate'), policy ?? await ledger.riskPolicy(), now));
    } catch (error) {
      out.push(refusal(error));
    }
  }
  await accounts.writeAll();
  return out;
}

async function recordAgreement(ledger: Ledger, accounts: AccountsInGroup, jws: JsonValue | undefined, text: AgreementText | undefined, now: number): Promise<JsonValue> {
  const { doc, digest } = openSelfSigned(jws, parseAgreementAcceptance, 'agreement acceptance');
  if (text === undefined) throw new DomainError('NOT_FOUND', 'no agreement text has been set');
  if (doc.version !== text.version || doc.textHash !== text.textHash) {
    throw new DomainError('AGREEMENT_OUTDATED', `acceptance of version ${doc.version} (${doc.textHash.slice(0, 12)}…); version ${text.version} is in force`);
  }
  if (Math.abs(now - doc.iat) > ACCEPTANCE_WINDOW_MS) throw new DomainError('STALE_REQUEST', 'the acceptance is dated more than a day from the ledger time; sign it again');
  const a = await accounts.get(doc.account);
  if (a.status !== 'active') throw new DomainError('ACCOUNT_DENIED', `account ${a.id} is ${a.status}`);
  accounts.set({ ...a, agreement: { version: doc.version, textHash: doc.textHash, acceptedAt: now, status: 'live' } });
  const record = { account: a.id, version: doc.version, textHash: doc.textHash, acceptedAt: now, digest, jwk: { ...doc.jwk }, acceptance: typeof jws === 'string' ? jws : '', txId: ledger.ctx.stub.getTxID() };
  await ledger.write(K.agreement, [a.id, pad(now), digest.slice(0, 16)], record);
  await ledger.write(K.liveAgreement, [a.id], { account: a.id, version: doc.version, acceptedAt: now });
  return { recorded: 'agreement', account: a.id, version: doc.version, acceptedAt: now };
}

async function recordCert(ledger: Ledger, accounts: AccountsInGroup, issuerKeys: IssuerKeysInGroup, compact: JsonValue | undefined, policy: RiskPolicy, now: number): Promise<JsonValue> {
  const jws = decodeJws(compact);
  if (jws.kid === undefined) throw new DomainError('INVALID_FIELD', 'a certificate names its issuer key in kid', { field: 'kid' });
  const keyId = parseKeyId(jws.kid);
  const key = await issuerKeys.get(keyId);
  if (key === undefined) throw new DomainError('NOT_FOUND', `issuer key ${keyId} is not registered`);
  assertJws(jws, issuerVerifyKey(key.publicKey), 'certificate');
  const cert = parseMediaCert(jws.payload);
  // The registered key's validity is honoured: it certifies only within its own window, while active.
  if (key.status !== 'active' || cert.nbf < key.validFrom || cert.exp > key.validTo) {
    throw new DomainError('ACCESS_DENIED', `issuer key ${keyId} is ${key.status} and valid ${key.validFrom}..${key.validTo}; the certificate runs ${cert.nbf}..${cert.exp}`);
  }
  if (cert.mediaId !== mediaIdOfKey(cert.jwk, cert.kind)) throw new DomainError('INVALID_FIELD', 'mediaId must be the key\'s: w- or c- and its RFC 7638 thumbprint', { field: 'mediaId' });
  const a = await accounts.get(cert.account);
  if (mediumOf(a, cert.mediaId) === undefined) await claimMedium(ledger, cert.mediaId, a.id, cert.kind);
  const digest = sha256Hex(jws.payloadBytes);
  const recorded = recordCertificate(a, { ...cert, keyId, digest }, policy, now);
  if (!recorded.ok) throw new DomainError(recorded.code, recorded.message);
  accounts.set(recorded.account);
  return { recorded: 'certificate', account: a.id, mediaId: cert.mediaId, ctrFrom: cert.ctrFrom, ctrTo: cert.ctrTo, capTotal: cert.capTotal.toString(), digest };
}

/** One key is one medium of one account for ever: the index refuses a second account. */
export async function claimMedium(ledger: Ledger, mediaId: MediaId, account: AccountId, kind: MediaKind): Promise<void> {
  const owner = await ledger.read(K.mediaIndex, [mediaId], (v) => (isJsonObject(v) && typeof v.account === 'string' ? v.account : ''));
  if (owner !== undefined && owner !== account) throw new DomainError('MEDIUM_OF_ANOTHER_ACCOUNT', `medium ${mediaId} belongs to another account`);
  if (owner === undefined) await ledger.write(K.mediaIndex, [mediaId], { mediaId, account, kind });
}

/** The account a medium belongs to. */
export async function ownerOf(ledger: Ledger, mediaId: MediaId): Promise<AccountId> {
  const owner = await ledger.read(K.mediaIndex, [mediaId], (v) => (isJsonObject(v) && typeof v.account === 'string' ? parseAccountId(v.account) : undefined));
  if (owner === undefined) throw new DomainError('NOT_FOUND', `no medium ${mediaId} was ever certified`);
  return owner;
}

/** Deny-lists media of one account in one transaction, each its own version; answers the last version. */
async function denyMedia(ledger: Ledger, a: AccountState, mediaIds: readonly MediaId[], reason: string, lost?: { at: number; by: string; reason: string }): Promise<{ account: AccountState; version: number }> {
  let version = await ledger.denyVersion();
  const media: Record<string, MediumState> = { ...a.media };
  for (const id of mediaIds) {
    const m = mediumOf(a, id) ?? { used: {}, spent: {} };
    const denied = m.deniedAt === undefined;
    if (denied) version += 1;
    media[id] = { ...revokeCertificates(m), ...(denied ? { deniedAt: version } : {}), ...(lost === undefined ? {} : { lost }) };
    if (denied) await ledger.write(K.deny, [pad(version)], { version, kind: 'medium', id, reason, at: txTime(ledger.ctx) });
  }
  await ledger.write(K.config, ['denyVersion'], version);
  return { account: { ...a, media }, version };
}

/** What a "found" answer says: the key stays refused. */
const FOUND_NOTE = 'the medium stays refused: its key never comes back; certify a new one';

/** A medium reported lost or found (挂失): lost is deny-listed at once and its certificates revoked. */
export async function reportMedium(ledger: Ledger, report: JsonValue, by: string): Promise<JsonValue> {
  const r = FieldReader.of(report, 'report', ['mediaId', 'status'], ['reason', 'account']);
  const mediaId = r.parsed('mediaId', parseMediaId);
  const status = r.oneOf('status', ['lost', 'found'] as const);
  const reason = r.has('reason') ? r.string('reason', /^[^\p{Cc}]{0,256}$/u, 'at most 256 printable characters') : '';
  const owner = await ownerOf(ledger, mediaId);
  const named = r.has('account') ? r.parsed('account', parseAccountId) : owner;
  if (named !== owner) throw new DomainError('NOT_FOUND', `medium ${mediaId} is not of account ${named}`);
  const a = await ledger.account(owner);
  const at = txTime(ledger.ctx);
  const medium = mediumOf(a, mediaId) ?? { used: {}, spent: {} };
  if (status === 'found') {
    if (medium.lost === undefined) throw new DomainError('WRONG_ACCOUNT_STATE', `medium ${mediaId} was not reported lost`);
    // Found twice: the first record stands, nothing is written again.
    if (medium.found !== undefined) return { mediaId, account: a.id, status: 'found', at: medium.found.at, by: medium.found.by, note: FOUND_NOTE, replayed: true };
    await ledger.putAccount({ ...a, media: { ...a.media, [mediaId]: { ...medium, found: { at, by, reason } } } });
    return { mediaId, account: a.id, status: 'found', at, by, note: FOUND_NOTE };
  }
  if (medium.lost !== undefined) return { mediaId, account: a.id, status: 'lost', at: medium.lost.at, by: medium.lost.by, denyListVersion: medium.deniedAt ?? null, replayed: true };
  const denied = await denyMedia(ledger, a, [mediaId], `reported lost${reason === '' ? '' : `: ${reason}`}`, { at, by, reason });
  await ledger.putAccount(denied.account);
  return { mediaId, account: a.id, status: 'lost', at, by, denyListVersion: mediumOf(denied.account, mediaId)?.deniedAt ?? denied.version };
}

/** Withdraws the agreement: every medium with a live certificate is deny-listed and its certificates revoked. */
export async function withdrawAgreement(ledger: Ledger, account: AccountId): Promise<JsonValue> {
  const a = await ledger.account(account);
  if (a.agreement?.status !== 'live') throw new DomainError('NO_AGREEMENT', `account ${a.id} has no live agreement to withdraw`);
  const at = txTime(ledger.ctx);
  const live = Object.entries(a.media).filter(([, m]) => m.deniedAt === undefined && Object.values(m.certs ?? {}).some((c) => c.status === 'live')).map(([id]) => parseMediaId(id));
  const denied = await denyMedia(ledger, a, live, 'direct-debit agreement withdrawn');
  await ledger.putAccount({ ...denied.account, agreement: { ...a.agreement, status: 'withdrawn', withdrawnAt: at } });
  await ledger.remove(K.liveAgreement, [a.id]);
  return { account: a.id, status: 'withdrawn', at, media: live, denyListVersion: denied.version };
}

/**
 * The accounts whose direct-debit agreement is live, in key order: what a face terminal syncs, since
 * a face is no medium with a certificate and is accepted only for these (docs/wallet.md, "Faces").
 */
export async function faceAgreements(ledger: Ledger): Promise<JsonValue> {
  const accounts = await ledger.all(K.liveAgreement, [], (v) => (isJsonObject(v) && typeof v.account === 'string' ? v.account : ''));
  return { asOf: txTime(ledger.ctx), accounts: accounts.filter((a) => a !== '') };
}

/** An account's media and agreement as the student and the auditors read them. */
export function mediaView(a: AccountState, now: number): JsonValue {
  const media = Object.entries(a.media).filter(([, m]) => m.kind !== undefined || m.certs !== undefined).map(([mediaId, m]) => ({
    mediaId, kind: m.kind ?? null, status: m.lost !== undefined ? 'lost' : m.deniedAt !== undefined ? 'denied' : 'active',
    ...(m.lost === undefined ? {} : { lostAt: m.lost.at, lostBy: m.lost.by }), ...(m.found === undefined ? {} : { foundAt: m.found.at }),
    certificates: Object.entries(m.certs ?? {}).map(([from, c]) => ({
      ctrFrom: Number(from), ...(certRecordToJson(c) as Record<string, JsonValue>), spent: (m.spent[from] ?? Amount.ZERO).toString(), expired: c.exp <= now,
    })),
  }));
  return { account: a.id, agreement: a.agreement === undefined ? null : { ...a.agreement }, exposure: exposureOf(a, now).toString(), media };
}

/** Every account's outstanding offline exposure and the total: an audit figure (DESIGN §11.7). */
export async function exposure(ledger: Ledger): Promise<JsonValue> {
  const now = txTime(ledger.ctx);
  const accounts = await ledger.accountViews();
  let total = Amount.ZERO;
  let certificates = 0;
  const rows: JsonValue[] = [];
  for (const a of accounts) {
    const e = exposureOf(a, now);
    const live = Object.values(a.media).reduce((n, m) => n + Object.values(m.certs ?? {}).filter((c) => c.status === 'live' && c.exp > now).length, 0);
    if (live === 0) continue;
    total = total.add(e);
    certificates += live;
    rows.push({ account: a.id, exposure: e.toString(), liveCertificates: live });
  }
  return { asOf: now, total: total.toString(), accounts: rows.length, liveCertificates: certificates, byAccount: rows };
}

/** The agreement evidence of one account (every acceptance, with its signed JWS). */
export async function agreementHistory(ledger: Ledger, account: string): Promise<string> {
  return canonicalJson(await ledger.all(K.agreement, [parseAccountId(account)], (v) => v));
}

/** Every loss report, newest first: the operator's desk list (who reported which medium of which account, when, why, and if it was found). */
export async function lossReports(ledger: Ledger): Promise<JsonValue> {
  const accounts = await ledger.all(K.account, [], accountFromJson);
  const reports: { at: number; row: JsonValue }[] = [];
  for (const a of accounts) {
    for (const [mediaId, m] of Object.entries(a.media)) {
      if (m.lost === undefined) continue;
      reports.push({ at: m.lost.at, row: {
        mediaId, account: a.id, kind: m.kind ?? null, lostAt: m.lost.at, by: m.lost.by, reason: m.lost.reason, denyListVersion: m.deniedAt ?? null,
        foundAt: m.found?.at ?? null, foundBy: m.found?.by ?? null,
      } });
    }
  }
  return reports.sort((x, y) => y.at - x.at).map((r) => r.row);
}

/** Most an activation code lives: a week from finance's desk to the student's phone. */
export const ACTIVATION_TTL_MS = 7 * 86_400_000;

/**
 * Finance's one-time sign-in codes, by their SHA-256 only (docs/wallet.md, "Signing in"): on the
 * ledger, so the operator's gateway (another organisation's) can check a code finance issued, and
 * auditors see who issued a sign-in for which account. A new code replaces the account's last.
 */
export async function issueActivations(ledger: Ledger, list: readonly JsonValue[], by: string): Promise<JsonValue[]> {
  const at = txTime(ledger.ctx);
  const out: JsonValue[] = [];
  for (const item of list) {
    const r = FieldReader.of(item, 'activation', ['account', 'codeHash']);
    // Only the account's status matters here, and nothing of it is written: read as stored, no fold.
    const a = await ledger.storedAccount(r.parsed('account', parseAccountId));
    if (a.status !== 'active') throw new DomainError('ACCOUNT_DENIED', `account ${a.id} is ${a.status}: no sign-in`);
    const record = { account: a.id, codeHash: r.string('codeHash', /^[0-9a-f]{64}$/, 'a SHA-256 in hex'), issuedAt: at, expiresAt: at + ACTIVATION_TTL_MS, by };
    await ledger.write(K.activation, [a.id], record);
    out.push({ account: a.id, expiresAt: record.expiresAt });
  }
  return out;
}

/** The live activation of an account (its code's hash and expiry), for the gateway that redeems it. */
export async function activationOf(ledger: Ledger, account: string): Promise<JsonValue> {
  const record = await ledger.read(K.activation, [parseAccountId(account)], (v) => v);
  if (record === undefined) throw new DomainError('NOT_FOUND', `no activation code was issued for account ${account}`);
  return record;
}
