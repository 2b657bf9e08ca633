import { createHash } from 'node:crypto';
import { DomainError } from '@dol/chaincode';
import { SettlementContract } from '@dol/chaincode/contract';
import { MemoryStub, TestIdentity, testContext } from '@dol/chaincode/testing';
import { LedgerError, type Commit, type LedgerPort, type LedgerRole, type Submitted } from '../ledger/ledger-port';

const IDENTITIES: Record<LedgerRole, TestIdentity> = {
  gateway: new TestIdentity('OperatorMSP', 'gateway'),
  operator: new TestIdentity('OperatorMSP', 'operator'),
  finance: new TestIdentity('CampusMSP', 'finance'),
  registrar: new TestIdentity('CampusMSP', 'registrar'),
  auditor: new TestIdentity('AuditMSP', 'auditor'),
};

type Method = (ctx: ReturnType<typeof testContext>, ...args: string[]) => Promise<unknown>;

/**
 * FOR UNIT TESTS OF THE GATEWAY ONLY: the real contract on the in-memory stub behind the
 * LedgerPort, one "block" per transaction. It is not Fabric; the gateway's tests against a real
 * network are the network's (README, 'Status of the Fabric network').
 */
export class ContractLedger implements LedgerPort {
  readonly stub = new MemoryStub();
  private readonly contract = new SettlementContract();
  private readonly commits = new Map<string, Commit & { blockHash: string }>();
  private height = 0;
  private queue: Promise<void> = Promise.resolve();
  /** Milliseconds spent inside the contract, per transaction name (benchmarks read it). */
  readonly busyMs = new Map<string, number>();
  /** Makes every call fail as if no peer answered (Fabric down). */
  down = false;
  /** Ledger time of the next transaction. */
  clock = Date.now();

  private method(fn: string): Method {
    const m: unknown = Reflect.get(this.contract, fn);
    if (typeof m !== 'function') throw new LedgerError('refused', `no transaction ${fn}`, 'INVALID_REQUEST');
    return (ctx, ...args) => Reflect.apply(m, this.contract, [ctx, ...args]) as Promise<unknown>;
  }

  /**
   * One transaction at a time, as a peer would see them in a block: the stub holds a single open
   * transaction, so concurrent callers (the intake worker beside an HTTP read) wait their turn.
   */
  private run(role: LedgerRole, fn: string, args: readonly string[], commit: boolean): Promise<{ result: string; txId: string }> {
    const turn = this.queue.then(() => this.runNow(role, fn, args, commit));
    this.queue = turn.then(() => undefined, () => undefined);
    return turn;
  }

  private async runNow(role: LedgerRole, fn: string, args: readonly string[], commit: boolean): Promise<{ result: string; txId: string }> {
    if (this.down) throw new LedgerError('unavailable', '14 UNAVAILABLE: no connection established');
    this.height += 1;
    const txId = createHash('sha256').update(`tx${this.height}`).digest('hex');
    this.stub.begin(txId, this.clock);
    const started = performance.now();
    try {
      const out = await this.method(fn)(testContext(this.stub, IDENTITIES[role]), ...args);
      if (commit) {
        this.stub.commit();
        this.commits.set(txId, { txId, blockNumber: String(this.height), validationCode: 'VALID', blockHash: createHash('sha256').update(`block${this.height}`).digest('hex') });
      } else this.stub.abort();
      return { result: typeof out === 'string' ? out : '', txId };
    } catch (error) {
      this.stub.abort();
      if (error instanceof DomainError) throw new LedgerError('refused', `chaincode response 500, ${error.message}`, error.code);
      throw error;
    } finally {
      this.busyMs.set(fn, (this.busyMs.get(fn) ?? 0) + performance.now() - started);
    }
  }

  async submit(role: LedgerRole, fn: string, args: readonly string[]): Promise<Submitted> {
    const { result, txId } = await this.run(role, fn, args, true);
    const c = this.commits.get(txId);
    if (c === undefined) throw new Error('no commit recorded');
    return { ...c, result };
  }

  evaluate(role: LedgerRole, fn: string, args: readonly string[]): Promise<string> {
    return this.run(role, fn, args, false).then((r) => r.result);
  }

  commitOf(_role: LedgerRole, txId: string): Promise<Commit & { blockHash: string }> {
    const c = this.commits.get(txId);
    return c === undefined ? Promise.reject(new LedgerError('refused', `transaction ${txId} not found`, 'NOT_FOUND')) : Promise.resolve(c);
  }

  ping(): Promise<boolean> {
    return Promise.resolve(!this.down);
  }

  close(): void {
    this.down = true;
  }
}
