import type { DomainError } from '@dol/chaincode';
import { ContractClient } from './contract-client';
import { LedgerError, type Actor, type LedgerPort } from './ledger-port';
import { ISSUANCE, type Activation, type EntryAnswer, type IssuanceEntry, type LedgerIssuerKey, type MediumReport, type Quote } from './issuance-transactions';
import type { Forwarded } from './transaction';

export type { EntryAnswer, LedgerIssuerKey, Quote } from './issuance-transactions';

/** A write's answer: its transaction, the block that holds it, and what the contract answered. */
export interface WriteAnswer {
  readonly txId: string;
  readonly blockNumber: string;
  readonly result: Forwarded;
}

/**
 * The issuance contract as the issuer service and the student routes call it (its transactions,
 * arguments and answers are in issuance-transactions.ts).
 */
export class IssuanceClient {
  private readonly contract: ContractClient;

  constructor(ledger: LedgerPort) {
    this.contract = new ContractClient(ledger);
  }

  /** Quotes certificates for (account, medium) pairs, in order; a query, nothing written. */
  quote(requests: readonly { account: string; mediaId: string }[]): Promise<(Quote | DomainError)[]> {
    return this.contract.evaluate('operator', ISSUANCE.QuoteCertificates(requests));
  }

  /** Records agreements and certificates in one transaction; each entry answered in order. */
  async record(entries: readonly IssuanceEntry[]): Promise<{ txId: string; blockNumber: string; entries: EntryAnswer[] }> {
    const s = await this.contract.submit('operator', ISSUANCE.RecordIssuances(entries), { subject: 'issuer-service' });
    return { txId: s.txId, blockNumber: s.blockNumber, entries: s.answer };
  }

  /** The issuer keys the ledger has registered. */
  issuerKeys(): Promise<LedgerIssuerKey[]> {
    return this.contract.evaluate('operator', ISSUANCE.ListIssuerKeys());
  }

  /** The agreement text in force (NOT_FOUND before one is set). */
  agreementText(): Promise<Forwarded> {
    return this.contract.evaluate('operator', ISSUANCE.GetAgreementText());
  }

  /** Sets a new version of the agreement text. */
  async setAgreementText(text: string, actor: Actor): Promise<WriteAnswer> {
    return writeAnswer(await this.contract.submit('operator', ISSUANCE.SetAgreementText(text), actor));
  }

  /** Withdraws an account's agreement: its live certificates revoked, its media deny-listed. */
  async withdrawAgreement(account: string, actor: Actor): Promise<WriteAnswer> {
    return writeAnswer(await this.contract.submit('operator', ISSUANCE.WithdrawAgreement(account), actor));
  }

  /** Reports a medium lost or found. */
  async reportMedium(report: MediumReport, actor: Actor): Promise<WriteAnswer> {
    return writeAnswer(await this.contract.submit('operator', ISSUANCE.ReportMedium(report), actor));
  }

  /** An account's agreement, media and certificates. */
  media(account: string): Promise<Forwarded> {
    return this.contract.evaluate('operator', ISSUANCE.GetMedia(account));
  }

  /** Records one-time sign-in codes by their hashes (finance); answers each account's expiry. */
  async issueActivations(list: readonly { account: string; codeHash: string }[], actor: Actor): Promise<{ txId: string; issued: { account: string; expiresAt: number }[] }> {
    const written = await this.contract.submit('finance', ISSUANCE.IssueActivationCodes(list), actor);
    return { txId: written.txId, issued: written.answer };
  }

  /** An account's live activation (hash and expiry), or undefined when finance issued none. */
  async activation(account: string): Promise<Activation | undefined> {
    try {
      return await this.contract.evaluate('operator', ISSUANCE.GetActivation(account));
    } catch (error) {
      if (error instanceof LedgerError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** Every account's outstanding offline exposure and the total. */
  exposure(role: 'operator' | 'auditor'): Promise<Forwarded> {
    return this.contract.evaluate(role, ISSUANCE.GetExposure());
  }
}

const writeAnswer = (s: { txId: string; blockNumber: string; json: unknown }): WriteAnswer => ({ txId: s.txId, blockNumber: s.blockNumber, result: s.json });
