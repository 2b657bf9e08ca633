import { verify } from 'node:crypto';
import { base64UrlDecode } from './encoding';
import { DomainError } from './errors';
import { FieldReader } from './fields';
import { JWS_ALGS, type JwsAlg, type VerifyKey } from './jwk';
import { parseStrictJson, type JsonValue } from './strict-json';

/** A compact JWS (RFC 7515 §7.1) split and decoded, not yet verified. */
export interface DecodedJws {
  readonly alg: JwsAlg;
  readonly kid: string | undefined;
  readonly payloadBytes: Buffer;
  readonly payload: JsonValue;
  readonly signingInput: string;
  readonly signature: Buffer;
}

/** Longest compact JWS accepted by default: a credential; batches pass their own limit. */
export const DEFAULT_MAX_JWS = 16 * 1024;
const HEADER_KEYS = ['typ', 'kid'] as const;

/**
 * Splits and decodes a compact JWS with a JSON payload. Refuses anything but three strict base64url
 * parts, a header with only alg/kid/typ (so no `crit`, `jwk` or `x5u` tricks), and algs off the allow-list.
 */
export function decodeJws(compact: unknown, maxLength = DEFAULT_MAX_JWS): DecodedJws {
  if (typeof compact !== 'string') throw new DomainError('MALFORMED_JWS', 'a JWS must be a string');
  if (compact.length > maxLength) {
    throw new DomainError('JWS_TOO_LARGE', `JWS of ${compact.length} characters exceeds ${maxLength}`, { limit: String(maxLength) });
  }
  const parts = compact.split('.');
  if (parts.length !== 3) throw new DomainError('MALFORMED_JWS', 'a compact JWS has exactly three parts');
  const [h, p, s] = parts as [string, string, string];
  if (h.length === 0 || p.length === 0 || s.length === 0) throw new DomainError('MALFORMED_JWS', 'a JWS part is empty');
  const header = parseStrictJson(base64UrlDecode(h, 'header'), { maxDepth: 2 });
  const reader = FieldReader.of(header, 'header', ['alg'], HEADER_KEYS);
  const algValue = reader.raw('alg');
  const alg = JWS_ALGS.find((a) => a === algValue);
  if (alg === undefined) {
    throw new DomainError('UNSUPPORTED_ALG', `alg ${JSON.stringify(algValue)} is not ES256 or EdDSA`, { field: 'alg' });
  }
  const kid = reader.has('kid') ? reader.string('kid', /^[A-Za-z0-9._:-]{1,64}$/, 'a key id') : undefined;
  const payloadBytes = base64UrlDecode(p, 'payload');
  const payload = parseStrictJson(payloadBytes, { maxBytes: maxLength });
  const signature = base64UrlDecode(s, 'signature');
  // Both allowed algorithms make 64-byte signatures (raw r||s for ES256, RFC 8032 for Ed25519).
  if (signature.length !== 64) throw new DomainError('MALFORMED_JWS', `signature is ${signature.length} bytes, not 64`);
  return { alg, kid, payloadBytes, payload, signingInput: `${h}.${p}`, signature };
}

/**
 * Verifies a decoded JWS with the expected key. The header's alg must be the key's own alg, so a
 * key can never be used under another algorithm. ES256 signatures are raw r||s (RFC 7518 §3.4).
 */
export function verifyJws(jws: DecodedJws, key: VerifyKey): boolean {
  const v = verification(jws, key);
  if (v === undefined) return false;
  try {
    return verify(v.digest, v.data, v.key, jws.signature);
  } catch {
    return false;
  }
}

/** What crypto.verify takes for this JWS and key; undefined when the header's alg is not the key's. */
function verification(jws: DecodedJws, key: VerifyKey): { digest: string | null; data: Buffer; key: VerifyKey['key'] | { key: VerifyKey['key']; dsaEncoding: 'ieee-p1363' } } | undefined {
  if (jws.alg !== key.alg) return undefined;
  const data = Buffer.from(jws.signingInput, 'ascii');
  return key.alg === 'ES256' ? { digest: 'sha256', data, key: { key: key.key, dsaEncoding: 'ieee-p1363' } } : { digest: null, data, key: key.key };
}

/**
 * As verifyJws, on libuv's thread pool (crypto.verify's callback form): a gateway serving a
 * morning refresh keeps its one JavaScript thread for everything else. The contract stays with
 * the synchronous form.
 */
export function verifyJwsAsync(jws: DecodedJws, key: VerifyKey): Promise<boolean> {
  const v = verification(jws, key);
  if (v === undefined) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      verify(v.digest, v.data, v.key, jws.signature, (error, ok) => {
        resolve(error === null && ok);
      });
    } catch {
      resolve(false);
    }
  });
}

/** Verifies or throws BAD_SIGNATURE. */
export function assertJws(jws: DecodedJws, key: VerifyKey, what: string): void {
  if (!verifyJws(jws, key)) throw new DomainError('BAD_SIGNATURE', `${what} signature does not verify`);
}
