import pino from 'pino';
import { LedgerError } from '../ledger/ledger-port';
import type { DenialsPublished } from '../ledger/settlement-client';
import { createMetrics } from '../metrics';
import { DenialPublisher, type DenialLedger } from './denial-publisher';

/** PublishDenials calls, each held until the test lets it end, failing as scripted. */
class HeldDenials implements DenialLedger {
  calls = 0;
  readonly failures: LedgerError[] = [];
  private readonly held: (() => void)[] = [];

  async publishDenials(): Promise<DenialsPublished> {
    this.calls += 1;
    await new Promise<void>((resolve) => this.held.push(resolve));
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    return { published: 1, denyListVersion: this.calls };
  }

  waiting(): number {
    return this.held.length;
  }

  release(): void {
    this.held.shift()?.();
  }
}

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
};

describe('DenialPublisher', () => {
  it('runs one publication at a time; requests meanwhile make exactly one more, after it', async () => {
    const ledger = new HeldDenials();
    const publisher = new DenialPublisher(ledger, pino({ level: 'silent' }), createMetrics(() => Promise.resolve(0)), 20);
    publisher.request();
    await until(() => ledger.waiting() === 1);
    publisher.request();
    publisher.request();
    ledger.release();
    await until(() => ledger.calls === 2 && ledger.waiting() === 1);
    ledger.release();
    await publisher.drain();
    expect(ledger.calls).toBe(2);
  });

  it('retries a publication that failed and may pass, not one the contract refused', async () => {
    const ledger = new HeldDenials();
    const publisher = new DenialPublisher(ledger, pino({ level: 'silent' }), createMetrics(() => Promise.resolve(0)), 20);
    ledger.failures.push(new LedgerError('retryable', 'transaction t invalid: MVCC_READ_CONFLICT', 'MVCC_READ_CONFLICT'), new LedgerError('refused', 'INVALID_FIELD: no', 'INVALID_FIELD'));
    publisher.request();
    const drained = publisher.drain();
    for (let released = 0; released < 2; released++) {
      await until(() => ledger.waiting() === 1);
      ledger.release();
    }
    await drained;
    expect(ledger.calls).toBe(2);
  });

  it('stop finishes the publication in flight without retrying it, and takes no more requests', async () => {
    const ledger = new HeldDenials();
    const publisher = new DenialPublisher(ledger, pino({ level: 'silent' }), createMetrics(() => Promise.resolve(0)), 20);
    ledger.failures.push(new LedgerError('unavailable', 'no peer'));
    publisher.request();
    await until(() => ledger.waiting() === 1);
    const stopped = publisher.stop();
    ledger.release();
    await stopped;
    publisher.request();
    await publisher.drain();
    expect(ledger.calls).toBe(1);
  });
});
