import { Context } from 'fabric-contract-api';
import type { ChaincodeStub, ClientIdentity, Iterators, StateQueryResponse, Timestamp } from 'fabric-shim-api';
import Long from 'long';

type QueryResult = Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV>;
type HistoryResult = Promise<Iterators.HistoryQueryIterator> & AsyncIterable<Iterators.KeyModification>;

const SEP = '\u0000';
const notUsed = (name: string): never => {
  throw new Error(`MemoryStub.${name} is not used by the contract`);
};


/**
 * In-memory stand-in for Fabric's ChaincodeStub, for the contract's unit tests only. It keeps
 * Fabric's semantics that matter to the contract: a transaction reads committed state only (never
 * its own writes), its writes apply together on commit, and composite keys sort as on a peer.
 */
export class MemoryStub implements ChaincodeStub {
  readonly committed = new Map<string, Uint8Array>();
  /** Committed keys in order, as a peer's LevelDB keeps them, so range reads cost what they cost there. */
  private sorted: string[] = [];
  private writes = new Map<string, Uint8Array>();
  readonly events: { name: string; payload: string }[] = [];
  /** Every committed version of every key, oldest first, as a peer's history database keeps them. */
  private readonly versions = new Map<string, Iterators.KeyModification[]>();
  private txId = 'tx0';
  private millis = 0;

  /** Starts a transaction at the given ledger time. */
  begin(txId: string, millis: number): void {
    this.txId = txId;
    this.millis = millis;
    this.writes = new Map();
  }

  /** Applies the transaction's writes (a committed, valid transaction). */
  commit(): void {
    for (const [k, v] of this.writes) {
      if (!this.committed.has(k)) this.sorted.splice(this.lowerBound(k), 0, k);
      this.committed.set(k, v);
      const history = this.versions.get(k) ?? [];
      history.push({ txId: this.txId, value: v, isDelete: v.length === 0, timestamp: this.getTxTimestamp() });
      this.versions.set(k, history);
    }
    this.writes = new Map();
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.sorted[mid] ?? '') < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drops the transaction's writes (a failed proposal). */
  abort(): void {
    this.writes = new Map();
  }

  getTxID(): string {
    return this.txId;
  }

  getTxTimestamp(): Timestamp {
    return { seconds: Long.fromNumber(Math.floor(this.millis / 1000)), nanos: (this.millis % 1000) * 1_000_000 };
  }

  getState(key: string): Promise<Uint8Array> {
    return Promise.resolve(this.committed.get(key) ?? new Uint8Array());
  }

  putState(key: string, value: Uint8Array): Promise<void> {
    this.writes.set(key, value);
    return Promise.resolve();
  }

  deleteState(key: string): Promise<void> {
    this.writes.set(key, new Uint8Array());
    return Promise.resolve();
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    return SEP + objectType + SEP + attributes.map((a) => a + SEP).join('');
  }

  splitCompositeKey(compositeKey: string): { objectType: string; attributes: string[] } {
    const parts = compositeKey.split(SEP).slice(1, -1);
    return { objectType: parts[0] ?? '', attributes: parts.slice(1) };
  }

  getStateByPartialCompositeKey(objectType: string, attributes: string[]): QueryResult {
    const prefix = this.createCompositeKey(objectType, attributes);
    return this.scan(prefix, (key) => key.startsWith(prefix));
  }

  /** Simple keys in [startKey, endKey); like the shim, composite keys are refused here. */
  getStateByRange(startKey: string, endKey: string): QueryResult {
    if (startKey.startsWith(SEP) || endKey.startsWith(SEP)) throw new Error('getStateByRange takes simple keys only');
    return this.scan(startKey, (key) => endKey === '' || key < endKey);
  }

  /** Newest first, as Fabric 2.x returns history by block and transaction height. */
  getHistoryForKey(key: string): HistoryResult {
    return iterate([...(this.versions.get(key) ?? [])].reverse());
  }

