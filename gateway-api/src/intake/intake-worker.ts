import { answeredOnlyDuplicates, batchSubmissionOf, settlingSubmission } from '@dol/chaincode';
import type { Logger } from 'pino';
import { ledgerErrorOf } from '../ledger/ledger-port';
import type { SettledGroup, SettlementClient } from '../ledger/settlement-client';
import type { Metrics } from '../metrics';
import { DenialPublisher } from './denial-publisher';
import { DEFAULT_FOLD_OPTIONS, FoldScheduler, type FoldOptions } from './fold-scheduler';
import type { IntakeStore } from './intake-store';
import type { BatchEnd, ClaimedBatch, ClaimedGroup, SettlementQueue } from './settlement-queue';

/** The settlement contract's calls the worker makes, itself and through its fold scheduler and denial publisher. */
export type WorkerLedger = Pick<SettlementClient, 'submitBatches' | 'batchChain' | 'foldCharges' | 'pendingCharges' | 'publishDenials'>;

/** How the worker paces itself. */
export interface WorkerOptions {
  /** Groups this process keeps in flight at once (from any terminals: payers are not claimed, settlement no longer writes their accounts). */
  readonly concurrency: number;
  readonly idlePollMs: number;
  readonly maxBackoffMs: number;
  /** How folds are scheduled (DEFAULT_FOLD_OPTIONS where not given; the backoff is the worker's). */
  readonly folds?: Partial<Pick<FoldOptions, 'inFlight' | 'sweepIdleMs'>>;
}

/**
 * Moves acknowledged batches from the durable intake to the ledger. Each loop claims a group from
 * the queue every gateway process of the organisation shares (batches heading their terminals'
 * queues), settles it with one SubmitBatches transaction and records each batch's end: settled
 * with its outcomes, refused with its code, or, when the ledger was unreachable or the transaction
 * invalid, pending again with backoff (each retry is a new proposal). What settlement leaves to
 * later transactions it hands on: the charges awaiting funding to the fold scheduler, and, after a
 * double spend, a PublishDenials to the denial publisher.
 */
export class IntakeWorker {
  private running = false;
  private loops: Promise<void>[] = [];
  private lastFailure: string | undefined;
  private readonly queue: SettlementQueue;
  private readonly folds: FoldScheduler;
  private readonly denials: DenialPublisher;
  /** Claims of this process's loops, one at a time. */
  private claiming: Promise<unknown> = Promise.resolve();
  /** The last claim found nothing: the other loops wait for news instead of asking again. */
  private dry = false;
  /** Groups this process is settling now (folds give way to them). */
  private settlingGroups = 0;

  constructor(
    store: IntakeStore,
    private readonly settlement: WorkerLedger,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly options: WorkerOptions,
  ) {
    this.queue = store.queue;
    const folds: FoldOptions = { ...DEFAULT_FOLD_OPTIONS, ...options.folds, maxBackoffMs: options.maxBackoffMs };
    this.denials = new DenialPublisher(settlement, log, metrics, options.maxBackoffMs, folds.sweepIdleMs);
    this.folds = new FoldScheduler(settlement, log, metrics, folds, () => {
      this.denials.request();
    }, undefined, () => this.settlingGroups > 0, () => this.queue.foldLease());
  }

