import { commitHashOf, ZERO_HASH, type Block, type CommittedWrite, type ValidationCode } from './block';
import type { StateEntry, Version, Write, WorldState } from '@dol/chaincode/embedded';
import type { StoredWrite } from './integrity';

/** A transaction of a block as committed: its place, its validation code and, when valid, its writes. */
export interface CommittedTx {
  readonly txId: string;
  readonly index: number;
  readonly code: ValidationCode;
  readonly millis: number;
  readonly writes: readonly Write[];
}

/** Where a transaction sits in the chain. */
export interface TxPlace {
  readonly block: number;
  readonly index: number;
  readonly code: ValidationCode;
}

/**
 * What a store hands back on opening: the chain's hashes (by block number), block 0's data, every
 * transaction's place, the last block's commitment to its state (the next block chains from it),
 * and what the integrity check found wrong (integrity.ts; nothing on a whole ledger).
 */
export interface OpenedStore {
  readonly hashes: string[];
  readonly genesis: string | undefined;
  readonly txs: Map<string, TxPlace>;
  readonly commit: string;
  readonly problems: readonly string[];
}

/** A block's valid writes, as its commitment covers them. */
export function validWrites(txs: readonly CommittedTx[]): CommittedWrite[] {
  return txs.filter((t) => t.code === 'VALID').flatMap((t) => t.writes.map(([key, value]): CommittedWrite => [t.index, key, value]));
}

/**
 * Where the embedded ledger keeps its blocks, world state, history and transaction index. A block
 * and the state it produces are appended together or not at all.
 */
export interface BlockStore {
  /** Says what the store is, for people (`PostgreSQL schema dol_ledger`, `memory`). */
  readonly description: string;
  /** Loads the committed state and history into `state`; the rest is returned. */
  open(state: WorldState): Promise<OpenedStore>;
  /** Appends a block and applies its valid transactions' writes, atomically. */
  append(block: Block, txs: readonly CommittedTx[]): Promise<void>;
  /** Every block from genesis, in order (verification). */
  blocks(): AsyncIterable<Block>;
  /** The stored world state in key order (verification). */
  storedState(): AsyncIterable<readonly [string, StateEntry]>;
  /** The stored history of valid writes in chain order (verification), where the store keeps one apart from its blocks. */
  storedHistory?(): AsyncIterable<StoredWrite>;
  /** The stored transaction index (verification). */
  storedTxs(): Promise<Map<string, TxPlace>>;
  close(): Promise<void>;
}

/** The last write of each key among a block's valid transactions: the state change the block makes. */
export function netWrites(block: number, txs: readonly CommittedTx[]): Map<string, { value: Uint8Array | null; version: Version }> {
  const out = new Map<string, { value: Uint8Array | null; version: Version }>();
  for (const t of txs) {
    if (t.code !== 'VALID') continue;
    for (const [key, value] of t.writes) out.set(key, { value, version: { block, tx: t.index } });
  }
  return out;
}

/**
 * Blocks kept in this process only: for tests and benchmarks that need the embedded ledger's
 * semantics but not its durability (STYLE: tests use the embedded ledger in memory).
 */
export class MemoryBlockStore implements BlockStore {
  readonly description = 'memory (nothing survives the process)';
  private readonly chain: Block[] = [];
  private readonly index = new Map<string, TxPlace>();
  private readonly state = new Map<string, StateEntry>();

  private commit = ZERO_HASH;

  open(): Promise<OpenedStore> {
    return Promise.resolve({ hashes: this.chain.map((b) => b.hash), genesis: this.chain[0]?.data, txs: new Map(this.index), commit: this.commit, problems: [] });
  }

  append(block: Block, txs: readonly CommittedTx[]): Promise<void> {
    this.chain.push(block);
    this.commit = block.commitHash ?? commitHashOf(this.commit, block.number, validWrites(txs));
    for (const t of txs) this.index.set(t.txId, { block: block.number, index: t.index, code: t.code });
    for (const [key, w] of netWrites(block.number, txs)) {
      if (w.value === null) this.state.delete(key);
      else this.state.set(key, { value: w.value, version: w.version });
    }
    return Promise.resolve();
  }

  async *blocks(): AsyncIterable<Block> {
    for (const b of this.chain) yield await Promise.resolve(b);
  }

  async *storedState(): AsyncIterable<readonly [string, StateEntry]> {
    for (const key of [...this.state.keys()].sort()) {
      const entry = this.state.get(key);
      if (entry !== undefined) yield await Promise.resolve([key, entry] as const);
    }
  }

  storedTxs(): Promise<Map<string, TxPlace>> {
    return Promise.resolve(new Map(this.index));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
