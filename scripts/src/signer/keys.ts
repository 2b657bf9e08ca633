import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { parsePublicJwk, type JwsAlg, type PublicJwk } from '@dol/chaincode';

/** A signing key with its public JWK, as a wallet, card, terminal or issuer holds it. */
export interface SigningKey {
  readonly alg: JwsAlg;
  readonly privateKey: KeyObject;
  readonly jwk: PublicJwk;
}

/** A private JWK as committed in test vectors (test keys only). */
export interface PrivateJwk {
  readonly kty: string;
  readonly crv: string;
  readonly x: string;
  readonly y?: string;
  readonly d: string;
}

function publicJwkOf(privateKey: KeyObject): PublicJwk {
  return parsePublicJwk(createPublicKey(privateKey).export({ format: 'jwk' }));
}

/** Generates a fresh key: P-256 for ES256, Ed25519 for EdDSA. */
export function generateSigningKey(alg: JwsAlg): SigningKey {
  const { privateKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return { alg, privateKey, jwk: publicJwkOf(privateKey) };
}

/** Loads a key from its private JWK. */
export function signingKeyFromJwk(jwk: PrivateJwk): SigningKey {
  const privateKey = createPrivateKey({ key: { ...jwk }, format: 'jwk' });
  return { alg: jwk.kty === 'EC' ? 'ES256' : 'EdDSA', privateKey, jwk: publicJwkOf(privateKey) };
}

/** Exports the private JWK (for committed test vectors). */
export function privateJwkOf(key: SigningKey): PrivateJwk {
  const jwk = key.privateKey.export({ format: 'jwk' });
  return { kty: String(jwk.kty), crv: String(jwk.crv), x: String(jwk.x), ...(jwk.y === undefined ? {} : { y: jwk.y }), d: String(jwk.d) };
}
