import { ContractClient } from './contract-client';
import type { LedgerPort } from './ledger-port';
import { SETTLEMENT, type ChainEntry, type GroupBatchAnswer } from './settlement-transactions';

export type { ChainEntry, GroupBatchAnswer } from './settlement-transactions';

/** A committed SubmitBatches transaction. */
export interface SettledGroup {
  readonly txId: string;
  readonly blockNumber: string;
  readonly batches: readonly GroupBatchAnswer[];
}

/**
 * The settlement contract as the intake worker calls it (its transactions, arguments and answers
 * are in settlement-transactions.ts), over either ledger.
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
}
