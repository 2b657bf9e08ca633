/** Tap-to-QR times for the benchmark: the last few, in ms, on `window.__walletTimings`. */

declare global {
  interface Window {
    /** The last tap-to-QR-on-screen times in ms (performance.now()), newest last. */
    __walletTimings: number[];
  }
}

/** How many figures are kept: enough for a benchmark's median, bounded. */
export const TIMINGS_KEPT = 50;

/** Makes sure `window.__walletTimings` exists. */
export function initTimings(): void {
  if (!Array.isArray(window.__walletTimings)) window.__walletTimings = [];
}

/** Records one tap-to-QR time. */
export function recordTiming(ms: number): void {
  initTimings();
  window.__walletTimings.push(ms);
  if (window.__walletTimings.length > TIMINGS_KEPT) window.__walletTimings.splice(0, window.__walletTimings.length - TIMINGS_KEPT);
}

/** Resolves once the browser has painted what is in the DOM now (the frame after the next). */
export function painted(): Promise<void> {
  return new Promise((resolve) => {
    requestAnimationFrame(() => {
      setTimeout(resolve, 0);
    });
  });
}
