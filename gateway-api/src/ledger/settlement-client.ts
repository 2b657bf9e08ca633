import { ContractClient } from './contract-client';
import type { LedgerPort } from './ledger-port';
import { FUNDING, type DenialsPublished, type FoldAnswer, type PendingCharges } from './funding-transactions';
import { SETTLEMENT, type ChainEntry, type ChargeRef, type GroupBatchAnswer } from './settlement-transactions';

export type { ChainEntry, ChargeRef, GroupBatchAnswer } from './settlement-transactions';
export type { DenialsPublished, FoldAnswer, PendingCharge, PendingCharges } from './funding-transactions';
export { FOLD_LIMITS, MAX_PENDING_PAGE } from './funding-transactions';

/** A committed SubmitBatches transaction. */
export interface SettledGroup {
  readonly txId: string;
  readonly blockNumber: string;
  readonly batches: readonly GroupBatchAnswer[];
}

/**
 * The settlement contract as the intake worker and the fold scheduler call it (its transactions,
 * arguments and answers are in settlement-transactions.ts), over either ledger.
 */
export class SettlementClient {
  private readonly contract: ContractClient;

  constructor(ledger: LedgerPort) {
    this.contract = new ContractClient(ledger);
  }

  /** Settles batches in one transaction (group commit), in this order. */
  async submitBatches(jwsList: readonly string[]): Promise<SettledGroup> {
    const s = await this.contract.submit('gateway', SETTLEMENT.SubmitBatches(jwsList));
    return { txId: s.txId, blockNumber: s.blockNumber, batches: s.answer };
  }

  /** A terminal's batch chain, every submission in settlement order. */
  async batchChain(terminalId: string): Promise<ChainEntry[]> {
    return this.contract.evaluate('gateway', SETTLEMENT.GetBatches(terminalId));
  }

  /** Funds charges awaiting funding in one FoldCharges transaction (within FOLD_LIMITS); those folded already are skipped. */
  async foldCharges(pairs: readonly ChargeRef[]): Promise<FoldAnswer> {
    return (await this.contract.submit('gateway', FUNDING.FoldCharges(pairs))).answer;
  }

  /** The first `limit` charges awaiting funding, in key order (1..MAX_PENDING_PAGE). */
  async pendingCharges(limit: number): Promise<PendingCharges> {
    return this.contract.evaluate('gateway', FUNDING.ListPendingCharges(limit));
  }

  /** Gives deny-list versions to the media found double-spent since the last call. */
  async publishDenials(): Promise<DenialsPublished> {
    return (await this.contract.submit('gateway', FUNDING.PublishDenials())).answer;
  }
}
