import { Context } from 'fabric-contract-api';
import type { ClientIdentity } from 'fabric-shim-api';
import { TxStub, WorldState } from '../embedded';

/**
 * The contract's unit-test stub: the embedded ledger's own stub (committed reads only, never the
 * transaction's own writes, composite keys and ranges as on a peer, history) over one world state,
 * with the transaction boundaries in the test's hands: begin, then commit (apply the writes) or
 * abort (drop them). No blocks and no MVCC: one transaction at a time.
 */
export class MemoryStub extends TxStub {
  /** Events of committed transactions, in order. */
  readonly events: { name: string; payload: string }[] = [];
  private height = 0;
  /** State calls of the last committed transaction (TxStub.stateCalls): what the contract's cost tests read. */
  lastStateCalls = 0;

  constructor() {
    super(new WorldState(), { txId: 'tx0', channel: 'campus', millis: 0, creator: { mspid: '', certificatePem: '' }, args: [] });
  }

  /** Committed keys and values now (a copy). */
  get committed(): Map<string, Uint8Array> {
    return new Map([...this.state.all()].map(([key, entry]) => [key, entry.value]));
  }

  /** Starts a transaction at the given ledger time. */
  begin(txId: string, millis: number): void {
    this.restart({ ...this.simulating, txId, millis });
  }

  /** Applies the transaction's writes (a committed, valid transaction). */
  commit(): void {
    this.height += 1;
    const { txId, millis } = this.simulating;
    this.lastStateCalls = this.stateCalls;
    this.state.apply(this.rwset.writes, { block: this.height, tx: 0 }, txId, millis);
    if (this.rwset.event !== undefined) this.events.push(this.rwset.event);
    this.restart(this.simulating);
  }

  /** Drops the transaction's writes (a failed proposal). */
  abort(): void {
    this.restart(this.simulating);
  }
}

/** A caller: an organisation and the role attribute of its certificate. */
export class TestIdentity implements ClientIdentity {
  constructor(
    private readonly mspId: string,
    private readonly role: string | null,
  ) {}

  assertAttributeValue(attrName: string, attrValue: string): boolean {
    return attrName === 'role' && this.role === attrValue;
  }
  getAttributeValue(attrName: string): string | null {
    return attrName === 'role' ? this.role : null;
  }
  getID(): string {
    return `x509::CN=${this.role ?? 'nobody'}::${this.mspId}`;
  }
  getIDBytes(): Uint8Array {
    return Buffer.from(this.getID());
  }
  getMSPID(): string {
    return this.mspId;
  }
}

/** A Context over the memory stub, as fabric-contract-api would build for one transaction. */
export function testContext(stub: MemoryStub, caller: TestIdentity): Context {
  const ctx = new Context();
  ctx.stub = stub;
  ctx.clientIdentity = caller;
  return ctx;
}
