import { createECDH, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
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

/** PKCS #8 DER of an Ed25519 private key, before its 32-byte seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * A fresh private key made from random key material, without generateKeyPairSync: on Node 20 a
 * garbage collection during a JWK export can destroy a finished key-generation job that locks the
 * mutex the export holds, and the process hangs (seen here, building 30,000 students).
 */
function freshPrivateKey(alg: JwsAlg): KeyObject {
  if (alg === 'EdDSA') return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, randomBytes(32)]), format: 'der', type: 'pkcs8' });
  const ecdh = createECDH('prime256v1');
  const point = ecdh.generateKeys(); // uncompressed: 0x04 || x || y
  const d = ecdh.getPrivateKey();
  const b64 = (b: Buffer): string => b.toString('base64url');
  return createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: b64(Buffer.concat([Buffer.alloc(32 - d.length), d])), x: b64(point.subarray(1, 33)), y: b64(point.subarray(33, 65)) },
    format: 'jwk',
  });
}

/** Generates a fresh key: P-256 for ES256, Ed25519 for EdDSA. */
export function generateSigningKey(alg: JwsAlg): SigningKey {
  const privateKey = freshPrivateKey(alg);
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
