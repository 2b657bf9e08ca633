/**
 * Values that may be used once within their lifetime (a sign-in's state, a hand-off), remembered
 * in this process's memory until they expire. All entries share one lifetime, so the oldest
 * inserted expires first: expired entries are dropped from the front, and when the set is full
 * the oldest goes, so memory stays bounded whatever arrives.
 */
export class SpentSet {
  /** value → when it may be forgotten (ms); a Map iterates in insertion order. */
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly lifetimeMs: number,
    private readonly maxEntries: number,
  ) {}

  /** True the first time `value` is spent; false when it was spent already within its lifetime. */
  spend(value: string, now: number): boolean {
    this.forgetExpired(now);
    if (this.expiries.has(value)) return false;
    if (this.expiries.size >= this.maxEntries) {
      const oldest = this.expiries.keys().next();
      if (oldest.done !== true) this.expiries.delete(oldest.value);
    }
    this.expiries.set(value, now + this.lifetimeMs);
    return true;
  }

  /** How many values are remembered. */
  get size(): number {
    return this.expiries.size;
  }

  private forgetExpired(now: number): void {
    // Bounded by maxEntries; stops at the first entry still alive (those after it expire later).
    for (const [value, expiry] of this.expiries) {
      if (expiry > now) return;
      this.expiries.delete(value);
    }
  }
}
