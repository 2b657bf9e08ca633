/**
 * The pay code: a counter taken for good (reservation.ts: below a mark already on disk, so never
 * shown twice, not after a reload, not after a crash), signed with the phone's key.
 */
import type { Certificate } from './certificate.js';
import { signJws } from './jws.js';
import type { WalletKey } from './keys.js';

/** How long a pay code is valid (protocol v1 allows up to ten minutes). */
export const CODE_TTL_MS = 120_000;

/** A code ready to show: the QR text, its counter, and the certificate it belongs to. */
export interface PayCode {
  readonly text: string;
  readonly ctr: number;
  readonly iat: number;
  readonly cert: Certificate;
}

/** Signs the pay code for a counter taken for good: `<certificate JWS>~<pay-code JWS>`. */
export async function makePayCode(key: WalletKey, cert: Certificate, ctr: number, now: number): Promise<PayCode> {
  const code = await signJws(key.privateKey, { typ: 'pay-code', v: 1, mediaId: cert.mediaId, ctr, iat: now, ttl: CODE_TTL_MS });
  return { text: `${cert.certificate}~${code}`, ctr, iat: now, cert };
}