  private scan(from: string, inRange: (key: string) => boolean): QueryResult {
    const rows: Iterators.KV[] = [];
    for (let i = this.lowerBound(from); i < this.sorted.length; i++) {
      const key = this.sorted[i] ?? '';
      if (!inRange(key)) break;
      const value = this.committed.get(key);
      if (value !== undefined && value.length > 0) rows.push({ namespace: 'settlement', key, value });
    }
    return iterate(rows);
  }

  setEvent(name: string, payload: Uint8Array): void {
    this.events.push({ name, payload: Buffer.from(payload).toString('utf8') });
  }

  getArgs(): string[] { return notUsed('getArgs'); }
  getStringArgs(): string[] { return notUsed('getStringArgs'); }
  getFunctionAndParameters(): { params: string[]; fcn: string } { return notUsed('getFunctionAndParameters'); }
  getChannelID(): string { return 'campus'; }
  getCreator(): never { return notUsed('getCreator'); }
  getMspID(): string { return notUsed('getMspID'); }
  getTransient(): Map<string, Uint8Array> { return notUsed('getTransient'); }
  getSignedProposal(): never { return notUsed('getSignedProposal'); }
  getDateTimestamp(): Date { return new Date(this.millis); }
  getBinding(): string { return notUsed('getBinding'); }
  getStateValidationParameter(): Promise<Uint8Array> { return notUsed('getStateValidationParameter'); }
  setStateValidationParameter(): Promise<void> { return notUsed('setStateValidationParameter'); }
  getStateByRangeWithPagination(): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> { return notUsed('getStateByRangeWithPagination'); }
  getStateByPartialCompositeKeyWithPagination(): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> { return notUsed('getStateByPartialCompositeKeyWithPagination'); }
  getQueryResult(): QueryResult { return notUsed('getQueryResult'); }
  getQueryResultWithPagination(): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> { return notUsed('getQueryResultWithPagination'); }
  invokeChaincode(): never { return notUsed('invokeChaincode'); }
  getPrivateData(): Promise<Uint8Array> { return notUsed('getPrivateData'); }
  getPrivateDataHash(): Promise<Uint8Array> { return notUsed('getPrivateDataHash'); }
  putPrivateData(): Promise<void> { return notUsed('putPrivateData'); }
  deletePrivateData(): Promise<void> { return notUsed('deletePrivateData'); }
  purgePrivateData(): Promise<void> { return notUsed('purgePrivateData'); }
  setPrivateDataValidationParameter(): Promise<void> { return notUsed('setPrivateDataValidationParameter'); }
  getPrivateDataValidationParameter(): Promise<Uint8Array> { return notUsed('getPrivateDataValidationParameter'); }
  getPrivateDataByRange(): QueryResult { return notUsed('getPrivateDataByRange'); }
  getPrivateDataByPartialCompositeKey(): QueryResult { return notUsed('getPrivateDataByPartialCompositeKey'); }
  getPrivateDataQueryResult(): QueryResult { return notUsed('getPrivateDataQueryResult'); }
}

/**
 * An iterator as the shim hands one out: each row with done false, then one call with no value and
 * done true; also async-iterable, as the shim's promise is.
 */
function iterate<T>(rows: readonly T[]): Promise<Iterators.CommonIterator<T>> & AsyncIterable<T> {
  let i = 0;
  const iterator: Iterators.CommonIterator<T> = {
    next: () => {
      const row = rows[i++];
      return Promise.resolve(row === undefined ? ({ done: true } as Iterators.NextResult<T>) : { value: row, done: false });
    },
    close: () => Promise.resolve(),
  };
  return Object.assign(Promise.resolve(iterator), {
    [Symbol.asyncIterator]: (): AsyncIterator<T> => {
      let j = 0;
      return {
        next: () => {
          const row = rows[j++];
          return Promise.resolve(row === undefined ? { value: undefined, done: true } : { value: row, done: false });
        },
      };
    },
  });
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
