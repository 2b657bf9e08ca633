/**
 * When a certificate should be replaced, and which counters a page may use: pure rules, kept apart
 * from IndexedDB and the network so a unit test can pin them.
 */
import type { Certificate } from './certificate.js';

/**
 * How far ahead counters are reserved on disk: a crash skips at most this many, and a tap waits for
 * no disk while the taps of one reservation last.
 */
export const RESERVE_AHEAD = 20;
/**
 * Fewer reserved counters left than this, and more are reserved in the background: a strict write
 * on a loaded phone takes a few hundred ms, ten taps take longer than that.
 */
export const RESERVE_LOW = 10;

/**
 * Counters a page holds: it may show `next` up to `limit - 1`; the mark on disk is at least `limit`,
 * written before any of them is shown, so after a reload or a crash the wallet starts at or above it.
 */
export interface CounterBlock {
  readonly next: number;
  readonly limit: number;
}

/**
 * Where a fresh start may begin: the mark on disk (every counter below it may have been shown),
 * never below the certificate's first. A stored value is the first counter not yet reserved.
 */
export function nextCounter(stored: unknown, cert: Pick<Certificate, 'ctrFrom'>): number {
  const n = typeof stored === 'number' && Number.isSafeInteger(stored) ? stored : cert.ctrFrom;
  return Math.max(n, cert.ctrFrom);
}

/**
 * The block after a reservation over the mark `stored` on disk. If the mark is still the page's own
 * `limit`, nothing was reserved since and the block grows; else (another tab, or a page before a
 * reload) a new block starts at the mark: the counters in between are skipped, never reused.
 * Undefined when the certificate has no counter left; `limit` never passes `ctrTo + 1`.
 */
export function reserveBlock(
  stored: unknown,
  held: CounterBlock | undefined,
  cert: Pick<Certificate, 'ctrFrom' | 'ctrTo'>,
): CounterBlock | undefined {
  const mark = nextCounter(stored, cert);
  const next = held !== undefined && held.limit === mark ? held.next : mark;
  if (next > cert.ctrTo) return undefined;
  return { next, limit: Math.min(cert.ctrTo + 1, Math.max(mark, next + RESERVE_AHEAD)) };
}

/** Whether the block runs low and the certificate has counters to reserve beyond it. */
export function runsLow(block: CounterBlock, cert: Pick<Certificate, 'ctrTo'>): boolean {
  return block.limit - block.next < RESERVE_LOW && block.limit <= cert.ctrTo;
}

/**
 * The mark to write when a page gives its unused counters back (it is hidden, or closing): its
 * `next`, but only if the mark on disk is still its own `limit` (no one reserved above it since);
 * else undefined, and the mark stays.
 */
export function giveBackMark(stored: unknown, held: CounterBlock): number | undefined {
  return stored === held.limit && held.next < held.limit ? held.next : undefined;
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
