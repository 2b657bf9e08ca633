/**
 * One account's open debts, cut from the ledger's list of every account's (the contract's
 * ListDebts takes no account; the cut is here so that `GET /v1/debts?account=` answers the same
 * shape as the full list, its bucket totals summed again over the rows that are left).
 */
import { Amount } from '@dol/chaincode';

/** The answer of ListDebts, narrowed to one account. */
export interface DebtList {
  readonly asOf: unknown;
  readonly totals: Readonly<Record<string, string>>;
  readonly debts: readonly Readonly<Record<string, unknown>>[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The rows of `answer` (ListDebts) whose account is `account`, with the totals per age bucket of those rows only. */
export function debtsOfAccount(answer: unknown, account: string): DebtList {
  if (!isRecord(answer) || !Array.isArray(answer.debts)) throw new Error('ListDebts answered without a debts list');
  const debts = answer.debts.filter(isRecord).filter((d) => d.account === account);
  const totals = new Map<string, Amount>();
  for (const d of debts) {
    if (typeof d.bucket !== 'string') throw new Error('ListDebts answered a debt without its age bucket');
    totals.set(d.bucket, (totals.get(d.bucket) ?? Amount.ZERO).add(Amount.parse(d.advance, 'advance')).add(Amount.parse(d.credit, 'credit')));
  }
  return { asOf: answer.asOf, totals: Object.fromEntries([...totals].map(([bucket, sum]) => [bucket, sum.toString()])), debts };
}
