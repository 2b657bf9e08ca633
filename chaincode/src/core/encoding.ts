import { createHash } from 'node:crypto';
import { DomainError } from './errors';

const B64URL = /^[A-Za-z0-9_-]*$/;

/** Strict base64url without padding (RFC 7515 §2): refuses other alphabets, padding and non-canonical tails. */
export function base64UrlDecode(text: string, field = 'base64url'): Buffer {
  if (!B64URL.test(text) || text.length % 4 === 1) {
    throw new DomainError('MALFORMED_JWS', `${field} is not base64url`, { field });
  }
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) {
    throw new DomainError('MALFORMED_JWS', `${field} is not canonical base64url`, { field });
  }
  return bytes;
}

/** base64url without padding. */
export function base64UrlEncode(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString('base64url');
}

/** Lowercase hex SHA-256 of bytes or of a string's UTF-8 encoding. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The digest of the all-zero predecessor: what the first record and the first batch point back to. */
export const ZERO_DIGEST = '0'.repeat(64);
