import { Amount, DomainError, decodeJws, parsePursePurchase, type PursePurchase } from '@dol/chaincode';
import { AcceptanceEngine, type DenyList, type Presentation, type RefusalCode } from './acceptance';
import type { EdgeClient } from './edge-client';
import type { FaceAgreements } from './face-agreements';
import type { Journal } from './journal';
import type { OfflineConfig } from './offline-config';
import { SaleChain, type WireEdgeMark, type WireRecord } from './sale-chain';
import type { Refusal } from './refusal';
import type { SigningKey } from './signing-key';
import { DEFAULT_BACKOFF, readOutcome, uploadBatch, type Backoff, type UploadResult, type UploadTarget } from './uploader';

/**
 * What became of a sale at the stall. A sale decided alone because the edge answered with a problem
 * it does not wait out (401, 403, 5xx: docs/edge.md) carries that problem's code and detail as
 * `edgeRefusal`; a refusal by the edge carries its code and detail as `code` and `message`.
 */
export type SaleResult =
  | { readonly ok: true; readonly record: WireRecord; readonly edge: 'approved' | 'over-slice' | 'unreachable' | 'none'; readonly edgeRefusal?: Refusal }
  | { readonly ok: false; readonly code: RefusalCode; readonly message: string; readonly by: 'terminal' | 'edge' };

/** Most records one batch carries (protocol v1: 1000). */
export const MAX_RECORDS_PER_BATCH = 1000;

/**
 * A reference offline terminal: decides each sale with the acceptance engine, asks the site's edge
 * (when it has one) to write the code off, records the sale in its journal (durable before the
 * answer), and later seals, signs, uploads and reads back its batches. A restart resumes from the
 * journal: the chains go on where they stopped and the engine remembers every counter it accepted.
 */
