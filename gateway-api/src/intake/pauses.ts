/**
 * Waits that a stop cuts short: retries back off in them, and a process that is stopping does not
 * wait out a backoff before it can finish.
 */
export class Pauses {
  private readonly sleepers = new Set<() => void>();

  /** Resolves after `ms`, or at once when wakeAll is called meanwhile. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** Ends every wait now. */
  wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }
}

/** Exponential backoff from 250 ms, at most `maxMs`, jittered so that processes that failed together do not retry together. */
export function backoffMs(attempt: number, maxMs: number): number {
  return Math.min(maxMs, 250 * 2 ** Math.min(Math.max(attempt - 1, 0), 10)) * (0.5 + Math.random() / 2);
}
