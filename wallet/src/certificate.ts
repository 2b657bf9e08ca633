/**
 * The payment certificate: the issuer's JWS over this phone's public key, its medium id, counter
 * range and limits (POST /v1/me/certificates). Kept in IndexedDB; refreshed while online when half
 * its validity or half its counters are gone.
 */
import type { StudentApi } from './api.js';
import { Fields } from './fields.js';
import { jwsPayload, signJws } from './jws.js';
import type { Account } from './account.js';
import { dropKey, ensureKey, type WalletKey } from './keys.js';
import { ProblemError } from './problem.js';
import { load, remove, saveOne } from './store.js';

/** A certificate as the wallet holds it. Amounts are minor-unit strings. */
export interface Certificate {
  readonly account: string;
  readonly certificate: string;
  readonly mediaId: string;
  readonly ctrFrom: number;
  readonly ctrTo: number;
  readonly capTotal: string;
  readonly capPerPayment: string;
  readonly nbf: number;
  readonly exp: number;
  readonly keyId: string;
  readonly receivedAt: number;
}

/** Reads a certificate (the API's answer, or the stored copy) for `account`. */
export function parseCertificate(value: unknown, account: string, receivedAt: number, what = 'certificate answer'): Certificate {
  const f = Fields.of(value, what);
  const cert: Certificate = {
    account,
    certificate: f.string('certificate'),
    mediaId: f.string('mediaId'),
    ctrFrom: f.int('ctrFrom'),
    ctrTo: f.int('ctrTo'),
    capTotal: f.minor('capTotal'),
    capPerPayment: f.minor('capPerPayment'),
    nbf: f.int('nbf'),
    exp: f.int('exp'),
    keyId: f.string('keyId'),
    receivedAt: f.optInt('receivedAt') ?? receivedAt,
  };
  if (cert.ctrTo < cert.ctrFrom || cert.exp <= cert.nbf) throw new Error(`${what}: its counter range or validity is empty`);
  return cert;
}

/** The certificate must vouch for this phone's key and say what the answer says, or it is useless. */
function assertMatches(cert: Certificate, key: WalletKey): void {
  const p = jwsPayload(cert.certificate);
  const jwk = p.object('jwk');
  if (jwk.string('x') !== key.jwk.x || jwk.string('y') !== key.jwk.y) throw new Error('the certificate is not for this phone\'s key');
  if (p.string('mediaId') !== cert.mediaId || p.int('ctrFrom') !== cert.ctrFrom || p.int('ctrTo') !== cert.ctrTo) {
    throw new Error('the certificate does not say what the answer around it says');
  }
}

/** The stored certificate of `account`, if any. */
export async function loadCertificate(account: string): Promise<Certificate | undefined> {
  const value = await load(`cert:${account}`);
  return value === undefined ? undefined : parseCertificate(value, account, Date.now(), 'stored certificate');
}

/** Asks for a certificate for this phone's key (made now if there is none) and stores it. */
export async function requestCertificate(api: StudentApi, account: string): Promise<Certificate> {
  try {
    return await certify(api, account);
  } catch (error) {
    // The key was reported lost, blocked, or is another account's: it never comes back. Once, a new key.
    if (!(error instanceof ProblemError) || !KEY_GONE.has(error.problem.code)) throw error;
    await dropCertificate(account);
    await dropKey(account);
    return certify(api, account);
  }
}

/** Problems that mean this phone's key can never be certified again. */
const KEY_GONE = new Set(['MEDIUM_LOST', 'MEDIUM_OF_ANOTHER_ACCOUNT']);

async function certify(api: StudentApi, account: string): Promise<Certificate> {
  const key = await ensureKey(account);
  const request = await signJws(key.privateKey, { typ: 'cert-request', v: 1, account, jwk: key.jwk, iat: Date.now() });
  const answer = await api.post('/v1/me/certificates', { request });
  const cert = parseCertificate(answer, account, Date.now());
  assertMatches(cert, key);
  await saveOne(`cert:${account}`, cert);
  return cert;
}

/** Forgets the certificate (agreement withdrawn, medium lost): no more codes until a new one. */
export function dropCertificate(account: string): Promise<void> {
  return remove(`cert:${account}`);
}

/**
 * Squares the stored certificate with what the ledger says (a fresh GET /v1/me): a medium reported
 * lost or blocked loses its certificate and key; a revoked certificate (agreement withdrawn) is
 * dropped. Returns what changed, in words, or undefined.
 */
export async function reconcile(me: Account): Promise<string | undefined> {
  const cert = await loadCertificate(me.account);
  if (cert === undefined) return undefined;
  const medium = me.media.find((m) => m.mediaId === cert.mediaId);
  if (medium !== undefined && medium.status !== 'active') {
    await dropCertificate(me.account);
    await dropKey(me.account);
    return `This phone's payment key is ${medium.status === 'lost' ? 'reported lost' : 'blocked'}: its key and certificate are deleted, and a new key is made for the next certificate.`;
  }
  const record = medium?.certificates.find((c) => c.ctrFrom === cert.ctrFrom);
  if (record?.status === 'revoked' || (me.agreement !== null && me.agreement.status !== 'live')) {
    await dropCertificate(me.account);
    return 'This phone\'s certificate was revoked: it shows no more codes until you get a new one.';
  }
  return undefined;
}
