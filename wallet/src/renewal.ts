/**
 * When a certificate should be replaced, and which counter comes next: pure rules, kept apart from
 * IndexedDB and the network so a unit test can pin them.
 */
import type { Certificate } from './certificate.js';

/** The counter the next code would take: the stored one, never below the certificate's first. */
export function nextCounter(stored: unknown, cert: Pick<Certificate, 'ctrFrom'>): number {
  const n = typeof stored === 'number' && Number.isSafeInteger(stored) ? stored : cert.ctrFrom;
  return Math.max(n, cert.ctrFrom);
}

/** Codes the certificate still has, given the next counter. */
export function codesLeft(cert: Pick<Certificate, 'ctrTo'>, next: number): number {
  return Math.max(0, cert.ctrTo - next + 1);
}

/** Why a certificate should be refreshed now (while online), or undefined if it is still good. */
export function refreshReason(cert: Pick<Certificate, 'ctrFrom' | 'ctrTo' | 'nbf' | 'exp'>, next: number, now: number): string | undefined {
  if (now >= cert.exp) return 'it has expired';
  if (next > cert.ctrTo) return 'all its codes are used';
  // Integer comparisons: 2·elapsed ≥ validity, 2·used > counters.
  if (2 * (now - cert.nbf) >= cert.exp - cert.nbf) return 'more than half its validity is gone';
  if (2 * (next - cert.ctrFrom) > cert.ctrTo - cert.ctrFrom + 1) return 'more than half its codes are used';
  return undefined;
}
