import { decodeBatch, decodeJws, parseFaceAttestation, parseMediaCert } from '@dol/chaincode';

/**
 * The payer accounts a batch will write, read from its records without verifying anything (this
 * is scheduling, not judgement: a credential that does not parse names no account, and the
 * contract will reject it without touching one). Face records name the account; code and tap
 * credentials carry it in the media certificate, the first JWS of `<cert>~<payer JWS>`.
 */
export function payerAccounts(jws: string): string[] {
  let records: readonly { readonly credential: unknown }[];
  try {
    records = decodeBatch(jws).records;
  } catch {
    return []; // the ledger will refuse it whole, writing nothing
  }
  const accounts = new Set<string>();
  for (const r of records) {
    const account = accountOf(r.credential);
    if (account !== undefined) accounts.add(account);
  }
  return [...accounts];
}

/** With the domain core's own parsers; what they refuse, the contract rejects without an account. */
function accountOf(credential: unknown): string | undefined {
  try {
    if (typeof credential !== 'string') return parseFaceAttestation(credential).account;
    return parseMediaCert(decodeJws(credential.split('~')[0]).payload).account;
  } catch {
    return undefined;
  }
}

/**
 * In-process locks on payer accounts for the batches in flight. Two batches of different
 * terminals that charge one student, submitted at once, are endorsed against the same version of
 * that student's account: one of them is invalidated (MVCC_READ_CONFLICT) or the two endorsing
 * peers disagree, and it must be endorsed again. In a reconnect burst, where every batch shares a
 * few students with the others in flight, that turns most submissions into retries. A batch
 * therefore waits, before its proposal, until no batch in flight holds any of its accounts, and
 * takes all of them at once (all or nothing: no partial holding, so no deadlock).
 */
export class PayerLocks {
  private readonly held = new Set<string>();
  private waiters: (() => void)[] = [];

  /** Waits until none of `accounts` is held, then holds them all; returns the release. */
  async acquire(accounts: readonly string[]): Promise<() => void> {
    while (accounts.some((a) => this.held.has(a))) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    for (const a of accounts) this.held.add(a);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const a of accounts) this.held.delete(a);
      const waiting = this.waiters;
      this.waiters = [];
      for (const wake of waiting) wake();
    };
  }

  /** Accounts held now (metrics, tests). */
  get size(): number {
    return this.held.size;
  }
}