export class OfflineTerminal {
  private readonly chain: SaleChain;
  private readonly engine: AcceptanceEngine;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly terminalId: string,
    private readonly key: SigningKey,
    private readonly journal: Journal,
    private readonly edge?: EdgeClient,
  ) {
    this.chain = new SaleChain(terminalId, key);
    this.engine = new AcceptanceEngine(terminalId);
    const state = journal.current;
    this.chain.resume(state.heads);
    for (const s of state.sales) this.engine.remember(s.payer, Amount.parse(s.record.amount), s.record.at);
  }

  /** Takes the configuration and deny list (and, to take faces, the live agreements) from a sync with the centre or the edge. */
  sync(config: OfflineConfig, deny: DenyList, at: number, faces?: FaceAgreements): void {
    this.engine.sync(config, deny, at, faces);
  }

  /** The engine, for reading its state (deny-list version, configuration). */
  get acceptance(): AcceptanceEngine {
    return this.engine;
  }

  /** The sequence number the next sale will get: what a purse card signs as `termSeq`. */
  get nextSeq(): number {
    return this.chain.heads().seq + 1;
  }

  /**
   * A torn tap recovered (闪卡): the card was debited but this terminal never got the purchase. On
   * the card's next tap the terminal reads the card's last purchases and records each one signed
   * for this terminal that it has not recorded yet (the acceptance engine's counter check tells),
   * before the new sale, dated when the card signed it. Answers what it recovered.
   */
  async recoverTorn(cardLog: readonly string[]): Promise<WireRecord[]> {
    const recovered: WireRecord[] = [];
    for (const credential of cardLog) {
      const purchase = purchaseOf(credential);
      if (purchase?.terminalId !== this.terminalId) continue;
      const result = await this.sell({ medium: 'purse', credential }, purchase.amount, purchase.iat);
      if (result.ok) recovered.push(result.record);
    }
    return recovered;
  }

  /** One sale at terminal time `at`; one at a time per terminal. */
  sell(p: Presentation, amount: Amount, at: number): Promise<SaleResult> {
    const next = this.queue.then(() => this.sellNow(p, amount, at));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async sellNow(p: Presentation, amount: Amount, at: number): Promise<SaleResult> {
    const decision = this.engine.decide(p, amount, at);
    if (!decision.ok) return { ok: false, code: decision.code, message: decision.message, by: 'terminal' };
    let mark: WireEdgeMark | undefined;
    let edge: 'approved' | 'over-slice' | 'unreachable' | 'none' = 'none';
    let edgeRefusal: Refusal | undefined;
    // A purse purchase cannot be overspent: it needs no edge's write-off or slice.
    if (this.edge !== undefined && decision.payer.medium !== 'purse') {
      const timeout = this.engine.current?.policy.edgeTimeoutMs ?? 300;
      const answer = await this.edge.approve({ terminalId: this.terminalId, medium: decision.payer.medium, payer: decision.payer.payerId, account: decision.payer.account, ctr: decision.payer.ctr, amount, at }, timeout, this.key);
      switch (answer.kind) {
        case 'refused':
          return { ok: false, code: answer.code === 'INVALID_REQUEST' ? 'INVALID_SALE' : answer.code, message: answer.message, by: 'edge' };
        case 'approved':
          mark = { status: 'approved', approval: answer.approval };
          edge = answer.withinSlice ? 'approved' : 'over-slice';
          break;
        case 'unreachable':
          mark = { status: 'unreachable', edgeId: this.edge.edgeId };
          edge = 'unreachable';
          edgeRefusal = answer.refusal;
          break;
      }
    }
    const record = this.chain.record(at, amount.toString(), decision.payer.medium, decision.credential, this.engine.denyListVersion, mark, decision.tender);
    this.journal.append({ kind: 'sale', record, payer: decision.payer });
    this.engine.remember(decision.payer, amount, at);
    return edgeRefusal === undefined ? { ok: true, record, edge } : { ok: true, record, edge, edgeRefusal };
  }

  /** Seals every unsealed record into signed batches (each durable in the journal), and returns how many were made. */
  seal(maxRecords = MAX_RECORDS_PER_BATCH): number {
    let made = 0;
    for (;;) {
      const records = this.journal.current.unsealed.slice(0, maxRecords);
      if (records.length === 0) return made;
      const payload = this.chain.manifest(records);
      const jws = this.chain.seal(payload);
      this.journal.append({ kind: 'batch', batchSeq: payload.batchSeq, firstSeq: payload.firstSeq, lastSeq: payload.lastSeq, jws });
      made += 1;
    }
  }

  /** Uploads every sealed batch not yet accepted, in order; stops at the first refusal and returns it. */
  async upload(target: UploadTarget, backoff: Backoff = DEFAULT_BACKOFF): Promise<{ uploaded: number; refused?: UploadResult }> {
    let uploaded = 0;
    for (const [batchSeq, b] of [...this.journal.current.batches].sort((x, y) => x[0] - y[0])) {
      if (b.receipt !== undefined) continue;
      const result = await uploadBatch(target, b.jws, backoff);
      if (result.kind === 'refused') return { uploaded, refused: result };
      this.journal.append({ kind: 'uploaded', batchSeq, receipt: result.receipt });
      uploaded += 1;
    }
    return { uploaded };
  }

  /** Reads back the outcomes of uploaded batches not yet settled; returns how many are still pending. */
  async readBack(target: UploadTarget): Promise<number> {
    let pending = 0;
    for (const [batchSeq, b] of this.journal.current.batches) {
      if (b.receipt === undefined || b.counts !== undefined) continue;
      const outcome = await readOutcome(target, b.receipt);
      if (outcome.status === 'settled') this.journal.append({ kind: 'settled', batchSeq, counts: outcome.counts });
      else pending += 1;
    }
    return pending;
  }

  /** The sealed batches, in batch order. */
  batches(): { batchSeq: number; firstSeq: number; lastSeq: number; jws: string; receipt?: string; counts?: Readonly<Record<string, number>> }[] {
    return [...this.journal.current.batches].sort((x, y) => x[0] - y[0]).map(([batchSeq, b]) => ({ batchSeq, ...b }));
  }

  /** Receipts of the uploaded batches, in batch order. */
  receipts(): string[] {
    return [...this.journal.current.batches].sort((x, y) => x[0] - y[0]).flatMap(([, b]) => (b.receipt === undefined ? [] : [b.receipt]));
  }
}

/** The purchase inside a purse credential, or undefined when it is not one. */
function purchaseOf(credential: string): PursePurchase | undefined {
  try {
    return parsePursePurchase(decodeJws(credential.split('~')[1] ?? '').payload);
  } catch (error) {
    if (error instanceof DomainError) return undefined;
    throw error;
  }
}
