import type { ChaincodeStub, Iterators } from 'fabric-shim-api';

/** The part of Fabric's stub the contract uses: small enough for an in-memory stand-in in unit tests. */
export type LedgerStub = Pick<
  ChaincodeStub,
  'getState' | 'putState' | 'deleteState' | 'getStateByPartialCompositeKey' | 'createCompositeKey' | 'getTxID' | 'getTxTimestamp' | 'setEvent'
>;

/** A key-value pair from a range read. */
export interface Entry {
  readonly key: string;
  readonly value: Uint8Array;
}

/**
 * Every state call goes through here, so the contract's cost is countable (DESIGN §7: state calls
 * cost more than crypto) and key encoding lives in one place.
 */
export class StateStore {
  /** getState, putState and range reads made so far in this transaction. */
  calls = 0;

  constructor(readonly stub: LedgerStub) {}

  key(type: string, parts: readonly string[]): string {
    return this.stub.createCompositeKey(type, [...parts]);
  }

  async get(type: string, parts: readonly string[]): Promise<Uint8Array | undefined> {
    this.calls += 1;
    const value = await this.stub.getState(this.key(type, parts));
    return value.length === 0 ? undefined : value;
  }

  async put(type: string, parts: readonly string[], value: Uint8Array): Promise<void> {
    this.calls += 1;
    await this.stub.putState(this.key(type, parts), value);
  }

  /** Deletes a key named by its full composite key (as a range read returned it). */
  async remove(fullKey: string): Promise<void> {
    this.calls += 1;
    await this.stub.deleteState(fullKey);
  }

  /** All entries whose composite key starts with the given parts, in key order. */
  async list(type: string, parts: readonly string[] = []): Promise<Entry[]> {
    this.calls += 1;
    const out: Entry[] = [];
    const iterator = await this.stub.getStateByPartialCompositeKey(type, [...parts]);
    try {
      for (;;) {
        const next = await iterator.next();
        // At the end the shim sends no value, whatever its typings say; empty values are deleted keys.
        const kv = next.value as Iterators.KV | undefined;
        if (kv !== undefined && kv.value.length > 0) out.push({ key: kv.key, value: kv.value });
        if (next.done) break;
      }
    } finally {
      await iterator.close();
    }
    return out;
  }
}
