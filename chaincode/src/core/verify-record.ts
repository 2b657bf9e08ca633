import type { Amount } from './amount';
import { judgeEdgeMark, type EdgeFinding } from './edge-approval';
import { DomainError, type RejectReason } from './errors';
import { isJsonObject } from './fields';
import type { AccountId, Digest, GroupId, KeyId, MediaId } from './ids';
import type { IssuerKey } from './issuer-key';
import { verifyKeyOf, type VerifyKey } from './jwk';
import { decodeJws, verifyJws, type DecodedJws } from './jws';
import { parseMediaCert, type MediaCert } from './media-cert';
import { parseFaceAttestation, parsePayCode, parseTapAuth } from './payer-auth';
import { parsePursePurchase, purchaseHash, type PursePurchase } from './purse';
import type { RiskPolicy } from './risk-policy';
import type { SaleRecord, Tender } from './sale-record';
import type { EpochMs } from './time';

/** What the verdict needs from outside: the ledger's clock, the issuer registry, the risk policy. */
export interface VerifyContext {
  /** The transaction timestamp: the only trusted clock. */
  readonly now: EpochMs;
  readonly issuerKey: (keyId: KeyId) => IssuerKey | undefined;
  readonly policy: RiskPolicy;
  /** An active edge's registered key (edge extension); none means no approval counts. */
  readonly edgeKey?: (edgeId: string, saleAt: EpochMs) => VerifyKey | undefined;
}

/** A payer proven by a certified medium (code or tap). */
export interface MediaPayer {
  readonly kind: 'media';
  readonly mediaId: MediaId;
  readonly ctr: number;
  readonly account: AccountId;
  readonly group: GroupId;
  readonly cert: MediaCert;
  /** A purse purchase: what the card signed, and the hash its next purchase names as `prev`. */
  readonly purse?: { readonly purchase: PursePurchase; readonly hash: Digest };
}

/** A payer named only by the terminal's face match. */
export interface FacePayer {
  readonly kind: 'face';
  readonly account: AccountId;
}

/** The stateless judgement of one record: valid with its payer, or rejected with the exact reason. */
export type Verdict =
  | { readonly ok: true; readonly payer: MediaPayer | FacePayer; readonly edge?: EdgeFinding }
  | { readonly ok: false; readonly reason: RejectReason; readonly message: string };

class Reject extends Error {
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
  }
}

function decodeCredentialPart(part: string, what: string): DecodedJws {
  try {
    return decodeJws(part);
  } catch (error) {
    if (error instanceof DomainError) throw new Reject('MALFORMED_CREDENTIAL', `${what}: ${error.message}`);
    throw error;
  }
}

function parsePart<T>(parse: (v: unknown) => T, value: unknown, what: string, typ: string): T {
  if (isJsonObject(value) && value.typ !== typ) throw new Reject('MEDIUM_MISMATCH', `${what}: expected typ "${typ}"`);
  try {
    return parse(value);
  } catch (error) {
    if (error instanceof DomainError) {
      throw new Reject('MALFORMED_CREDENTIAL', `${what}: ${error.message}`);
    }
    throw error;
  }
}

/**
 * Certificates already proven by this process, across transactions and batches. Whether an issuer
 * key's signature over the exact certificate text verifies, and what that text parses to, never
 * change: caching it is as deterministic as recomputing it. Everything that can change (the
 * issuer's registration and status, validity windows against the sale's time) is still checked on
 * every record. A wallet certificate lives for days and its student pays several times a day, so
 * most records skip one signature verification and one parse (BENCHMARKS.md measures it).
 */
const provenCerts = new Map<string, { readonly kid: string; readonly issuerJwk: string; readonly cert: MediaCert }>();
const PROVEN_CERTS_MAX = 200_000;
let certCacheOn = true;

/** Turns the proven-certificate cache on or off (benchmarks measure both in one run). */
export function useCertificateCache(on: boolean): void {
  certCacheOn = on;
  provenCerts.clear();
}

const jwkId = (issuer: IssuerKey): string => (issuer.publicKey.kty === 'EC' ? `${issuer.publicKey.x}.${issuer.publicKey.y}` : issuer.publicKey.x);

function registeredIssuer(kid: string, ctx: VerifyContext): IssuerKey {
  const issuer = ctx.issuerKey(kid as KeyId);
  if (issuer === undefined) throw new Reject('UNKNOWN_ISSUER', `issuer key ${kid} is not registered`);
  if (issuer.status === 'revoked') throw new Reject('ISSUER_REVOKED', `issuer key ${kid} is revoked`);
  return issuer;
}

