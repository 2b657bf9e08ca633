import { createHmac } from 'node:crypto';
import { base64UrlEncode } from '@dol/chaincode';

/** Splits a compact JWS into its three texts. */
function parts(jws: string): [string, string, string] {
  const [h = '', p = '', s = ''] = jws.split('.');
  return [h, p, s];
}

/** Replaces the payload after signing, keeping the original signature. */
export function withPayload(jws: string, payloadText: string | Buffer): string {
  const [h, , s] = parts(jws);
  return `${h}.${base64UrlEncode(payloadText)}.${s}`;
}

/** Decodes, changes and re-encodes the payload (canonical form lost is fine: the signature no longer matches). */
export function tamperPayload(jws: string, mutate: (payload: Record<string, unknown>) => void): string {
  const [, p] = parts(jws);
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  mutate(payload);
  return withPayload(jws, JSON.stringify(payload));
}

/** An unsigned JWS claiming `alg: none` (RFC 7515 §A.5). */
export function algNone(payloadText: string): string {
  return `${base64UrlEncode(JSON.stringify({ alg: 'none' }))}.${base64UrlEncode(payloadText)}.${base64UrlEncode('x'.repeat(64))}`;
}

/** A JWS MACed with HS256, as an attacker who knows a public key might try (algorithm confusion). */
export function hs256(payloadText: string, secret: string): string {
  const input = `${base64UrlEncode(JSON.stringify({ alg: 'HS256' }))}.${base64UrlEncode(payloadText)}`;
  return `${input}.${base64UrlEncode(createHmac('sha256', secret).update(input).digest())}`;
}

/** Replaces the header, keeping payload and signature. */
export function withHeader(jws: string, headerText: string): string {
  const [, p, s] = parts(jws);
  return `${base64UrlEncode(headerText)}.${p}.${s}`;
}
