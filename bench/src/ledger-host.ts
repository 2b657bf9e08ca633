import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmbeddedLedger, LedgerError, MemoryBlockStore, type Actor, type Commit, type LedgerFailure, type LedgerPort, type LedgerRole, type Submitted } from '@dol/gateway-api';

/**
 * FOR PROCESS-LEVEL TESTS WITHOUT A NETWORK: the embedded ledger in memory, served over HTTP on
 * 127.0.0.1 from the test's own process, so that it outlives a gateway process the test kills.
 * Faults: `ledger.offline` (nothing answers, like a stopped orderer and peers) and `answerDelayMs`
 * (the transaction commits at once, its answer comes late: the window in which a crash loses the
 * answer but not the commit). It is not Fabric.
 */
export class LedgerHost {
  answerDelayMs = 0;
  private readonly delayed = new Map<NodeJS.Timeout, () => void>();
  /** SubmitBatch transactions committed so far. */
  committedBatches = 0;
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void this.answer(Buffer.concat(chunks).toString('utf8')).then((body) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      });
    });
  });

  /** Where the gateway reaches it (set once listening). */
  url = '';

  private constructor(
    private readonly time: { now: number },
    readonly ledger: EmbeddedLedger,
  ) {}

  /** Ledger time of the next transaction (tests move it). */
  get clock(): number {
    return this.time.now;
  }

  set clock(millis: number) {
    this.time.now = millis;
  }

  static async start(): Promise<LedgerHost> {
    const time = { now: Date.now() };
    const host = new LedgerHost(time, await EmbeddedLedger.open({ store: new MemoryBlockStore(), clock: () => time.now }));
    await new Promise<void>((resolve) => host.server.listen(0, '127.0.0.1', resolve));
    host.url = `http://127.0.0.1:${(host.server.address() as AddressInfo).port}`;
    return host;
  }

  private async answer(text: string): Promise<string> {
    const call = JSON.parse(text) as { op: string; role: LedgerRole; fn: string; args: string[]; txId: string; actor?: Actor };
    try {
      let value: unknown;
      if (call.op === 'submit') {
        value = await this.ledger.submit(call.role, call.fn, call.args, call.actor);
        if (call.fn === 'SubmitBatch') this.committedBatches += 1;
        if (call.fn === 'SubmitBatches') this.committedBatches += (call.args[0] ?? '').split('\n').length;
        if (this.answerDelayMs > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              this.delayed.delete(timer);
              resolve();
            }, this.answerDelayMs);
            this.delayed.set(timer, resolve);
          });
        }
      } else if (call.op === 'evaluate') value = await this.ledger.evaluate(call.role, call.fn, call.args);
      else if (call.op === 'commitOf') value = await this.ledger.commitOf(call.role, call.txId);
      else value = await this.ledger.ping();
      return JSON.stringify({ value });
    } catch (error) {
      const e = error instanceof LedgerError ? error : new LedgerError('unavailable', String(error));
      return JSON.stringify({ error: { failure: e.failure, message: e.message, code: e.reported } });
    }
  }

  async stop(): Promise<void> {
    for (const [timer, release] of this.delayed) {
      clearTimeout(timer);
      release();
    }
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

/** The gateway's side of a LedgerHost: the LedgerPort over HTTP. A connection failure is 'unavailable'. */
export class RemoteLedger implements LedgerPort {
  /** A LedgerHost serves the embedded ledger. */
  readonly kind = 'embedded' as const;
  constructor(private readonly url: string) {}

  private async call<T>(body: object): Promise<T> {
    let answer: { value?: unknown; error?: { failure: LedgerFailure; message: string; code?: string } };
    try {
      const res = await fetch(this.url, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
      answer = (await res.json()) as typeof answer;
    } catch (error) {
      throw new LedgerError('unavailable', `ledger host: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (answer.error !== undefined) throw new LedgerError(answer.error.failure, answer.error.message, answer.error.code);
    return answer.value as T;
  }

  submit(role: LedgerRole, fn: string, args: readonly string[], actor?: Actor): Promise<Submitted> {
    return this.call({ op: 'submit', role, fn, args, ...(actor === undefined ? {} : { actor }) });
  }

  evaluate(role: LedgerRole, fn: string, args: readonly string[]): Promise<string> {
    return this.call({ op: 'evaluate', role, fn, args });
  }

  commitOf(role: LedgerRole, txId: string): Promise<Commit & { readonly blockHash: string }> {
    return this.call({ op: 'commitOf', role, txId });
  }

  ping(): Promise<boolean> {
    return this.call<boolean>({ op: 'ping' }).catch(() => false);
  }

  close(): void {
    // nothing held open between calls
  }
}
