/**
 * Values the gateway lends the browser and must get back unchanged and unread: sealed with
 * AES-256-GCM (authenticated encryption, NIST SP 800-38D) under a key derived from the configured
 * secret with HKDF-SHA256 (RFC 5869). Each value says what it is for (bound in as associated data,
 * so a value of one purpose never opens as another) and when it expires.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** What a sealed value is for. */
export type SealPurpose = 'oidc-login' | 'oidc-handoff';

/** GCM's standard nonce, random per value: the birthday bound is far beyond what a key seals here. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Sealed values travel in cookies: anything longer is not one of ours and is not even decrypted. */
const MAX_SEALED_CHARS = 2048;
const HKDF_INFO = 'dol-gateway oidc cookies v1';

/** Seals and opens the sign-in cookies' values. */
export class CookieSealer {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    if (secret.length < 32) throw new Error('the cookie secret needs at least 32 bytes');
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), HKDF_INFO, 32));
  }

  /** A base64url value that only this key opens, for `purpose`, until `expiresAt` (ms since the epoch). */
  seal(purpose: SealPurpose, value: unknown, expiresAt: number): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(JSON.stringify({ exp: expiresAt, value }), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The value sealed for `purpose`, if `sealed` is intact, of this key and purpose, and not expired at `now`. */
  open(purpose: SealPurpose, sealed: string, now: number): unknown {
    if (sealed.length > MAX_SEALED_CHARS || !/^[A-Za-z0-9_-]+$/.test(sealed)) return undefined;
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
    const iv = bytes.subarray(0, IV_BYTES);
    const body = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    let text: string;
    try {
      text = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return undefined; // altered, another key or another purpose: GCM's tag does not verify
    }
    // Authenticated: this gateway wrote the JSON, so it parses; only the expiry is left to check.
    const opened: unknown = JSON.parse(text);
    if (typeof opened !== 'object' || opened === null) return undefined;
    const exp: unknown = Reflect.get(opened, 'exp');
    return typeof exp === 'number' && exp > now ? Reflect.get(opened, 'value') as unknown : undefined;
  }
}
