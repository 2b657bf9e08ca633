import type { MediaKind } from './media-cert';
/**
 * What a student's wallet signs with its own key (docs/wallet.md): the acceptance of the direct-debit
 * agreement and the request for a certificate. Both carry the wallet's public key, so whoever checks
 * them (the issuer service, the contract) proves the wallet holds the private half.
 */
import { canonicalJson } from './canonical-json';
import { base64UrlEncode } from './encoding';
import { DomainError } from './errors';
import { FieldReader } from './fields';
import { parseAccountId, parseDigest, parseMediaId, type AccountId, type Digest, type MediaId } from './ids';
import { assertJws, decodeJws, verifyJwsAsync, type DecodedJws } from './jws';
import { parsePublicJwk, verifyKeyOf, type PublicJwk, type VerifyKey } from './jwk';
import { createHash } from 'node:crypto';
import { MAX_EPOCH_MS, type EpochMs } from './time';

/** A student's signed acceptance of one version of the direct-debit agreement (代扣协议). */
export interface AgreementAcceptance {
  readonly typ: 'agreement';
  readonly v: 1;
  readonly account: AccountId;
  readonly version: number;
  readonly textHash: Digest;
  readonly jwk: PublicJwk;
  readonly iat: EpochMs;
}

/** A wallet's request for a media certificate: its key, signed by itself (proof of possession). */
export interface CertRequest {
  readonly typ: 'cert-request';
  readonly v: 1;
  readonly account: AccountId;
  readonly jwk: PublicJwk;
  readonly iat: EpochMs;
}

/** Parses an agreement acceptance payload (the JWS around it is checked by openSelfSigned). */
export function parseAgreementAcceptance(value: unknown): AgreementAcceptance {
  const r = FieldReader.of(value, 'agreement', ['typ', 'v', 'account', 'version', 'textHash', 'jwk', 'iat']);
  r.typ('agreement');
  return {
    typ: 'agreement', v: r.version(), account: r.parsed('account', parseAccountId), version: r.int('version', 1, 1_000_000),
    textHash: r.parsed('textHash', parseDigest), jwk: r.parsed('jwk', parsePublicJwk), iat: r.int('iat', 0, MAX_EPOCH_MS),
  };
}

/** Parses a certificate request payload. */
export function parseCertRequest(value: unknown): CertRequest {
  const r = FieldReader.of(value, 'certRequest', ['typ', 'v', 'account', 'jwk', 'iat']);
  r.typ('cert-request');
  return { typ: 'cert-request', v: r.version(), account: r.parsed('account', parseAccountId), jwk: r.parsed('jwk', parsePublicJwk), iat: r.int('iat', 0, MAX_EPOCH_MS) };
}

/**
 * Opens a JWS signed by the key its own payload carries (`jwk`): decodes, parses the payload with
 * `parse`, and verifies the signature with that key. BAD_SIGNATURE when it does not verify.
 */
export function openSelfSigned<T extends { readonly jwk: PublicJwk }>(compact: unknown, parse: (payload: unknown) => T, what: string): { doc: T; digest: Digest } {
  const { jws, doc, key } = selfSigned(compact, parse);
  assertJws(jws, key, what);
  return { doc, digest: payloadDigest(jws) };
}

/** As openSelfSigned, the signature checked on the thread pool (the gateway's form). */
export async function openSelfSignedAsync<T extends { readonly jwk: PublicJwk }>(compact: unknown, parse: (payload: unknown) => T, what: string): Promise<{ doc: T; digest: Digest }> {
  const { jws, doc, key } = selfSigned(compact, parse);
  if (!(await verifyJwsAsync(jws, key))) throw new DomainError('BAD_SIGNATURE', `${what} signature does not verify`);
  return { doc, digest: payloadDigest(jws) };
}

/** A self-signed JWS decoded, its payload parsed, and the key it names for its own signature. */
function selfSigned<T extends { readonly jwk: PublicJwk }>(compact: unknown, parse: (payload: unknown) => T): { jws: DecodedJws; doc: T; key: VerifyKey } {
  const jws = decodeJws(compact);
  const doc = parse(jws.payload);
  return { jws, doc, key: verifyKeyOf(doc.jwk) };
}

const payloadDigest = (jws: DecodedJws): Digest => createHash('sha256').update(jws.payloadBytes).digest('hex') as Digest;

/** RFC 7638 JWK thumbprint (SHA-256, base64url) over the required public members in lexical order. */
export function jwkThumbprint(jwk: PublicJwk): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return base64UrlEncode(createHash('sha256').update(canonicalJson(members)).digest());
}

/**
 * The medium id of a key: `w-` (wallet), `c-` (card) or `p-` (purse card) and its thumbprint. One key is one medium
 * for ever, so a key reported lost stays refused: a found phone gets a new key and a new id.
 */
export function mediaIdOfKey(jwk: PublicJwk, kind: MediaKind): MediaId {
  return parseMediaId(`${kind === 'wallet' ? 'w' : kind === 'card' ? 'c' : 'p'}-${jwkThumbprint(jwk)}`);
}

/** Refuses a self-signed document whose `iat` is further than `windowMs` from `now` (a replayed or post-dated request). */
export function assertFresh(iat: number, now: number, windowMs: number, what: string): void {
  if (Math.abs(now - iat) > windowMs) {
    throw new DomainError('STALE_REQUEST', `${what} was signed at ${iat}, more than ${windowMs} ms from now (${now}); sign it again`, { field: 'iat' });
  }
}
