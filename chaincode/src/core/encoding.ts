import { createHash } from 'node:crypto';
import { DomainError } from './errors';

const B64URL = /^[A-Za-z0-9_-]*$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Strict base64url without padding (RFC 7515 §2): refuses other alphabets, padding and non-canonical tails. */
export function base64UrlDecode(text: string, field = 'base64url'): Buffer {
  if (!B64URL.test(text) || text.length % 4 === 1) {
    throw new DomainError('MALFORMED_JWS', `${field} is not base64url`, { field });
  }
  // Canonical form: the unused low bits of the last character must be zero (RFC 4648 §3.5).
  const tail = text.length % 4;
  if (tail !== 0) {
    const last = ALPHABET.indexOf(text.charAt(text.length - 1));
    if ((last & (tail === 2 ? 0x0f : 0x03)) !== 0) {
      throw new DomainError('MALFORMED_JWS', `${field} is not canonical base64url`, { field });
    }
  }
  return Buffer.from(text, 'base64url');
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
