/**
 * The settlement contract's transactions (chaincode/src/contract/settlement-contract.ts, the
 * default contract): each name, its arguments and how its answer is read. What the gateway only
 * forwards to its API caller is read as `forwarded`; what it reads fields of has a typed view here.
 */
import { answerList } from './ledger-answer';
import { LedgerError } from './ledger-port';
import { fieldsOf, forwarded, jsonArg, listOf, noArgs, oneArg, query, storedWrite, text, write } from './transaction';

/** A terminal (or site edge) as the registry answers it, as far as the gateway reads it. */
export interface TerminalView {
  readonly terminalId: string;
  readonly merchantId: string;
  /** 'terminal' or 'edge'. */
  readonly role: string;
  readonly status: string;
  readonly publicKey: unknown;
  readonly retiredAt: number | null;
}

/** An account's balances as the gateway reads them (amounts as the contract writes them, decimal strings of minor units). */
export interface AccountView {
  readonly status: string;
  readonly group: string;
  readonly wallet: string;
  readonly creditLine: string;
  readonly creditUsed: string;
  readonly advance: string;
  readonly points: string;
  readonly debtSince: number | null;
}

/** A settled sale of a statement that a fold has not funded yet (the merchant is paid). */
export interface PendingChargeView {
  readonly paymentId: string;
  readonly amount: string;
  readonly at: number;
}

function pendingChargeView(value: unknown): PendingChargeView {
  const f = fieldsOf(value);
  return { paymentId: text(f.paymentId), amount: amountText(f.amount), at: typeof f.at === 'number' ? f.at : 0 };
}

/** One posting of a statement. */
export interface PostingView {
  readonly ref: string;
  readonly from: string;
  readonly to: string;
  readonly amount: string;
}

/** A payment found by its id: where and when it was sold, and its outcome code (none when it settled). */
export interface PaymentView {
  readonly terminalId: string | null;
  readonly at: number | null;
  readonly code: string | null;
}

/** One line of an account's advances: an advance the operator fronted or a recovery of one. */
export interface AdvanceLine {
  readonly kind: string;
  readonly ref: string;
  readonly amount: string;
}

/** A charge awaiting funding (`charge/<account>/<paymentId>`): the payer's account and the payment. */
export type ChargeRef = readonly [account: string, paymentId: string];

/** One batch's answer in a settled group: its result as the terminal reads it back, or its refusal. */
export interface GroupBatchAnswer {
  /** Summary and per-record outcomes (what GET /v1/batches/{receipt} shows as `result`). */
  readonly result: Record<string, unknown>;
  readonly counts: Readonly<Record<string, number>>;
  /** The charges this submission left awaiting funding (records answered `funding: "pending"`), for the fold. */
  readonly pending: readonly ChargeRef[];
  readonly refused?: { readonly code: string; readonly message: string };
}


