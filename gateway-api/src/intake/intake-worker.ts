import type { Logger } from 'pino';
import { LedgerError, type LedgerPort } from '../ledger/ledger-port';
import type { Metrics } from '../metrics';
import type { ClaimedBatch, Completion, IntakeStore } from './intake-store';
import { PayerLocks, payerAccounts } from './payer-locks';

/** How the worker paces itself. */
export interface WorkerOptions {
  readonly concurrency: number;
  readonly idlePollMs: number;
  readonly maxBackoffMs: number;
  /** Hold back a batch while another in flight charges one of its payers (default on; see PayerLocks). */
  readonly payerLocks?: boolean;
}

interface SettledResult {
  readonly counts?: Record<string, number>;
  readonly outcomes?: unknown[];
  readonly txId?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Moves acknowledged batches from the durable intake to the ledger, in order per terminal, with
 * retries: an MVCC conflict or an unavailable peer or orderer is retried with backoff (each retry
 * is a new proposal); a chaincode refusal is final and recorded with its code.
 */
export class IntakeWorker {
  private running = false;
  private loops: Promise<void>[] = [];
  private wake: (() => void)[] = [];
  private readonly locks = new PayerLocks();
  private lastFailure: string | undefined;

  constructor(
    private readonly store: IntakeStore,
    private readonly ledger: LedgerPort,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly options: WorkerOptions,
  ) {}

  private isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = Array.from({ length: this.options.concurrency }, (_, i) => this.loop(i));
  }

  /** Lets a new batch start at once instead of after the idle poll. */
  nudge(): void {
    for (const w of this.wake.splice(0)) w();
  }

  /** Finishes the batches in flight, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.nudge();
    await Promise.all(this.loops);
  }

  /** Processes everything that is due now (tests and shutdown drains). */
  async drain(): Promise<number> {
    let n = 0;
    while (await this.store.withNextBatch((b, done) => this.process(b, done))) n += 1;
    return n;
  }

  private async loop(index: number): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        worked = await this.store.withNextBatch((b, done) => this.process(b, done));
      } catch (error) {
        this.log.error({ err: error, loop: index }, 'intake worker failed to reach its store');
      }
      // `running` may have turned false while the batch was in flight (stop()).
      if (!worked && this.isRunning()) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.idlePollMs);
          this.wake.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    }
  }

  /** Why the last submission failed and may be retried, until one succeeds; undefined when settling works. */
  failing(): string | undefined {
    return this.lastFailure;
  }

  private async process(batch: ClaimedBatch, done: Completion): Promise<void> {
    const release = this.options.payerLocks === false ? () => undefined : await this.locks.acquire(payerAccounts(batch.jws));
    try {
      await this.submit(batch, done);
    } finally {
      release();
    }
  }

  private async submit(batch: ClaimedBatch, done: Completion): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      const submitted = await this.ledger.submit('gateway', 'SubmitBatch', [batch.jws]);
      // Not only on retries: a crash between the commit and recording it rolls the claim back with
      // attempts unchanged, and the resubmission then finds the batch already settled.
      const result = await this.original(batch, JSON.parse(submitted.result));
      await done.settled(submitted.txId, submitted.blockNumber, result);
      this.lastFailure = undefined;
      this.metrics.submitSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      if (isObject(result) && isObject(result.counts)) {
        for (const [code, n] of Object.entries(result.counts)) if (typeof n === 'number' && n > 0) this.metrics.outcomes.inc({ code }, n);
      }
      this.log.info({ receipt: batch.receipt, terminalId: batch.terminalId, batchSeq: batch.batchSeq, txId: submitted.txId }, 'batch settled');
    } catch (error) {
      const e = error instanceof LedgerError ? error : new LedgerError('unavailable', error instanceof Error ? error.message : String(error));
      if (e.failure === 'refused') {
        await done.refused(e.code ?? 'REFUSED', e.message);
        this.metrics.refusals.inc({ code: e.code ?? 'REFUSED' });
        this.log.warn({ receipt: batch.receipt, code: e.code }, 'batch refused by the ledger');
      } else {
        const delay = Math.min(this.options.maxBackoffMs, 250 * 2 ** Math.min(batch.attempts, 10));
        await done.retryLater(delay, e.message);
        this.lastFailure = `${e.failure}: ${e.message.slice(0, 300)}`;
        this.metrics.retries.inc({ failure: e.failure });
        this.log.warn({ receipt: batch.receipt, failure: e.failure, delayMs: delay, err: e.message }, 'batch will be retried');
      }
    }
  }

  /**
   * After a crash or a lost answer the batch may already be on the ledger, and a resubmission only
   * reports duplicates: show the outcomes of the submission that settled it instead.
   */
  private async original(batch: ClaimedBatch, result: unknown): Promise<unknown> {
    const r = result as SettledResult;
    const counts = r.counts ?? {};
    const total = Object.values(counts).reduce((s, n) => s + n, 0);
    if (total === 0 || counts.duplicate !== total) return result;
    const entries: unknown = JSON.parse(await this.ledger.evaluate('gateway', 'GetBatches', [batch.terminalId]));
    if (!Array.isArray(entries)) return result;
    const first: unknown = entries.find((e: unknown) => isObject(e) && e.batchSeq === batch.batchSeq && isObject(e.counts) && e.counts.duplicate !== total);
    return isObject(first) ? { ...first, payments: undefined, resubmittedAs: r.txId ?? null } : result;
  }
}
