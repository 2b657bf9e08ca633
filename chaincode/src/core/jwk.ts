import { createPublicKey, type KeyObject } from 'node:crypto';
import { base64UrlDecode } from './encoding';
import { DomainError } from './errors';
import { FieldReader } from './fields';

/** The only signature algorithms the protocol accepts (RFC 7518 §3.4, RFC 8037). */
export type JwsAlg = 'ES256' | 'EdDSA';
/** Allow-list of `alg` values; `none` and HMAC are not on it. */
export const JWS_ALGS: readonly JwsAlg[] = ['ES256', 'EdDSA'];

/** A validated public JWK: P-256 for ES256, Ed25519 for EdDSA. */
export type PublicJwk =
  | { readonly kty: 'EC'; readonly crv: 'P-256'; readonly x: string; readonly y: string }
  | { readonly kty: 'OKP'; readonly crv: 'Ed25519'; readonly x: string };

/** A public key ready to verify: its JWK, its algorithm and the parsed node:crypto key. */
export interface VerifyKey {
  readonly jwk: PublicJwk;
  readonly alg: JwsAlg;
  readonly key: KeyObject;
}

const B64 = /^[A-Za-z0-9_-]{43}$/;
const CACHE_LIMIT = 50_000;
const cache = new Map<string, VerifyKey>();

function coordinate(reader: FieldReader, key: string): string {
  const value = reader.string(key, B64, '32 bytes of base64url');
  if (base64UrlDecode(value, key).length !== 32) {
    throw new DomainError('INVALID_KEY', `jwk.${key} must hold 32 bytes`, { field: key });
  }
  return value;
}

/**
 * Parses a public JWK (private parts refused) into the canonical form the protocol allows, and
 * proves it usable: a P-256 key must be a point on the curve. Every door that takes a key (issuer
 * keys, terminals, media certificates) comes through here, so none can store a key that would
 * later refuse every signature.
 */
export function parsePublicJwk(value: unknown, field = 'jwk'): PublicJwk {
  try {
    const kty = FieldReader.of(value, field, ['kty'], ['crv', 'x', 'y', 'kid', 'alg', 'use']).oneOf('kty', ['EC', 'OKP'] as const);
    let jwk: PublicJwk;
    if (kty === 'EC') {
      const r = FieldReader.of(value, field, ['kty', 'crv', 'x', 'y'], ['kid', 'alg', 'use']);
      r.oneOf('crv', ['P-256'] as const);
      jwk = { kty: 'EC', crv: 'P-256', x: coordinate(r, 'x'), y: coordinate(r, 'y') };
    } else {
      const r = FieldReader.of(value, field, ['kty', 'crv', 'x'], ['kid', 'alg', 'use']);
      r.oneOf('crv', ['Ed25519'] as const);
      jwk = { kty: 'OKP', crv: 'Ed25519', x: coordinate(r, 'x') };
    }
    verifyKeyOf(jwk);
    return jwk;
  } catch (error) {
    if (error instanceof DomainError) throw new DomainError('INVALID_KEY', error.message, { field });
    throw error;
  }
}

/** The algorithm a key type implies; the JWS header must name the same one. */
export function algOf(jwk: PublicJwk): JwsAlg {
  return jwk.kty === 'EC' ? 'ES256' : 'EdDSA';
}

/**
 * Turns a validated JWK into a verifying key, caching parsed keys: parsing costs more than a
 * verification, and the same issuer and terminal keys verify thousands of times.
 */
export function verifyKeyOf(jwk: PublicJwk): VerifyKey {
  const id = jwk.kty === 'EC' ? `EC.${jwk.x}.${jwk.y}` : `OKP.${jwk.x}`;
  const hit = cache.get(id);
  if (hit !== undefined) return hit;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { ...jwk }, format: 'jwk' });
  } catch {
    throw new DomainError('INVALID_KEY', 'public key is not a valid point on its curve');
  }
  const entry: VerifyKey = { jwk, alg: algOf(jwk), key };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(id, entry);
  return entry;
}
