import { Amount } from '../core/amount';
import type { MerchantId } from '../core/ids';

/**
 * The operator's daily close (docs/settlement.md, "Paying merchants"): what each merchant is owed,
 * a payout run over every merchant with credits, and the auditor's check that runs, payouts and
 * merchant credits agree. Pure rules: the contract reads the state, these decide.
 */

/** One settled batch's credit to its merchant, until a payout takes it (K.credit). */
export interface CreditLine {
  readonly merchantId: MerchantId;
  readonly amount: Amount;
  readonly terminalId: string | null;
  readonly batchSeq: number | null;
  readonly txId: string | null;
  readonly at: number | null;
}

/** What one merchant is owed now: its unpaid credits, oldest first. */
export interface MerchantOwed {
  readonly merchantId: MerchantId;
  readonly total: Amount;
  readonly lines: readonly CreditLine[];
  /** Time of the oldest unpaid credit, null when there is none. */
  readonly oldestAt: number | null;
}

/**
 * Most credit lines one payout run takes. Each line is a key the run deletes and a statement line
 * it writes (about 250 bytes in all): 10,000 keep a run's transaction near 2.5 MB, well inside the
 * orderer's 10 MB block limit. A day of the canteen burst is a few thousand batches.
 */
export const MAX_RUN_LINES = 10_000;

/** Code-point order: what every peer computes alike (localeCompare depends on the peer's ICU build). */
const codePointOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Statement order of two credits: by time, terminal and batch. */
export const compareCredits = (a: CreditLine, b: CreditLine): number =>
  (a.at ?? 0) - (b.at ?? 0) || codePointOrder(a.terminalId ?? '', b.terminalId ?? '') || (a.batchSeq ?? 0) - (b.batchSeq ?? 0);

/** Sorts one merchant's credits the way its statement lists them: by time, terminal and batch. */
export function statementOrder(lines: readonly CreditLine[]): CreditLine[] {
  return [...lines].sort(compareCredits);
}

/** Groups unpaid credits by merchant, merchants in id order; merchants named in `merchants` appear even when owed nothing. */
export function owedByMerchant(credits: readonly CreditLine[], merchants: readonly MerchantId[] = []): MerchantOwed[] {
  const byMerchant = new Map<MerchantId, CreditLine[]>();
  for (const m of merchants) byMerchant.set(m, []);
  for (const c of credits) {
    const list = byMerchant.get(c.merchantId);
    if (list === undefined) byMerchant.set(c.merchantId, [c]);
    else list.push(c);
  }
  return [...byMerchant.entries()]
    .sort(([a], [b]) => codePointOrder(a, b))
    .map(([merchantId, lines]) => {
      const sorted = statementOrder(lines);
      const total = sorted.reduce((s, l) => s.add(l.amount), Amount.ZERO);
      return { merchantId, total, lines: sorted, oldestAt: sorted[0]?.at ?? null };
    });
}

/** The merchants a run pays: those owed more than zero. Null when the run would take more than MAX_RUN_LINES lines. */
export function planRun(owed: readonly MerchantOwed[], maxLines = MAX_RUN_LINES): MerchantOwed[] | null {
  const paid = owed.filter((m) => m.total.gt(Amount.ZERO));
  const lines = paid.reduce((n, m) => n + m.lines.length, 0);
  return lines > maxLines ? null : paid;
}

/** A payout statement as the auditor's check reads it back. */
export interface PaidStatement {
  readonly merchantId: MerchantId;
  readonly payoutId: string;
  readonly total: Amount;
  readonly lineTotal: Amount;
  /** The run that paid it, for a statement a payout run wrote. */
  readonly runId?: string;
}

/** A payout run's record as the auditor's check reads it back. */
export interface RunRecord {
  readonly runId: string;
  readonly total: Amount;
  readonly payouts: readonly { readonly merchantId: MerchantId; readonly total: Amount }[];
}

export interface PayoutCheckInput {
  /** Balance of each `merchant:<id>` book, recomputed from every posting. */
  readonly merchantBooks: ReadonlyMap<MerchantId, Amount>;
  /** Balance of the `payouts` book, from every posting. */
  readonly payoutsBook: Amount;
  readonly unpaid: readonly CreditLine[];
  readonly statements: readonly PaidStatement[];
  readonly runs: readonly RunRecord[];
}

