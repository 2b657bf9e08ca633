/**
 * Paying offline: take the next counter of the certificate, write the one after it to IndexedDB and
 * wait for the commit, and only then sign the pay code. A counter is never shown twice, not after a
 * reload, not after a crash: the worst a crash can do is skip one.
 */
import { parseCertificate, type Certificate } from './certificate.js';
import { signJws } from './jws.js';
import type { WalletKey } from './keys.js';
import { nextCounter } from './renewal.js';
import { load, readModifyWrite, type StoreKey } from './store.js';

/** How long a pay code is valid (protocol v1 allows up to ten minutes). */
export const CODE_TTL_MS = 120_000;

/** A code ready to show: the QR text, its counter, and the certificate it belongs to. */
export interface PayCode {
  readonly text: string;
  readonly ctr: number;
  readonly iat: number;
  readonly cert: Certificate;
}

/** Why no code can be made offline. */
export type NoCode = 'no-certificate' | 'used-up' | 'expired' | 'not-yet-valid';

/** The next counter of the account's certificate, as stored (for showing what is left). */
export async function peekCounter(cert: Certificate): Promise<number> {
  return nextCounter(await load(`ctr:${cert.mediaId}`), cert);
}

/** A counter taken for good, or why none could be. */
export type Reservation = { readonly ok: true; readonly ctr: number; readonly cert: Certificate } | { readonly ok: false; readonly why: NoCode };

/** Takes one counter for good: committed to disk before it resolves. */
export function reserveCounter(account: string, now: number): Promise<Reservation> {
  const none = (why: NoCode): { result: Reservation; writes: ReadonlyMap<StoreKey, unknown> } => ({ result: { ok: false, why }, writes: new Map() });
  return readModifyWrite<Reservation>(
    `cert:${account}`,
    (stored) => (stored === undefined ? undefined : `ctr:${parseCertificate(stored, account, now, 'stored certificate').mediaId}`),
    (stored, counter) => {
      if (stored === undefined) return none('no-certificate');
      const cert = parseCertificate(stored, account, now, 'stored certificate');
      if (now >= cert.exp) return none('expired');
      if (now < cert.nbf) return none('not-yet-valid');
      const ctr = nextCounter(counter, cert);
      if (ctr > cert.ctrTo) return none('used-up');
      return { result: { ok: true, ctr, cert }, writes: new Map<StoreKey, unknown>([[`ctr:${cert.mediaId}`, ctr + 1]]) };
    },
  );
}

/** Signs the pay code for a reserved counter: `<certificate JWS>~<pay-code JWS>`. */
export async function makePayCode(key: WalletKey, cert: Certificate, ctr: number, now: number): Promise<PayCode> {
  const code = await signJws(key.privateKey, { typ: 'pay-code', v: 1, mediaId: cert.mediaId, ctr, iat: now, ttl: CODE_TTL_MS });
  return { text: `${cert.certificate}~${code}`, ctr, iat: now, cert };
}
