import type { ChaincodeStub, Iterators, SerializedIdentity, StateQueryResponse, Timestamp } from 'fabric-shim-api';
import { timestampOf, type Version, type Write, type WorldState } from './world-state';

type QueryResult = Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV>;
type HistoryResult = Promise<Iterators.HistoryQueryIterator> & AsyncIterable<Iterators.KeyModification>;

const SEP = '\u0000';

/** A key read: its committed version then, or null when it did not exist. */
export type Read = readonly [key: string, version: Version | null];

/**
 * A range read: keys from `start` that begin with it (`prefix`, a partial composite key) or lie
 * before `end` ('' for no end), and every key and version it returned (for phantom detection).
 */
export interface RangeRead {
  readonly start: string;
  readonly end: string;
  readonly prefix: boolean;
  readonly rows: readonly Read[];
}

/** The test a range read's keys pass. */
export const inRangeOf = (r: Pick<RangeRead, 'start' | 'end' | 'prefix'>) => (key: string): boolean =>
  r.prefix ? key.startsWith(r.start) : r.end === '' || key < r.end;

/** What simulating a proposal produced: Fabric's read/write set and the event. */
export interface RwSet {
  readonly reads: Read[];
  readonly ranges: RangeRead[];
  readonly writes: Write[];
  event?: { readonly name: string; readonly payload: string };
}

/** One proposal as the embedded ledger's client made it. */
export interface Proposal {
  readonly txId: string;
  readonly channel: string;
  readonly millis: number;
  readonly creator: { readonly mspid: string; readonly certificatePem: string };
  /** Function name first, then its arguments, as strings. */
  readonly args: readonly string[];
  /** The proposal's transient map (the actor behind a staff write). */
  readonly transient?: Readonly<Record<string, string>>;
}

const notUsed = (name: string): never => {
  throw new Error(`${name} is not offered by the embedded ledger`);
};

/**
 * The ChaincodeStub the embedded ledger hands the contract for one proposal. Like a peer's
 * simulator it reads committed state only (never the transaction's own writes), records the
 * version of every key and range it read, and collects writes without applying them: the block
 * that orders the transaction decides whether they apply (MVCC).
 */
export class TxStub implements ChaincodeStub {
  private current: RwSet = { reads: [], ranges: [], writes: [] };
  private readKeys = new Set<string>();
  private writeIndex = new Map<string, number>();
  private calls = 0;

  constructor(
    protected readonly state: WorldState,
    private proposal: Proposal,
  ) {}

  /** What the transaction read and would write so far. */
  get rwset(): RwSet {
    return this.current;
  }

  /**
   * State calls the simulation made so far (reads, writes, deletes, range and history queries):
   * each is one round trip from a contract to its peer on Fabric, where the Node shim sends them
   * one at a time, so their count is what a transaction's latency scales with (docs/settlement.md).
   */
  get stateCalls(): number {
    return this.calls;
  }

  /** The proposal being simulated. */
  protected get simulating(): Proposal {
    return this.proposal;
  }

  /** Starts simulating another proposal on the same state (the contract's unit tests reuse one stub). */
  protected restart(proposal: Proposal): void {
    this.proposal = proposal;
    this.current = { reads: [], ranges: [], writes: [] };
    this.readKeys = new Set();
    this.writeIndex = new Map();
    this.calls = 0;
  }

  getBufferArgs(): Buffer[] {
    return this.proposal.args.map((a) => Buffer.from(a, 'utf8'));
  }
  getArgs(): string[] {
    return [...this.proposal.args];
  }
  getStringArgs(): string[] {
    return [...this.proposal.args];
  }
  getFunctionAndParameters(): { params: string[]; fcn: string } {
    const [fcn = '', ...params] = this.proposal.args;
    return { fcn, params };
  }
  getTxID(): string {
    return this.proposal.txId;
  }
  getChannelID(): string {
    return this.proposal.channel;
  }
  getCreator(): SerializedIdentity {
    return { mspid: this.proposal.creator.mspid, idBytes: Buffer.from(this.proposal.creator.certificatePem, 'utf8') };
  }
  getMspID(): string {
    return this.proposal.creator.mspid;
  }
  getTxTimestamp(): Timestamp {
    return timestampOf(this.proposal.millis);
  }
  getDateTimestamp(): Date {
    return new Date(this.proposal.millis);
  }

  getState(key: string): Promise<Uint8Array> {
    this.calls += 1;
    const entry = this.state.get(key);
    this.noteRead(key, entry?.version ?? null);
    return Promise.resolve(entry?.value ?? new Uint8Array());
  }

  putState(key: string, value: Uint8Array): Promise<void> {
    this.calls += 1;
    this.noteWrite(key, Uint8Array.from(value));
    return Promise.resolve();
  }

  deleteState(key: string): Promise<void> {
    this.calls += 1;
    this.noteWrite(key, null);
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
    this.calls += 1;
    const prefix = this.createCompositeKey(objectType, attributes);
    return this.range({ start: prefix, end: '', prefix: true });
  }

  /** Simple keys in [startKey, endKey) (endKey '' means to the end); composite keys are refused, as by the shim. */
  getStateByRange(startKey: string, endKey: string): QueryResult {
    this.calls += 1;
    if (startKey.startsWith(SEP) || endKey.startsWith(SEP)) throw new Error('getStateByRange takes simple keys only');
    return this.range({ start: startKey, end: endKey, prefix: false });
  }

  getHistoryForKey(key: string): HistoryResult {
    this.calls += 1;
    return iterate(this.state.historyOf(key));
  }

  setEvent(name: string, payload: Uint8Array): void {
    this.current.event = { name, payload: Buffer.from(payload).toString('utf8') };
  }

  private range(bounds: Omit<RangeRead, 'rows'>): QueryResult {
    const rows = this.state.scan(bounds.start, inRangeOf(bounds));
    this.current.ranges.push({ ...bounds, rows: rows.map(([key, e]) => [key, e.version]) });
    return iterate(rows.map(([key, e]) => ({ namespace: 'settlement', key, value: e.value })));
  }

  private noteRead(key: string, version: Version | null): void {
    if (this.readKeys.has(key)) return;
    this.readKeys.add(key);
    this.current.reads.push([key, version]);
  }

  private noteWrite(key: string, value: Uint8Array | null): void {
    const at = this.writeIndex.get(key);
    if (at === undefined) {
      this.writeIndex.set(key, this.current.writes.length);
      this.current.writes.push([key, value]);
    } else this.current.writes[at] = [key, value];
  }

  getTransient(): Map<string, Uint8Array> { return new Map(Object.entries(this.proposal.transient ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8')])); }
  getSignedProposal(): never { return notUsed('getSignedProposal'); }
  getBinding(): string { return notUsed('getBinding'); }
  getStateValidationParameter(): Promise<Uint8Array> { return notUsed('getStateValidationParameter'); }
  setStateValidationParameter(): Promise<void> { return notUsed('setStateValidationParameter'); }
  getStateByRangeWithPagination(): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> { return notUsed('getStateByRangeWithPagination'); }
  getStateByPartialCompositeKeyWithPagination(): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> { return notUsed('getStateByPartialCompositeKeyWithPagination'); }
  getQueryResult(): QueryResult { return notUsed('getQueryResult (rich queries need CouchDB)'); }
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