  private isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = Array.from({ length: this.options.concurrency }, (_, i) => this.loop(i));
    this.folds.start();
    this.denials.start();
    // A process that died between a double spend and its publication left it waiting.
    this.denials.request();
  }

  /** Lets a new group start at once, here or in another gateway process, instead of after the idle poll. */
  nudge(): void {
    this.queue.announce();
  }

  /** Finishes the groups, folds and publication in flight, then stops (charges not yet folded stay on the ledger for a sweep). */
  async stop(): Promise<void> {
    this.running = false;
    this.queue.wakeAll();
    await Promise.all(this.loops);
    await this.folds.stop();
    await this.denials.stop();
    await this.queue.stop();
  }

  /**
   * Settles everything that is due now (tests and shutdown drains), then folds every charge
   * awaiting funding and publishes the denials: the number of batches.
   */
  async drain(): Promise<number> {
    let n = 0;
    for (;;) {
      const group = await this.queue.claimGroup();
      if (group === undefined) break;
      await this.process(group);
      n += group.batches.length;
    }
    await this.folds.drain();
    await this.denials.drain();
    return n;
  }

  /** One claim at a time per process; after an empty one, none until news or the idle poll. */
  private claim(): Promise<ClaimedGroup | undefined> {
    const next = this.claiming.then(async () => {
      if (this.dry) return undefined;
      const group = await this.queue.claimGroup();
      this.dry = group === undefined;
      return group;
    });
    this.claiming = next.catch(() => undefined);
    return next;
  }

  private async loop(index: number): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        const group = await this.claim();
        if (group !== undefined) {
          await this.process(group);
          worked = true;
        }
      } catch (error) {
        this.log.error({ err: error, loop: index }, 'intake worker failed to reach its store');
      }
      // `running` may have turned false while the group was in flight (stop()).
      if (!worked && this.isRunning()) {
        await this.queue.waitForNews(this.options.idlePollMs);
        this.dry = false;
      }
    }
  }

  /** Why the last submission failed and may be retried, until one succeeds; undefined when settling works. */
  failing(): string | undefined {
    return this.lastFailure;
  }

  private async process(group: ClaimedGroup): Promise<void> {
    this.settlingGroups += 1;
    try {
      await this.settle(group);
    } finally {
      this.settlingGroups -= 1;
      this.folds.nudge();
    }
  }

  private async settle(group: ClaimedGroup): Promise<void> {
    const started = process.hrtime.bigint();
    const ends = new Map<string, BatchEnd>();
    try {
      const settled = await this.settlement.submitBatches(group.batches.map((b) => b.jws));
      const charges = this.handOn(settled);
      for (const [i, b] of group.batches.entries()) {
        const entry = settled.batches[i];
        if (entry === undefined) {
          ends.set(b.receipt, { kind: 'retry', delayMs: 1000, message: 'the ledger answered no entry for this batch' });
        } else if (entry.refused !== undefined) {
          ends.set(b.receipt, { kind: 'refused', code: entry.refused.code, message: entry.refused.message });
          this.metrics.refusals.inc({ code: entry.refused.code });
        } else {
          // Not only on retries: a crash between the commit and recording it leaves the batch
          // pending, and the resubmission then finds it already settled.
          const result = await this.original(b, entry.result);
          ends.set(b.receipt, { kind: 'settled', txId: settled.txId, blockNumber: settled.blockNumber, result });
          for (const [code, n] of Object.entries(entry.counts)) if (n > 0) this.metrics.outcomes.inc({ code }, n);
        }
      }
      this.lastFailure = undefined;
      this.metrics.submitSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      this.log.info({ batches: group.batches.length, charges, txId: settled.txId, block: settled.blockNumber }, 'group settled');
    } catch (error) {
      const e = ledgerErrorOf(error);
      for (const b of group.batches) {
        if (e.failure === 'refused') {
          // The transaction as a whole was refused (no risk policy, no gateway identity): final for each batch, as for one alone.
          ends.set(b.receipt, { kind: 'refused', code: e.code, message: e.message });
          this.metrics.refusals.inc({ code: e.code });
        } else {
          ends.set(b.receipt, { kind: 'retry', delayMs: Math.min(this.options.maxBackoffMs, 250 * 2 ** Math.min(b.attempts, 10)), message: e.message });
        }
      }
      if (e.failure !== 'refused') {
        this.lastFailure = `${e.failure}: ${e.message.slice(0, 300)}`;
        this.metrics.retries.inc({ failure: e.failure }, group.batches.length);
      }
      this.log.warn({ batches: group.batches.length, failure: e.failure, code: e.code, reported: e.reported, err: e.message.slice(0, 500) }, e.failure === 'refused' ? 'group refused by the ledger' : 'group will be retried');
    }
    // The group is claimed by this live worker until its end is recorded: keep trying (the
    // intake database may be restarting), or its batches would wait for this process to die.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.queue.finish(group, ends);
        return;
      } catch (error) {
        this.log.error({ err: error, batches: group.batches.length, attempt }, 'could not record a group\'s end; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** Math.min(attempt, 6))));
      }
    }
  }

  /**
   * Hands on what a committed group leaves to later transactions: its charges awaiting funding to
   * the fold scheduler, and a publication of denials when it found a double spend. How many charges.
   */
  private handOn(settled: SettledGroup): number {
    const charges = settled.batches.flatMap((b) => b.pending);
    this.folds.add(charges);
    if (settled.batches.some((b) => (b.counts['double-spend'] ?? 0) > 0)) this.denials.request();
    return charges.length;
  }

  /**
   * After a crash or a lost answer the batch may already be on the ledger, and a resubmission only
   * reports duplicates: show the outcomes of the submission that settled it instead (the rule is
   * settlingSubmission's, the same GetBatchByReceipt answers with).
   */
  private async original(batch: ClaimedBatch, result: Record<string, unknown>): Promise<unknown> {
    if (!answeredOnlyDuplicates(batchSubmissionOf(result).counts)) return result;
    const submissions = (await this.settlement.batchChain(batch.terminalId)).filter((e) => e.digest === batch.receipt);
    const first = settlingSubmission(submissions);
    return first === undefined ? result : { ...first, payments: undefined, resubmittedAs: result.txId ?? null };
  }
}
