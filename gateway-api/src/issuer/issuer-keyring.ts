import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { base64UrlEncode, canonicalJson, parsePublicJwk, type JwsAlg, type PublicJwk } from '@dol/chaincode';

/**
 * One issuer key as the issuer service holds it: the public half and a way to sign. The private
 * half never leaves its holder: a key file only the gateway's user reads (the simple default), or
 * a hardware module behind the same interface (docs/wallet.md, "The issuer's key").
 */
export interface IssuerSigner {
  readonly keyId: string;
  readonly alg: JwsAlg;
  readonly publicJwk: PublicJwk;
  /** Signs JWS signing input; ES256 as raw r||s (RFC 7518 §3.4). */
  sign(data: Buffer): Promise<Buffer>;
}

/** An issuer key in a PKCS#8 PEM file, refused unless only its owner may read it (mode 0600 or 0400). */
export class KeyFileSigner implements IssuerSigner {
  readonly alg: JwsAlg;
  readonly publicJwk: PublicJwk;

  private constructor(readonly keyId: string, private readonly key: KeyObject) {
    const jwk = createPublicKey(key).export({ format: 'jwk' });
    this.publicJwk = parsePublicJwk(jwk.kty === 'EC' ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x });
    this.alg = this.publicJwk.kty === 'EC' ? 'ES256' : 'EdDSA';
  }

  /** Loads `path`; throws with the reason when the file is readable by others or holds no usable key. */
  static load(keyId: string, path: string): KeyFileSigner {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) throw new Error(`issuer key file ${path} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
    return new KeyFileSigner(keyId, createPrivateKey(readFileSync(path, 'utf8')));
  }

  /** Makes a new P-256 key file, mode 0600 (npm start, tests). */
  static create(keyId: string, path: string): KeyFileSigner {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    chmodSync(path, 0o600);
    return new KeyFileSigner(keyId, privateKey);
  }

  /** Signs on libuv's thread pool (crypto.sign's callback form), off the gateway's JavaScript thread. */
  sign(data: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const done = (error: Error | null, signature: Buffer): void => {
        if (error === null) resolve(signature);
        else reject(error);
      };
      if (this.alg === 'ES256') sign('sha256', data, { key: this.key, dsaEncoding: 'ieee-p1363' }, done);
      else sign(null, data, this.key, done);
    });
  }
}

/** A compact JWS over the payload's canonical JSON, its header naming the issuer key. */
export async function signWith(signer: IssuerSigner, payload: unknown): Promise<string> {
  const input = `${base64UrlEncode(canonicalJson({ alg: signer.alg, kid: signer.keyId }))}.${base64UrlEncode(canonicalJson(payload))}`;
  return `${input}.${base64UrlEncode(await signer.sign(Buffer.from(input, 'ascii')))}`;
}

/** A registered issuer key as the ledger answers it (the part the keyring reads). */
export interface RegisteredKey {
  readonly keyId: string;
  readonly validFrom: number;
  readonly validTo: number;
  readonly status: string;
}

/**
 * Which of the held keys signs a certificate valid `nbf..exp`: one the ledger has registered,
 * active, whose validity covers the whole certificate, the newest first (rotation with overlap:
 * the next key is registered and held before the old one ends; certificates move to it as soon as
 * it covers them). Undefined when none does.
 */
export function chooseSigner(held: readonly IssuerSigner[], registered: readonly RegisteredKey[], nbf: number, exp: number): IssuerSigner | undefined {
  const usable = registered
    .filter((k) => k.status === 'active' && k.validFrom <= nbf && k.validTo >= exp)
    .sort((a, b) => b.validFrom - a.validFrom);
  for (const k of usable) {
    const signer = held.find((s) => s.keyId === k.keyId);
    if (signer !== undefined) return signer;
  }
  return undefined;
}
