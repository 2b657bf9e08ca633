import { Amount } from '../core/amount';
import { inDebt, type AccountState } from './account';

/** The age buckets of a debt, in days since it began (docs/settlement.md): each day falls in exactly one. */
export const AGE_BUCKETS = ['0-30', '31-90', '91-365', 'over-365'] as const;

/** One of AGE_BUCKETS. */
export type AgeBucket = (typeof AGE_BUCKETS)[number];

/** A day in ledger time (ms). */
export const DAY_MS = 86_400_000;

/** The bucket a debt `days` old falls in. */
export function ageBucket(days: number): AgeBucket {
  return days <= 30 ? '0-30' : days <= 90 ? '31-90' : days <= 365 ? '91-365' : 'over-365';
}

/** Whole days since the debt began, as of `now`; 0 for a debt without a start or one dated after `now`. */
export function debtAgeDays(since: number | undefined, now: number): number {
  return Math.max(0, Math.floor((now - (since ?? now)) / DAY_MS));
}

/** One account in debt, aged. */
export interface AgedDebt {
  readonly account: AccountState;
  readonly ageDays: number;
  readonly bucket: AgeBucket;
  /** advance + credit used: everything the student owes. */
  readonly owed: Amount;
}

/** Every account in debt, aged as of `now` in the order given, and what each bucket holds (only buckets with a debt). */
export function ageDebts(accounts: readonly AccountState[], now: number): { debts: AgedDebt[]; totals: Map<AgeBucket, Amount> } {
  const debts = accounts.filter(inDebt).map((account): AgedDebt => {
    const ageDays = debtAgeDays(account.debtSince, now);
    return { account, ageDays, bucket: ageBucket(ageDays), owed: account.advance.add(account.creditUsed) };
  });
  const totals = new Map<AgeBucket, Amount>();
  for (const d of debts) totals.set(d.bucket, (totals.get(d.bucket) ?? Amount.ZERO).add(d.owed));
  return { debts, totals };
}
