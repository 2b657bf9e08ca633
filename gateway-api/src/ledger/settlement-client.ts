import { answerList, parseAnswer } from './ledger-answer';
import { LedgerError, type LedgerPort, type Submitted } from './ledger-port';

/** One batch's answer in a settled group: its result as the terminal reads it back, or its refusal. */
export interface GroupBatchAnswer {
  /** Summary and per-record outcomes (what GET /v1/batches/{receipt} shows as `result`). */
  readonly result: Record<string, unknown>;
  readonly counts: Readonly<Record<string, number>>;
  readonly refused?: { readonly code: string; readonly message: string };
}

/** A committed SubmitBatches transaction. */
export interface SettledGroup {
  readonly txId: string;
  readonly blockNumber: string;
  readonly batches: readonly GroupBatchAnswer[];
}

/** One entry of a terminal's batch chain (GetBatches), as far as the gateway reads it. */
export interface ChainEntry extends Record<string, unknown> {
  readonly batchSeq: number;
  readonly counts?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function countsOf(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (isObject(v)) for (const [k, n] of Object.entries(v)) if (typeof n === 'number') out[k] = n;
  return out;
}

/** Reads one entry of SubmitBatches' answer. */
function parseGroupEntry(v: unknown): GroupBatchAnswer {
  if (!isObject(v)) throw new LedgerError('refused', 'SubmitBatches answered an entry that is not an object', 'REFUSED');
  const refused = v.refused;
  if (isObject(refused)) {
    return { result: v, counts: {}, refused: { code: typeof refused.code === 'string' ? refused.code : 'REFUSED', message: typeof refused.message === 'string' ? refused.message : '' } };
  }
  return { result: v, counts: countsOf(v.counts) };
}

/**
 * The settlement contract as the gateway calls it: the one place that knows its transaction
 * names, how their arguments are written and how their answers are read (as fabric-samples'
 * trader-typescript wraps its contract), over either ledger.
 */
export class SettlementClient {
  constructor(private readonly ledger: LedgerPort) {}

  /** Settles batches in one transaction (group commit), in this order. */
  async submitBatches(jwsList: readonly string[]): Promise<SettledGroup> {
    const submitted: Submitted = await this.ledger.submit('gateway', 'SubmitBatches', [jwsList.join('\n')]);
    const list = answerList(parseAnswer(submitted.result, 'SubmitBatches'), 'SubmitBatches', 'batches', jwsList.length);
    return { txId: submitted.txId, blockNumber: submitted.blockNumber, batches: list.map(parseGroupEntry) };
  }

  /** A terminal's batch chain, every submission in settlement order. */
  async batchChain(terminalId: string): Promise<ChainEntry[]> {
    const answer = parseAnswer(await this.ledger.evaluate('gateway', 'GetBatches', [terminalId]), 'GetBatches');
    if (!Array.isArray(answer)) return [];
    return answer.filter((e): e is ChainEntry => isObject(e) && typeof e.batchSeq === 'number');
  }
}
