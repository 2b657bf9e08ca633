/**
 * Which submission settled a batch. A terminal, an edge or a gateway retrying after a crash or a
 * lost answer may submit the same batch (one digest, its receipt) several times; the ledger keeps
 * every submission. The one that *settled it* is the first in ledger time whose outcomes are not
 * all duplicates: it is the submission that first recorded its records' outcomes (settled, double
 * spend, rejected, conflict, ...), and every later one found those records already used and
 * answered `duplicate` for each. The audit query by receipt and the gateway's intake both ask here.
 */

/** What the rule reads of one stored submission (a batch record of the ledger or its answer). */
export interface BatchSubmission {
  /** Ledger time of its transaction (ms); 0 where an older record lacks it. */
  readonly at: number;
  /** Its outcomes counted by code. */
  readonly counts: Readonly<Record<string, number>>;
}

const isObject = (v: unknown): v is Readonly<Record<string, unknown>> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a submission's time and counts from its stored JSON; what is missing or malformed reads as 0 or absent. */
export function batchSubmissionOf(record: unknown): BatchSubmission {
  const at = isObject(record) && typeof record.at === 'number' ? record.at : 0;
  const counts: Record<string, number> = {};
  const raw = isObject(record) ? record.counts : undefined;
  if (isObject(raw)) for (const [code, n] of Object.entries(raw)) if (typeof n === 'number') counts[code] = n;
  return { at, counts };
}

/** True when a submission answered duplicate for some records and nothing else: it settled nothing. */
export function answeredOnlyDuplicates(counts: Readonly<Record<string, number>>): boolean {
  const entries = Object.entries(counts);
  return entries.some(([code, n]) => code === 'duplicate' && n > 0) && entries.every(([code, n]) => code === 'duplicate' || n === 0);
}

/** A batch's submissions in ledger time (stable: those of one time keep their order). */
export function inLedgerOrder<T>(submissions: readonly T[]): T[] {
  return submissions
    .map((s, i) => ({ s, i, at: batchSubmissionOf(s).at }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map(({ s }) => s);
}

/**
 * The submission that settled the batch, among the stored submissions of one batch (one digest):
 * the first in ledger time that did not answer only duplicates. Undefined when every one did (its
 * records were settled under another digest).
 */
export function settlingSubmission<T>(submissions: readonly T[]): T | undefined {
  return inLedgerOrder(submissions).find((s) => !answeredOnlyDuplicates(batchSubmissionOf(s).counts));
}
