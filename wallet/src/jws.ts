/**
 * Compact JWS with ES256 (RFC 7515 §7.1, RFC 7518 §3.4), made with WebCrypto. WebCrypto's ECDSA
 * signature is the raw 64-byte r||s that JWS ES256 specifies, so it goes into the JWS unchanged.
 * The header is exactly {"alg":"ES256"}; base64url without padding (RFC 7515 §2).
 */
import { Fields, parseJson } from './fields.js';

const HEADER = base64url(new TextEncoder().encode('{"alg":"ES256"}'));
const ECDSA_SHA256: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

/** Bytes as base64url without padding (RFC 4648 §5). */
export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url (with or without padding) back to bytes; throws on anything else. */
export function fromBase64url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*=*$/.test(text)) throw new Error('not base64url');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '').padEnd(Math.ceil(text.length / 4) * 4, '='));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Signs `payload` (serialised once, as given) with the wallet's private key: a compact JWS. */
export async function signJws(privateKey: CryptoKey, payload: object): Promise<string> {
  const body = base64url(new TextEncoder().encode(JSON.stringify(payload)));
  const input = `${HEADER}.${body}`;
  const signature = await crypto.subtle.sign(ECDSA_SHA256, privateKey, new TextEncoder().encode(input));
  return `${input}.${base64url(new Uint8Array(signature))}`;
}

/** The payload of a compact JWS, read but not verified (the wallet reads its own certificate). */
export function jwsPayload(jws: string): Fields {
  const parts = jws.split('.');
  const body = parts[1];
  if (parts.length !== 3 || body === undefined) throw new Error('not a compact JWS');
  return Fields.of(parseJson(new TextDecoder().decode(fromBase64url(body))), 'JWS payload');
}

/** SHA-256 of a text's UTF-8 bytes, as lowercase hex. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
