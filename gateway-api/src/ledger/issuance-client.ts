import { DomainError, isJsonObject, type ErrorCode } from '@dol/chaincode';
import { answerList, parseAnswer as parse } from './ledger-answer';
import { LedgerError, type Actor, type LedgerPort } from './ledger-port';

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

/** A write's answer: its transaction, the block that holds it, and what the contract answered. */
export interface WriteAnswer {
  readonly txId: string;
  readonly blockNumber: string;
  readonly result: unknown;
}

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

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * The issuance contract as the gateway calls it: the one place that knows its transaction names
 * (`issuance:...`), how their arguments are written and how their answers are read.
 */
export class IssuanceClient {
  constructor(private readonly ledger: LedgerPort) {}

  /** Quotes certificates for (account, medium) pairs, in order; a query, nothing written. */
  async quote(requests: readonly { account: string; mediaId: string }[]): Promise<(Quote | DomainError)[]> {
    const answer = parse(await this.ledger.evaluate('operator', 'issuance:QuoteCertificates', [JSON.stringify(requests)]), 'QuoteCertificates');
    return answerList(answer, 'QuoteCertificates', undefined, requests.length).map((v) => {
      const e = entryOf(v);
      if (!e.ok) return e.error;
      const q = e.value;
      return { account: str(q.account), group: str(q.group), mediaId: str(q.mediaId), capTotal: str(q.capTotal), capPerPayment: str(q.capPerPayment), ctrFrom: num(q.ctrFrom), ctrTo: num(q.ctrTo), nbf: num(q.nbf), exp: num(q.exp) };
    });
  }

  /** Records agreements and certificates in one transaction; each entry answered in order. */
  async record(entries: readonly ({ agreement: string } | { certificate: string })[]): Promise<{ txId: string; blockNumber: string; entries: EntryAnswer[] }> {
    const s = await this.ledger.submit('operator', 'issuance:RecordIssuances', [JSON.stringify(entries)], { subject: 'issuer-service' });
    const list = answerList(parse(s.result, 'RecordIssuances'), 'RecordIssuances', 'entries', entries.length);
    return { txId: s.txId, blockNumber: s.blockNumber, entries: list.map(entryOf) };
  }

  /** The issuer keys the ledger has registered. */
  async issuerKeys(): Promise<LedgerIssuerKey[]> {
    const answer = parse(await this.ledger.evaluate('operator', 'issuance:ListIssuerKeys', []), 'ListIssuerKeys');
    if (!Array.isArray(answer)) return [];
    return answer.filter(isJsonObject).map((k) => ({ keyId: str(k.keyId), alg: str(k.alg), validFrom: num(k.validFrom), validTo: num(k.validTo), status: str(k.status) }));
  }

  /** The agreement text in force (NOT_FOUND before one is set). */
  async agreementText(): Promise<unknown> {
    return parse(await this.ledger.evaluate('operator', 'issuance:GetAgreementText', []), 'GetAgreementText');
  }

  /** Sets a new version of the agreement text. */
  async setAgreementText(text: string, actor: Actor): Promise<WriteAnswer> {
    const s = await this.ledger.submit('operator', 'issuance:SetAgreementText', [text], actor);
    return { txId: s.txId, blockNumber: s.blockNumber, result: parse(s.result, 'SetAgreementText') };
  }

  /** Withdraws an account's agreement: its live certificates revoked, its media deny-listed. */
  async withdrawAgreement(account: string, actor: Actor): Promise<WriteAnswer> {
    const s = await this.ledger.submit('operator', 'issuance:WithdrawAgreement', [account], actor);
    return { txId: s.txId, blockNumber: s.blockNumber, result: parse(s.result, 'WithdrawAgreement') };
  }

  /** Reports a medium lost or found. */
  async reportMedium(report: { mediaId: string; status: 'lost' | 'found'; reason?: string; account?: string }, actor: Actor): Promise<WriteAnswer> {
    const s = await this.ledger.submit('operator', 'issuance:ReportMedium', [JSON.stringify(report)], actor);
    return { txId: s.txId, blockNumber: s.blockNumber, result: parse(s.result, 'ReportMedium') };
  }

  /** An account's agreement, media and certificates. */
  async media(account: string): Promise<unknown> {
    return parse(await this.ledger.evaluate('operator', 'issuance:GetMedia', [account]), 'GetMedia');
  }

  /** Records one-time sign-in codes by their hashes (finance); answers each account's expiry. */
  async issueActivations(list: readonly { account: string; codeHash: string }[], actor: Actor): Promise<{ account: string; expiresAt: number }[]> {
    const s = await this.ledger.submit('finance', 'issuance:IssueActivationCodes', [JSON.stringify(list)], actor);
    return answerList(parse(s.result, 'IssueActivationCodes'), 'IssueActivationCodes').filter(isJsonObject).map((a) => ({ account: str(a.account), expiresAt: num(a.expiresAt) }));
  }

  /** An account's live activation (hash and expiry), or undefined when finance issued none. */
  async activation(account: string): Promise<{ codeHash: string; expiresAt: number } | undefined> {
    try {
      const a = parse(await this.ledger.evaluate('operator', 'issuance:GetActivation', [account]), 'GetActivation');
      return isJsonObject(a) ? { codeHash: str(a.codeHash), expiresAt: num(a.expiresAt) } : undefined;
    } catch (error) {
      if (error instanceof LedgerError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** Every account's outstanding offline exposure and the total. */
  async exposure(role: 'operator' | 'auditor'): Promise<unknown> {
    return parse(await this.ledger.evaluate(role, 'issuance:GetExposure', []), 'GetExposure');
  }
}
