/**
 * The issuance contract's transactions (`issuance:`, chaincode/src/contract/issuance-contract.ts):
 * each name, its arguments and how its answer is read.
 */
import { DomainError, isJsonObject, type ErrorCode } from '@dol/chaincode';
import { answerList } from './ledger-answer';
import { LedgerError } from './ledger-port';
import { forwarded, jsonArg, listOf, noArgs, num, oneArg, query, text, write } from './transaction';

/** A quote of the ledger for one certificate: its limits and counters (docs/wallet.md, "Limits"). */
export interface Quote {
  readonly account: string;
  readonly group: string;
  readonly mediaId: string;
  readonly capTotal: string;
  readonly capPerPayment: string;
  readonly ctrFrom: number;
  readonly ctrTo: number;
  readonly nbf: number;
  readonly exp: number;
}

/** One entry's answer in a group: what was recorded, or why not. */
export type EntryAnswer = { readonly ok: true; readonly value: Readonly<Record<string, unknown>> } | { readonly ok: false; readonly error: DomainError };

/** A registered issuer key, as the ledger lists it. */
export interface LedgerIssuerKey {
  readonly keyId: string;
  readonly alg: string;
  readonly validFrom: number;
  readonly validTo: number;
  readonly status: string;
}

/** An account's live activation code: its hash and expiry. */
export interface Activation {
  readonly codeHash: string;
  readonly expiresAt: number;
}

/** A loss or find report of a medium. */
export interface MediumReport {
  readonly mediaId: string;
  readonly status: 'lost' | 'found';
  readonly reason?: string;
  readonly account?: string;
}

/** An entry of RecordIssuances: an agreement acceptance or a signed certificate. */
export type IssuanceEntry = { readonly agreement: string } | { readonly certificate: string };

/** An entry `{refused: {code, message}}` as the DomainError it stands for. */
function entryOf(v: unknown): EntryAnswer {
  if (!isJsonObject(v)) throw new LedgerError('refused', 'an issuance entry is not an object', 'REFUSED');
  const refused = v.refused;
  if (isJsonObject(refused)) {
    const code = typeof refused.code === 'string' ? refused.code : 'INVALID_FIELD';
    const message = typeof refused.message === 'string' ? refused.message.replace(/^[A-Z][A-Z0-9_]{2,40}: /, '') : '';
    return { ok: false, error: new DomainError(code as ErrorCode, message) };
  }
  return { ok: true, value: v };
}

function quoteOf(v: unknown): Quote | DomainError {
  const e = entryOf(v);
  if (!e.ok) return e.error;
  const q = e.value;
  return {
    account: text(q.account), group: text(q.group), mediaId: text(q.mediaId), capTotal: text(q.capTotal), capPerPayment: text(q.capPerPayment),
    ctrFrom: num(q.ctrFrom), ctrTo: num(q.ctrTo), nbf: num(q.nbf), exp: num(q.exp),
  };
}

const I = 'issuance';

/** Every transaction of the issuance contract the gateway calls. */
export const ISSUANCE = {
  SetAgreementText: write(I, 'SetAgreementText', oneArg, forwarded),
  GetAgreementText: query(I, 'GetAgreementText', noArgs, forwarded),
  /** Certificates quoted for (account, medium) pairs, in order; a refusal per entry as its DomainError. */
  QuoteCertificates: query(I, 'QuoteCertificates', (requests: readonly { account: string; mediaId: string }[]) => jsonArg(requests),
    (answer, requests) => answerList(answer, 'QuoteCertificates', undefined, requests.length).map(quoteOf)),
  /** Agreements and certificates recorded in one transaction; each entry answered in order. */
  RecordIssuances: write(I, 'RecordIssuances', (entries: readonly IssuanceEntry[]) => jsonArg(entries),
    (answer, entries) => answerList(answer, 'RecordIssuances', 'entries', entries.length).map(entryOf)),
  WithdrawAgreement: write(I, 'WithdrawAgreement', oneArg, forwarded),
  ReportMedium: write(I, 'ReportMedium', (report: MediumReport) => jsonArg(report), forwarded),
  IssueActivationCodes: write(I, 'IssueActivationCodes', (list: readonly { account: string; codeHash: string }[]) => jsonArg(list),
    (answer) => answerList(answer, 'IssueActivationCodes').filter(isJsonObject).map((a) => ({ account: text(a.account), expiresAt: num(a.expiresAt) }))),
  GetActivation: query(I, 'GetActivation', oneArg, (a): Activation | undefined => (isJsonObject(a) ? { codeHash: text(a.codeHash), expiresAt: num(a.expiresAt) } : undefined)),
  GetMedia: query(I, 'GetMedia', oneArg, forwarded),
  GetAgreementHistory: query(I, 'GetAgreementHistory', oneArg, forwarded),
  ListIssuerKeys: query(I, 'ListIssuerKeys', noArgs, (answer): LedgerIssuerKey[] =>
    listOf(answer).filter(isJsonObject).map((k) => ({ keyId: text(k.keyId), alg: text(k.alg), validFrom: num(k.validFrom), validTo: num(k.validTo), status: text(k.status) }))),
  ListFaceAgreements: query(I, 'ListFaceAgreements', noArgs, forwarded),
  ListLossReports: query(I, 'ListLossReports', noArgs, forwarded),
  GetExposure: query(I, 'GetExposure', noArgs, forwarded),
} as const;