/** The certificate's payload once its issuer's signature is proven (the checks in the order of an uncached proof). */
function provenCertificate(part: string, ctx: VerifyContext): { issuer: IssuerKey; cert: MediaCert } {
  const known = certCacheOn ? provenCerts.get(part) : undefined;
  if (known !== undefined) {
    const issuer = registeredIssuer(known.kid, ctx);
    // The same key that proved it before proves it again; a re-registered key is proven afresh.
    if (jwkId(issuer) === known.issuerJwk) return { issuer, cert: known.cert };
  }
  const jws = decodeCredentialPart(part, 'certificate');
  if (jws.kid === undefined) throw new Reject('MALFORMED_CREDENTIAL', 'certificate header lacks kid');
  const issuer = registeredIssuer(jws.kid, ctx);
  if (!verifyJws(jws, verifyKeyOf(issuer.publicKey))) throw new Reject('BAD_CERT_SIGNATURE', 'certificate signature does not verify');
  const cert = parsePart(parseMediaCert, jws.payload, 'certificate', 'media-cert');
  if (certCacheOn) {
    if (provenCerts.size >= PROVEN_CERTS_MAX) {
      const oldest = provenCerts.keys().next().value;
      if (oldest !== undefined) provenCerts.delete(oldest);
    }
    provenCerts.set(part, { kid: jws.kid, issuerJwk: jwkId(issuer), cert });
  }
  return { issuer, cert };
}

function verifyCertificate(part: string, at: EpochMs, ctx: VerifyContext): MediaCert {
  const { issuer, cert } = provenCertificate(part, ctx);
  const kid = issuer.keyId;
  if (at < issuer.validFrom || at > issuer.validTo) throw new Reject('ISSUER_NOT_VALID', `issuer key ${kid} was not valid at the sale`);
  if (at < cert.nbf) throw new Reject('CERT_NOT_YET_VALID', 'certificate was not yet valid at the sale');
  if (at > cert.exp) throw new Reject('CERT_EXPIRED', 'certificate had expired at the sale');
  return cert;
}

function certifiedKey(cert: MediaCert): VerifyKey {
  try {
    return verifyKeyOf(cert.jwk);
  } catch (error) {
    if (error instanceof DomainError) throw new Reject('MALFORMED_CREDENTIAL', `certified key: ${error.message}`);
    throw error;
  }
}

function checkMedia(record: SaleRecord, cert: MediaCert, mediaId: MediaId, ctr: number): MediaPayer {
  if (mediaId !== cert.mediaId) throw new Reject('MEDIA_MISMATCH', `payer signed for ${mediaId}, certificate is for ${cert.mediaId}`);
  if (record.amount.gt(cert.capPerPayment)) throw new Reject('OVER_CAP', `amount ${record.amount.toString()} over the per-payment cap ${cert.capPerPayment.toString()}`);
  if (ctr < cert.ctrFrom || ctr > cert.ctrTo) throw new Reject('COUNTER_OUT_OF_RANGE', `counter ${ctr} outside ${cert.ctrFrom}..${cert.ctrTo}`);
  return { kind: 'media', mediaId, ctr, account: cert.account, group: cert.group, cert };
}

/** The tender is the payer's choice: the record must name the one the payer signed (money when neither names one). */
function checkTender(record: SaleRecord, signed: Tender | undefined): void {
  if (record.tender !== signed) {
    throw new Reject('TENDER_MISMATCH', `payer signed for ${signed ?? 'money'}, record says ${record.tender ?? 'money'}`);
  }
}