/** One entry of a terminal's batch chain (GetBatches), as far as the gateway reads it. */
export interface ChainEntry extends Record<string, unknown> {
  readonly batchSeq: number;
  readonly counts?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const numberOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const stringOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
/** An amount field; the contract always writes one, '0' stands in where it did not. */
const amountText = (v: unknown): string => (typeof v === 'string' ? v : '0');

function terminalView(v: unknown): TerminalView {
  const t = fieldsOf(v);
  return { terminalId: text(t.terminalId), merchantId: text(t.merchantId), role: text(t.role), status: text(t.status), publicKey: t.publicKey, retiredAt: numberOrNull(t.retiredAt) };
}

function accountView(v: unknown): AccountView {
  const a = fieldsOf(v);
  return {
    status: text(a.status), group: text(a.group), wallet: amountText(a.wallet), creditLine: amountText(a.creditLine), creditUsed: amountText(a.creditUsed),
    advance: amountText(a.advance), points: amountText(a.points), debtSince: numberOrNull(a.debtSince),
  };
}

function postingView(v: unknown): PostingView {
  const p = fieldsOf(v);
  return { ref: text(p.ref), from: text(p.from), to: text(p.to), amount: amountText(p.amount) };
}

/** GetPaymentsById answers `{payment}` per id, in order (none where the id is unknown). */
function paymentsFound(answer: unknown): (PaymentView | undefined)[] {
  return listOf(answer).map((entry) => {
    const payment = fieldsOf(entry).payment;
    if (!isObject(payment)) return undefined;
    return { terminalId: stringOrNull(payment.terminalId), at: numberOrNull(payment.at), code: stringOrNull(payment.code) };
  });
}

/** GetAdvances answers one book per account, each with its lines: every line of them. */
const advanceLines = (answer: unknown): AdvanceLine[] =>
  listOf(answer).flatMap((book) => listOf(fieldsOf(book).lines).map((l) => ({ kind: text(fieldsOf(l).kind), ref: text(fieldsOf(l).ref), amount: amountText(fieldsOf(l).amount) })));

function countsOf(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (isObject(v)) for (const [k, n] of Object.entries(v)) if (typeof n === 'number') out[k] = n;
  return out;
}

/**
 * The charges a batch's outcomes leave awaiting funding: records answered `funding: "pending"`
 * (a closed account's referred sale keeps its funding object and is funded already). One that
 * names no account or payment is not folded from here; the gateway's sweep of ListPendingCharges
 * finds every charge on the ledger whatever this answer said.
 */
function pendingCharges(outcomes: unknown): ChargeRef[] {
  return listOf(outcomes).flatMap((o): ChargeRef[] => {
    const r = fieldsOf(o);
    return r.funding === 'pending' && typeof r.account === 'string' && typeof r.paymentId === 'string' ? [[r.account, r.paymentId]] : [];
  });
}

/** Reads one entry of SubmitBatches' answer. */
function groupEntry(v: unknown): GroupBatchAnswer {
  if (!isObject(v)) throw new LedgerError('refused', 'SubmitBatches answered an entry that is not an object', 'REFUSED');
  const refused = v.refused;
  if (isObject(refused)) {
    return { result: v, counts: {}, pending: [], refused: { code: typeof refused.code === 'string' ? refused.code : 'REFUSED', message: typeof refused.message === 'string' ? refused.message : '' } };
  }
  return { result: v, counts: countsOf(v.counts), pending: pendingCharges(v.outcomes) };
}

/** A count the contract must answer: a non-negative integer, else the answer is unusable. */
/** The documents the writes take; the contract's own parsers judge them. */
type Document = Readonly<Record<string, unknown>>;
/** A top-up as POST /v1/top-ups takes it. */
export interface TopUpInput { readonly topUpId: string; readonly account: string; readonly amount: string }
/** A new account as POST /v1/accounts takes it. */
export interface AccountInput { readonly account: string; readonly group: string; readonly creditLine: string }
/** The filter of GetPayments. */
export interface PaymentFilter { readonly terminalId?: string; readonly merchantId?: string; readonly from?: number; readonly to?: number }

/** SubmitBatches takes its batches as one argument, one compact JWS a line (a JWS holds no newline). */
const batchLines = (jwsList: readonly string[]): string => jwsList.join('\n');

const S = 'settlement';
const two = (a: string, b: string): readonly string[] => [a, b];

/** Every transaction of the settlement contract the gateway calls. */
export const SETTLEMENT = {
  // ---- registry ----
  RegisterIssuerKey: write(S, 'RegisterIssuerKey', (key: Document) => jsonArg(key), forwarded),
  RevokeIssuerKey: write(S, 'RevokeIssuerKey', oneArg, forwarded),
  RegisterMerchant: write(S, 'RegisterMerchant', (merchant: { merchantId: string; name: string }) => jsonArg(merchant), forwarded),
  RegisterTerminal: write(S, 'RegisterTerminal', (terminal: { terminalId: string; merchantId: string; publicKey: Readonly<Record<string, string>>; role?: 'terminal' | 'edge' }) => jsonArg(terminal), forwarded),
  SetTerminalStatus: write(S, 'SetTerminalStatus', (terminalId: string, status: 'active' | 'revoked') => two(terminalId, status), forwarded),
  RetireEdge: write(S, 'RetireEdge', oneArg, forwarded),
  RotateTerminalKey: write(S, 'RotateTerminalKey', (terminalId: string, publicKey: Readonly<Record<string, string>>) => [terminalId, JSON.stringify(publicKey)], forwarded),
  GetTerminal: query(S, 'GetTerminal', oneArg, terminalView),
  ListTerminals: query(S, 'ListTerminals', noArgs, (answer) => listOf(answer).filter(isObject).map(terminalView)),
  GetOfflineConfig: query(S, 'GetOfflineConfig', oneArg, forwarded),
  GetAllowances: query(S, 'GetAllowances', oneArg, forwarded),
  GetKeyHistory: query(S, 'GetKeyHistory', (kind: string, keyId: string) => two(kind, keyId), forwarded),
  // ---- policies ----
  SetRiskPolicy: write(S, 'SetRiskPolicy', (policy: Document) => jsonArg(policy), forwarded),
  GetRiskPolicy: query(S, 'GetRiskPolicy', noArgs, forwarded),
  SetPointsPolicy: write(S, 'SetPointsPolicy', (policy: Document) => jsonArg(policy), forwarded),
  SetWaiverLimit: write(S, 'SetWaiverLimit', oneArg, forwarded),
  // ---- accounts and money ----
  OpenAccount: write(S, 'OpenAccount', (account: AccountInput) => jsonArg(account), forwarded),
  OpenAccounts: write(S, 'OpenAccounts', (accounts: readonly AccountInput[]) => jsonArg(accounts), forwarded),
  SetCreditLine: write(S, 'SetCreditLine', (account: string, creditLine: string) => two(account, creditLine), forwarded),
  TopUp: write(S, 'TopUp', (topUp: TopUpInput) => jsonArg(topUp), forwarded),
  TopUps: write(S, 'TopUps', (topUps: readonly TopUpInput[]) => jsonArg(topUps), forwarded),
  GetTopUp: query(S, 'GetTopUp', oneArg, storedWrite('GetTopUp')),
  Payout: write(S, 'Payout', (payout: { payoutId: string; merchantId: string }) => jsonArg(payout), forwarded),
  GetPayout: query(S, 'GetPayout', (merchantId: string, payoutId: string) => two(merchantId, payoutId), storedWrite('GetPayout')),
  GetAccount: query(S, 'GetAccount', oneArg, accountView),
  GetStatement: query(S, 'GetStatement', oneArg, (answer) => ({
    postings: listOf(fieldsOf(answer).postings).map(postingView), pending: listOf(fieldsOf(answer).pending).map(pendingChargeView),
  })),
  GetAdvances: query(S, 'GetAdvances', oneArg, advanceLines),
  ListDebts: query(S, 'ListDebts', noArgs, forwarded),
  GetPointsSupply: query(S, 'GetPointsSupply', noArgs, forwarded),
  GetPointsRollForward: query(S, 'GetPointsRollForward', (from: string, to: string) => two(from, to), forwarded),
  ExpirePoints: write(S, 'ExpirePoints', (accounts: readonly string[]) => jsonArg(accounts), forwarded),
  CheckInvariant: query(S, 'CheckInvariant', noArgs, forwarded),
  // ---- clearance ----
  BeginClearance: write(S, 'BeginClearance', oneArg, forwarded),
  LoadPurse: write(S, 'LoadPurse', (load: Document) => jsonArg(load), forwarded),
  RefundPurse: write(S, 'RefundPurse', (refund: Document) => jsonArg(refund), forwarded),
  GetPurse: query(S, 'GetPurse', oneArg, forwarded),
  IssueClearanceRecord: write(S, 'IssueClearanceRecord', (record: Document) => jsonArg(record), forwarded),
  RevokeClearanceRecord: write(S, 'RevokeClearanceRecord', (revocation: Document) => jsonArg(revocation), forwarded),
  GetClearanceRecord: query(S, 'GetClearanceRecord', oneArg, forwarded),
  GetHeldClearanceRecord: query(S, 'GetHeldClearanceRecord', oneArg, forwarded),
  ApproveWaiver: write(S, 'ApproveWaiver', (approval: { account: string; debt: 'advance' | 'credit' }) => jsonArg(approval), forwarded),
  CompleteClearance: write(S, 'CompleteClearance', (clearance: { account: string; resolutions: readonly Document[] }) => jsonArg(clearance), forwarded),
  // ---- batches and payments ----
  SubmitBatch: write(S, 'SubmitBatch', oneArg, forwarded),
  /** Batches settled in one transaction (group commit), one JWS a line; answers one entry per batch, in order. */
  SubmitBatches: write(S, 'SubmitBatches', (jwsList: readonly string[]) => [batchLines(jwsList)],
    (answer, jwsList) => answerList(answer, 'SubmitBatches', 'batches', jwsList.length).map(groupEntry)),
  GetBatches: query(S, 'GetBatches', oneArg, (answer) => listOf(answer).filter((e): e is ChainEntry => isObject(e) && typeof e.batchSeq === 'number')),
  GetBatchByReceipt: query(S, 'GetBatchByReceipt', oneArg, (answer) => {
    const batch = fieldsOf(answer).batch;
    return { batch: isObject(batch) ? batch : undefined };
  }),
  GetPayment: query(S, 'GetPayment', oneArg, forwarded),
  GetPayments: query(S, 'GetPayments', (filter: PaymentFilter) => jsonArg(filter), forwarded),
  GetPaymentsById: query(S, 'GetPaymentsById', (ids: readonly string[]) => jsonArg(ids), paymentsFound),
  ListFraudCases: query(S, 'ListFraudCases', noArgs, forwarded),
  GetDenyListDelta: query(S, 'GetDenyListDelta', oneArg, forwarded),
  GetActor: query(S, 'GetActor', oneArg, forwarded),
} as const;
