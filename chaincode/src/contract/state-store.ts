import type { ChaincodeStub, Iterators } from 'fabric-shim-api';

/** The part of Fabric's stub the contract uses: small enough for an in-memory stand-in in unit tests. */
export type LedgerStub = Pick<
  ChaincodeStub,
  | 'getState' | 'putState' | 'deleteState' | 'getStateByPartialCompositeKey' | 'getStateByRange' | 'getHistoryForKey'
  | 'createCompositeKey' | 'getTxID' | 'getTxTimestamp' | 'setEvent'
>;

/** A key-value pair from a range read. */
export interface Entry {
  readonly key: string;
  readonly value: Uint8Array;
}

/** One committed version of a key, from the peer's history database. */
export interface Version {
  readonly txId: string;
  /** The proposal's timestamp, in ms. */
  readonly at: number;
  /** undefined for a deletion. */
  readonly value: Uint8Array | undefined;
}

type Iterator<T> = { next(): Promise<{ value?: T; done?: boolean }>; close(): Promise<void> };

/**
 * Drains a shim iterator, or stops once `keep` answers false (the shim fetches a range in pages, so
 * stopping early reads no further); at the end the shim sends no value, whatever its typings say.
 */
async function drain<T>(iterator: Iterator<T>, keep: (item: T) => boolean): Promise<void> {
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.value !== undefined && !keep(next.value)) break;
      if (next.done === true) break;
    }
  } finally {
    await iterator.close();
  }
}

/** The live entries of a range read, at most `limit` of them; an empty value is a deleted key. */
async function liveEntries(iterator: Iterator<Iterators.KV>, limit = Infinity): Promise<Entry[]> {
  const out: Entry[] = [];
  await drain(iterator, (kv) => {
    if (kv.value.length > 0) out.push({ key: kv.key, value: kv.value });
    return out.length < limit;
  });
  return out;
}

/** Protobuf timestamps reach us as numbers, strings or Longs depending on the decoder. */
const millisOf = (ts: { seconds: unknown; nanos: unknown }): number =>
  Number(String(ts.seconds)) * 1000 + Math.floor(Number(ts.nanos ?? 0) / 1_000_000);

/**
 * Every state call goes through here, so key encoding lives in one place. What they cost (DESIGN
 * §7: state calls cost more than crypto) is counted by the stub (TxStub.stateCalls), not answered.
 */
export class StateStore {
  constructor(readonly stub: LedgerStub) {}

  key(type: string, parts: readonly string[]): string {
    return this.stub.createCompositeKey(type, [...parts]);
  }

  async get(type: string, parts: readonly string[]): Promise<Uint8Array | undefined> {
    const value = await this.stub.getState(this.key(type, parts));
    return value.length === 0 ? undefined : value;
  }

  async put(type: string, parts: readonly string[], value: Uint8Array): Promise<void> {
    await this.stub.putState(this.key(type, parts), value);
  }

  /** Writes a simple (non-composite) key: the time-ordered indexes. */
  async putSimple(key: string, value: Uint8Array): Promise<void> {
    await this.stub.putState(key, value);
  }

  /** Deletes a key named by its full composite key (as a range read returned it). */
  async remove(fullKey: string): Promise<void> {
    await this.stub.deleteState(fullKey);
  }

  /** All entries whose composite key starts with the given parts, in key order. */
  async list(type: string, parts: readonly string[] = []): Promise<Entry[]> {
    return liveEntries(await this.stub.getStateByPartialCompositeKey(type, [...parts]));
  }

  /** The first `limit` entries whose composite key starts with the given parts, in key order (the rest is never read). */
  async first(type: string, parts: readonly string[], limit: number): Promise<Entry[]> {
    return liveEntries(await this.stub.getStateByPartialCompositeKey(type, [...parts]), limit);
  }

  /** Simple (non-composite) keys in [start, end), in key order: for time-ordered indexes. */
  async range(start: string, end: string): Promise<Entry[]> {
    return liveEntries(await this.stub.getStateByRange(start, end));
  }

  /**
   * Every committed version of a key, oldest first. Fabric (since 2.0) returns history newest
   * first by block and transaction height; read-only use only, as phantom reads are not checked.
   */
  async history(type: string, parts: readonly string[]): Promise<Version[]> {
    const out: Version[] = [];
    await drain(await this.stub.getHistoryForKey(this.key(type, parts)), (m: Iterators.KeyModification) => {
      out.push({ txId: m.txId, at: millisOf(m.timestamp), value: m.isDelete || m.value.length === 0 ? undefined : m.value });
      return true;
    });
    return out.reverse();
  }
}