function judgeMedia(record: SaleRecord, credential: string, ctx: VerifyContext): MediaPayer {
  const parts = credential.split('~');
  if (parts.length !== 2) throw new Reject('MALFORMED_CREDENTIAL', 'credential must be <certificate>~<payer JWS>');
  const [certPart, authPart] = parts as [string, string];
  const cert = verifyCertificate(certPart, record.at, ctx);
  const auth = decodeCredentialPart(authPart, 'payer');
  if (!verifyJws(auth, certifiedKey(cert))) throw new Reject('BAD_PAYER_SIGNATURE', 'payer signature does not verify with the certified key');
  const skew = ctx.policy.maxClockSkewMs;
  // A purse card pays only from its purse, and only a purse card has one: never an advance.
  if ((record.medium === 'purse') !== (cert.kind === 'purse')) {
    throw new Reject('MEDIUM_MISMATCH', record.medium === 'purse' ? `a purse purchase needs a purse card's certificate, not a ${cert.kind}'s` : 'a purse card pays only by purse purchases');
  }
  if (record.medium === 'purse') {
    const p = parsePart(parsePursePurchase, auth.payload, 'purse purchase', 'purse-purchase');
    if (record.tender !== undefined) throw new Reject('TENDER_MISMATCH', 'a purse purchase is paid from the purse, never in points');
    if (!p.amount.equals(record.amount)) throw new Reject('PURSE_SALE_MISMATCH', `card signed ${p.amount.toString()}, record says ${record.amount.toString()}`);
    if (p.terminalId !== record.terminalId) throw new Reject('PURSE_SALE_MISMATCH', `card signed for terminal ${p.terminalId}`);
    if (!p.before.sub(p.amount).equals(p.after)) throw new Reject('PURSE_BALANCE_INVALID', `before ${p.before.toString()} − amount ${p.amount.toString()} is not after ${p.after.toString()}`);
    if (p.iat > record.at + skew) throw new Reject('CODE_FROM_FUTURE', 'purse purchase signed after the sale');
    if (record.at > p.iat + ctx.policy.tapMaxAgeMs) throw new Reject('STALE_CODE', 'purse purchase too old at the sale');
    return { ...checkMedia(record, cert, p.mediaId, p.ctr), purse: { purchase: p, hash: purchaseHash(authPart) } };
  }
  if (record.medium === 'code') {
    const code = parsePart(parsePayCode, auth.payload, 'payment code', 'pay-code');
    checkTender(record, code.tender);
    if (code.iat > record.at + skew) throw new Reject('CODE_FROM_FUTURE', 'payment code issued after the sale');
    if (record.at > code.iat + code.ttl) throw new Reject('STALE_CODE', 'payment code had expired at the sale');
    return checkMedia(record, cert, code.mediaId, code.ctr);
  }
  const tap = parsePart(parseTapAuth, auth.payload, 'tap authorisation', 'tap-auth');
  checkTender(record, tap.tender);
  if (!tap.amount.equals(record.amount)) throw new Reject('TAP_AMOUNT_MISMATCH', `payer signed ${tap.amount.toString()}, record says ${record.amount.toString()}`);
  if (tap.terminalId !== record.terminalId) throw new Reject('TAP_TERMINAL_MISMATCH', `payer signed for terminal ${tap.terminalId}`);
  if (tap.iat > record.at + skew) throw new Reject('CODE_FROM_FUTURE', 'tap authorised after the sale');
  if (record.at > tap.iat + ctx.policy.tapMaxAgeMs) throw new Reject('STALE_CODE', 'tap authorisation too old at the sale');
  return checkMedia(record, cert, tap.mediaId, tap.ctr);
}

function judgeFace(record: SaleRecord, ctx: VerifyContext): FacePayer {
  const face = parsePart(parseFaceAttestation, record.credential, 'face attestation', 'face');
  // No payer signs a face sale, so nobody chose to spend points: only money.
  if (record.tender !== undefined) throw new Reject('TENDER_MISMATCH', 'a face payment is paid in money: no payer signed for points');
  if (face.score < ctx.policy.faceMinScore) throw new Reject('FACE_SCORE_LOW', `face score ${face.score} below ${ctx.policy.faceMinScore}`);
  const cap: Amount = ctx.policy.faceCapPerPayment;
  if (record.amount.gt(cap)) throw new Reject('OVER_CAP', `face payment ${record.amount.toString()} over the face cap ${cap.toString()}`);
  return { kind: 'face', account: face.account };
}

/**
 * Judges one structurally valid record against §5's stateless rules: signatures, issuers, validity
 * windows, caps and counter ranges. Stateful rules (duplicates, double spends, deny list, balances)
 * belong to settlement.
 */
export function verifyRecord(record: SaleRecord, ctx: VerifyContext): Verdict {
  try {
    if (record.at > ctx.now + ctx.policy.maxClockSkewMs) throw new Reject('FUTURE_TIMESTAMP', 'sale is dated after the ledger clock');
    const payer =
      record.medium === 'face'
        ? judgeFace(record, ctx)
        : judgeMedia(record, typeof record.credential === 'string' ? record.credential : '', ctx);
    if (record.edge === undefined) return { ok: true, payer };
    const sale = { terminalId: record.terminalId, payer: payer.kind === 'media' ? payer.mediaId : payer.account, ctr: payer.kind === 'media' ? payer.ctr : 0, amount: record.amount, at: record.at };
    return { ok: true, payer, edge: judgeEdgeMark(record.edge, sale, ctx.edgeKey ?? (() => undefined), ctx.policy.maxClockSkewMs) };
  } catch (error) {
    if (error instanceof Reject) return { ok: false, reason: error.reason, message: error.message };
    throw error;
  }
}
