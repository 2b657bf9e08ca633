import type { Logger } from 'pino';
import { ledgerErrorOf } from '../ledger/ledger-port';
import type { SettlementClient } from '../ledger/settlement-client';
import type { Metrics } from '../metrics';
import { Pauses, backoffMs } from './pauses';

/** The settlement contract's call the publisher makes. */
export type DenialLedger = Pick<SettlementClient, 'publishDenials'>;

/** Attempts of one publication before it pauses (a ledger down for minutes); it tries again after `retryLaterMs`. */
const PUBLISH_ATTEMPTS = 12;

/**
 * Runs PublishDenials, which gives deny-list versions to the media found double-spent since its
 * last run (docs/settlement.md, "funding at the fold"): after any settled group that counted a
 * double spend, and once at start (a process that died between the two left them waiting). One at
 * a time in this process; a request while one is in flight runs one more after it, since the one in
 * flight may have read the ledger before the double spend that asked. A failure that may pass is
 * retried with backoff; after PUBLISH_ATTEMPTS the publication pauses and is asked again after
 * `retryLaterMs`, until it commits or the process stops: requests coalesce into one, so nothing
 * grows meanwhile, and dropping it would leave the denials unpublished until the next double spend.
 */
export class DenialPublisher {
  private due = false;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly pauses = new Pauses();
  private later: NodeJS.Timeout | undefined;

  constructor(
    private readonly ledger: DenialLedger,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly maxBackoffMs: number,
    private readonly retryLaterMs = 30_000,
  ) {}

  /** Asks for a publication: now, or after the one in flight. */
  request(): void {
    clearTimeout(this.later);
    this.due = true;
    if (this.running === undefined && !this.stopped) this.running = this.loop();
  }

  /** Resolves when no publication is in flight or asked for (one that failed its attempts waits for its retry later). */
  async drain(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /** Finishes the publication in flight, without retrying it, and takes no more requests. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.later);
    this.pauses.wakeAll();
    await this.drain();
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  /** Allows requests again after a stop. */
  start(): void {
    this.stopped = false;
  }

  private async loop(): Promise<void> {
    while (this.due && !this.stopped) {
      this.due = false;
      await this.publish();
    }
    // In the same turn as the last look at `due`: a request from now on starts a new loop.
    this.running = undefined;
  }

  private async publish(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { published, denyListVersion } = await this.ledger.publishDenials();
        this.metrics.denialPublications.inc({ outcome: 'committed' });
        if (published > 0) this.log.info({ published, denyListVersion, attempt }, 'denials published');
        return;
      } catch (error) {
        const e = ledgerErrorOf(error);
        const details = { attempt, failure: e.failure, code: e.code, err: e.message.slice(0, 300) };
        if (e.failure === 'refused') {
          this.metrics.denialPublications.inc({ outcome: 'refused' });
          this.log[e.code === 'ACCESS_DENIED' ? 'warn' : 'error'](details, 'PublishDenials refused by the ledger');
          return;
        }
        if (this.isStopped()) {
          this.due = true;
          return;
        }
        if (attempt >= PUBLISH_ATTEMPTS) {
          this.log.error({ ...details, retryInMs: this.retryLaterMs }, 'PublishDenials keeps failing: media found double-spent stay unpublished until it commits');
          this.later = setTimeout(() => {
            this.request();
          }, this.retryLaterMs);
          this.later.unref();
          return;
        }
        this.log.warn(details, 'PublishDenials failed; retrying');
        await this.pauses.sleep(backoffMs(attempt, this.maxBackoffMs));
        // stop() may have come during the wait.
        if (this.isStopped()) {
          this.due = true;
          return;
        }
      }
    }
  }
}
