import { sign } from 'node:crypto';
import { base64UrlEncode, canonicalJson } from '@dol/chaincode';
import type { SigningKey } from './signing-key';

/** Header options; `alg` may be overridden only to forge bad artefacts. */
export interface JwsOptions {
  readonly kid?: string;
  readonly alg?: string;
}

/** Signs raw signing input with the key's algorithm; ES256 as raw r||s (RFC 7518 §3.4). */
export function signBytes(key: SigningKey, data: Buffer): Buffer {
  return key.alg === 'ES256' ? sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' }) : sign(null, data, key.privateKey);
}

/** Makes a compact JWS (RFC 7515 §7.1) over the payload's canonical JSON bytes. */
export function signJws(key: SigningKey, payload: unknown, options: JwsOptions = {}): string {
  const header = { alg: options.alg ?? key.alg, ...(options.kid === undefined ? {} : { kid: options.kid }) };
  return signJwsRaw(key, canonicalJson(header), canonicalJson(payload));
}

/** Signs exact header and payload texts, so tests can forge headers and payloads the canonical path never makes. */
export function signJwsRaw(key: SigningKey, headerText: string, payloadText: string | Buffer): string {
  const input = `${base64UrlEncode(headerText)}.${base64UrlEncode(payloadText)}`;
  return `${input}.${base64UrlEncode(signBytes(key, Buffer.from(input, 'ascii')))}`;
}