export interface PayoutCheckReport {
  readonly ok: boolean;
  readonly merchants: readonly { readonly merchantId: MerchantId; readonly book: Amount; readonly unpaid: Amount; readonly paid: Amount; readonly agrees: boolean }[];
  readonly payoutsBook: Amount;
  readonly paidTotal: Amount;
  readonly runs: readonly { readonly runId: string; readonly total: Amount; readonly statements: Amount; readonly agrees: boolean }[];
  /** Every disagreement, in words an auditor can act on. */
  readonly problems: readonly string[];
}

/**
 * The auditor's check of the daily close:
 * - each merchant's book equals its unpaid credits (what settled and was not paid out);
 * - each statement's lines add up to its total;
 * - the payouts book equals the sum of every statement;
 * - each run's total equals its payouts, and each of its payouts is a statement with the same total.
 */
export function checkPayouts(input: PayoutCheckInput): PayoutCheckReport {
  const problems: string[] = [];
  const unpaid = new Map(owedByMerchant(input.unpaid).map((m) => [m.merchantId, m.total]));
  const paid = new Map<MerchantId, Amount>();
  const statementTotal = new Map<string, Amount>();
  for (const s of input.statements) {
    paid.set(s.merchantId, (paid.get(s.merchantId) ?? Amount.ZERO).add(s.total));
    statementTotal.set(`${s.merchantId}/${s.payoutId}`, s.total);
    if (!s.lineTotal.equals(s.total)) problems.push(`payout ${s.payoutId} of ${s.merchantId}: lines add up to ${s.lineTotal.toString()}, total says ${s.total.toString()}`);
  }
  const ids = [...new Set([...input.merchantBooks.keys(), ...unpaid.keys(), ...paid.keys()])].sort();
  const merchants = ids.map((merchantId) => {
    const bookBalance = input.merchantBooks.get(merchantId) ?? Amount.ZERO;
    const owed = unpaid.get(merchantId) ?? Amount.ZERO;
    const agrees = bookBalance.equals(owed);
    if (!agrees) problems.push(`merchant ${merchantId}: book ${bookBalance.toString()}, unpaid credits ${owed.toString()}`);
    return { merchantId, book: bookBalance, unpaid: owed, paid: paid.get(merchantId) ?? Amount.ZERO, agrees };
  });
  const paidTotal = input.statements.reduce((s, x) => s.add(x.total), Amount.ZERO);
  if (!paidTotal.equals(input.payoutsBook)) problems.push(`payouts book ${input.payoutsBook.toString()}, statements ${paidTotal.toString()}`);
  // A statement that says a run paid it must be one of that run's payouts.
  const listed = new Set(input.runs.flatMap((r) => r.payouts.map((p) => `${r.runId}/${p.merchantId}`)));
  for (const st of input.statements) {
    if (st.runId !== undefined && !listed.has(`${st.runId}/${st.merchantId}`)) problems.push(`payout ${st.payoutId} of ${st.merchantId} names run ${st.runId}, which does not list it`);
  }
  const runs = input.runs.map((r) => {
    let statements = Amount.ZERO;
    for (const p of r.payouts) {
      const stored = statementTotal.get(`${p.merchantId}/${r.runId}`);
      if (stored === undefined) problems.push(`run ${r.runId}: no payout statement of ${p.merchantId}`);
      else if (!stored.equals(p.total)) problems.push(`run ${r.runId}: ${p.merchantId} paid ${stored.toString()}, run says ${p.total.toString()}`);
      statements = statements.add(stored ?? Amount.ZERO);
    }
    const agrees = statements.equals(r.total);
    if (!agrees) problems.push(`run ${r.runId}: total ${r.total.toString()}, its payouts ${statements.toString()}`);
    return { runId: r.runId, total: r.total, statements, agrees };
  });
  return { ok: problems.length === 0, merchants, payoutsBook: input.payoutsBook, paidTotal, runs, problems };
}
