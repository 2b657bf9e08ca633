import type { Iterators, Timestamp } from 'fabric-shim-api';
import Long from 'long';
import { SortedKeys } from './sorted-keys';

/** Where a value was written: block number and position in the block, as Fabric versions state. */
export interface Version {
  readonly block: number;
  readonly tx: number;
}

/** One committed key. */
export interface StateEntry {
  readonly value: Uint8Array;
  readonly version: Version;
}

/** One write of a transaction: a value, or null for a delete. */
export type Write = readonly [key: string, value: Uint8Array | null];

/** A key's committed modification, as getHistoryForKey hands it out. */
export interface Modification {
  readonly txId: string;
  readonly millis: number;
  readonly value: Uint8Array;
  readonly isDelete: boolean;
}

export const sameVersion = (a: Version | undefined, b: Version | undefined): boolean =>
  a === undefined || b === undefined ? a === b : a.block === b.block && a.tx === b.tx;

/**
 * The world state of the embedded ledger: the latest committed value and version of every key,
 * kept in key order (as a peer's LevelDB keeps it, so range reads cost what they cost there), and
 * every key's modifications (the peer's history database). Only committed blocks change it.
 */
export class WorldState {
  private readonly entries = new Map<string, StateEntry>();
  private readonly sorted = new SortedKeys();
  private readonly history = new Map<string, Modification[]>();

  get(key: string): StateEntry | undefined {
    return this.entries.get(key);
  }

  /** Live keys from `from` on while `inRange` holds, in key order. */
  scan(from: string, inRange: (key: string) => boolean): [string, StateEntry][] {
    const rows: [string, StateEntry][] = [];
    for (const key of this.sorted.from(from)) {
      if (!inRange(key)) break;
      const entry = this.entries.get(key);
      if (entry !== undefined) rows.push([key, entry]);
    }
    return rows;
  }

  /** Applies one valid transaction's writes at its version. */
  apply(writes: readonly Write[], version: Version, txId: string, millis: number): void {
    for (const [key, value] of writes) {
      const history = this.history.get(key) ?? [];
      history.push({ txId, millis, value: value ?? new Uint8Array(), isDelete: value === null });
      this.history.set(key, history);
      if (value === null) {
        if (this.entries.delete(key)) this.sorted.delete(key);
      } else this.load(key, { value, version });
    }
  }

  /** Sets a committed entry: as stored when a ledger opens, or as a valid transaction wrote it. */
  load(key: string, entry: StateEntry): void {
    if (!this.entries.has(key)) this.sorted.add(key);
    this.entries.set(key, entry);
  }

  /** Loads a key's history as stored, oldest first (opening a ledger). */
  loadHistory(key: string, modifications: Modification[]): void {
    this.history.set(key, modifications);
  }

  /** A key's modifications, newest first, as Fabric 2.x returns them. */
  historyOf(key: string): Iterators.KeyModification[] {
    return [...(this.history.get(key) ?? [])].reverse().map((m) => ({
      txId: m.txId, value: m.value, isDelete: m.isDelete, timestamp: timestampOf(m.millis),
    }));
  }

  /** Every live key in order (verification compares states with it). */
  *all(): IterableIterator<[string, StateEntry]> {
    for (const key of this.sorted.from('')) {
      const entry = this.entries.get(key);
      if (entry !== undefined) yield [key, entry];
    }
  }
}

/** A protobuf Timestamp as the shim hands it out. */
export function timestampOf(millis: number): Timestamp {
  return { seconds: Long.fromNumber(Math.floor(millis / 1000)), nanos: (millis % 1000) * 1_000_000 };
}
