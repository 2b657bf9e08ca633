/**
 * The funding contract's transactions (`funding:`, chaincode/src/contract/funding-contract.ts):
 * what the gateway runs after settling (FoldCharges, PublishDenials) and the list of charges still
 * awaiting funding (docs/settlement.md, "Funding at the fold").
 */
import { answerList } from './ledger-answer';
import { LedgerError } from './ledger-port';
import type { ChargeRef } from './settlement-transactions';
import { fieldsOf, jsonArg, noArgs, query, write } from './transaction';

const F = 'funding';

/** A FoldCharges answer: how many charges it funded (those a top-up folded already are skipped), of how many accounts. */
export interface FoldAnswer {
  readonly folded: number;
  readonly accounts: number;
  /** Cards the fold found tampered (a purse's broken balance chain): their denials await PublishDenials. */
  readonly denials: number;
}

/** A charge awaiting funding as ListPendingCharges answers it. */
export interface PendingCharge {
  readonly account: string;
  readonly paymentId: string;
  readonly amount: string;
  /** Sale time and settlement time, ms (null where the contract wrote none). */
  readonly at: number | null;
  readonly settledAt: number | null;
}

/** A page of ListPendingCharges, in key order (account, then payment); `more` when the limit cut it. */
export interface PendingCharges {
  readonly charges: readonly PendingCharge[];
  readonly more: boolean;
}

/** A PublishDenials answer: the media given deny-list versions, and the deny list's version after it. */
export interface DenialsPublished {
  readonly published: number;
  readonly denyListVersion: number;
}

/** The contract's limits on one FoldCharges: charges, and distinct accounts among them (MAX_FOLD_CHARGES, MAX_FOLD_ACCOUNTS of chaincode/src/contract/fold-records.ts). */
export const FOLD_LIMITS = { charges: 2000, accounts: 500 } as const;
/** The most charges one ListPendingCharges answers (the contract's MAX_PENDING_LIST). */
export const MAX_PENDING_PAGE = 5000;

const numberOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const amountText = (v: unknown): string => (typeof v === 'string' ? v : '0');

function countField(v: unknown, fn: string, name: string): number {
  const n = fieldsOf(v)[name];
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new LedgerError('refused', `${fn} answered without a count ${name}`, 'REFUSED');
  return n;
}

const foldAnswer = (answer: unknown): FoldAnswer => ({
  folded: countField(answer, 'FoldCharges', 'folded'), accounts: countField(answer, 'FoldCharges', 'accounts'), denials: countField(answer, 'FoldCharges', 'denials'),
});

const denialsPublished = (answer: unknown): DenialsPublished =>
  ({ published: countField(answer, 'PublishDenials', 'published'), denyListVersion: countField(answer, 'PublishDenials', 'denyListVersion') });

/** Reads ListPendingCharges: each charge must name its account and payment, which a fold is asked for. */
function pendingPage(answer: unknown): PendingCharges {
  const charges = answerList(answer, 'ListPendingCharges', 'charges').map((c): PendingCharge => {
    const f = fieldsOf(c);
    if (typeof f.account !== 'string' || typeof f.paymentId !== 'string') throw new LedgerError('refused', 'ListPendingCharges answered a charge without its account or payment', 'REFUSED');
    return { account: f.account, paymentId: f.paymentId, amount: amountText(f.amount), at: numberOrNull(f.at), settledAt: numberOrNull(f.settledAt) };
  });
  return { charges, more: fieldsOf(answer).more === true };
}

/** A page size ListPendingCharges takes: a decimal 1..MAX_PENDING_PAGE. */
function pageLimit(limit: number): readonly string[] {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PENDING_PAGE) throw new RangeError(`a page of pending charges holds 1 to ${MAX_PENDING_PAGE}, not ${limit}`);
  return [String(limit)];
}

export const FUNDING = {
  /** Funds charges awaiting funding (pairs [account, paymentId], within FOLD_LIMITS); charges folded already are skipped. */
  FoldCharges: write(F, 'FoldCharges', (charges: readonly ChargeRef[]) => jsonArg(charges), foldAnswer),
  /** The charges awaiting funding in key order (account, then payment), at most `limit` of them. */
  ListPendingCharges: query(F, 'ListPendingCharges', pageLimit, pendingPage),
  /** Gives deny-list versions to the media found double-spent since the last call. */
  PublishDenials: write(F, 'PublishDenials', noArgs, denialsPublished),
} as const;
