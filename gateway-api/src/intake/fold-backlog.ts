import type { ChargeRef } from '../ledger/settlement-client';

/** How much one fold takes: the contract's limits on FoldCharges (FOLD_LIMITS). */
export interface FoldSize {
  readonly charges: number;
  readonly accounts: number;
}

/**
 * Charges handed to this process to fold and not yet in a fold, by account in the order the
 * accounts arrived. Only a hint of what to fold first: every charge is on the ledger until a fold
 * funds it, so what the backlog cannot hold (it is bounded) is left to the sweep, never lost.
 */
export class FoldBacklog {
  private readonly waiting = new Map<string, Set<string>>();
  private count = 0;

  /** `capacity`: the most charges held at once. */
  constructor(private readonly capacity: number) {}

  /** Charges waiting. */
  get size(): number {
    return this.count;
  }

  /** Adds the charges not held already and not `inFlight`, while there is room; how many it added and how many it had no room for. */
  add(charges: readonly ChargeRef[], inFlight: (charge: ChargeRef) => boolean): { added: number; dropped: number } {
    let added = 0;
    let dropped = 0;
    for (const charge of charges) {
      const [account, paymentId] = charge;
      const ids = this.waiting.get(account);
      if (ids?.has(paymentId) === true || inFlight(charge)) continue;
      if (this.count >= this.capacity) {
        dropped += 1;
        continue;
      }
      if (ids === undefined) this.waiting.set(account, new Set([paymentId]));
      else ids.add(paymentId);
      this.count += 1;
      added += 1;
    }
    return { added, dropped };
  }

  /**
   * Takes the next fold: the charges of accounts not `busy` (in a fold in flight), oldest account
   * first, each account whole while it fits in `size`. An account whose charges do not fit what is
   * left of this fold heads the next one; one with more charges than any fold holds goes alone, its
   * first charges now and the rest in later folds. Empty when nothing can be folded now.
   */
  take(busy: (account: string) => boolean, size: FoldSize): ChargeRef[] {
    const fold: ChargeRef[] = [];
    let accounts = 0;
    for (const [account, ids] of this.waiting) {
      if (accounts >= size.accounts || fold.length >= size.charges) break;
      if (busy(account)) continue;
      const room = size.charges - fold.length;
      if (ids.size > room && fold.length > 0) continue;
      for (const paymentId of ids) {
        if (fold.length >= size.charges) break;
        fold.push([account, paymentId]);
        ids.delete(paymentId);
        this.count -= 1;
      }
      if (ids.size === 0) this.waiting.delete(account);
      accounts += 1;
    }
    return fold;
  }

  /** Forgets every waiting charge (they stay on the ledger). */
  clear(): void {
    this.waiting.clear();
    this.count = 0;
  }
}
