/**
 * The check the embedded ledger makes each time it opens (docs/ledgers.md, "Tamper evidence"):
 * the stored state must be exactly what the chain's valid writes leave. Cheap enough for every
 * start, because it reads only what opening loads anyway (block headers, history, state), no
 * block data: the header chain links and hashes; every block's commitment recomputed from the
 * history of its writes and compared with the one its header seals; the state folded from the
 * history and compared, key by key, value and version, with the stored state. `ledger:verify`
 * goes further (block data, re-execution of every transaction).
 */
import { commitHashOf, headerHash, ZERO_HASH, type Block, type CommittedWrite } from './block';
import type { WorldState } from '@dol/chaincode/embedded';

/** A block's header as stored. */
export type StoredHeader = Pick<Block, 'number' | 'previousHash' | 'dataHash' | 'commitHash' | 'hash'>;

/** One stored history row: a valid write of (block, tx) to key. */
export interface StoredWrite {
  readonly key: string;
  readonly block: number;
  readonly tx: number;
  readonly value: Uint8Array;
  readonly isDelete: boolean;
}

const MAX_PROBLEMS = 10;

/** What the check found: the chain's last commitment (the next block chains from it) and every mismatch. */
export function checkIntegrity(headers: readonly StoredHeader[], history: readonly StoredWrite[], state: Pick<WorldState, 'get' | 'all'>): { commit: string; problems: string[] } {
  const problems: string[] = [];
  const problem = (p: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  let previous = ZERO_HASH;
  headers.forEach((h, i) => {
    if (h.number !== i) problem(`block ${String(i)} is missing from the chain (block ${String(h.number)} stands in its place)`);
    if (h.previousHash !== previous) problem(`block ${String(h.number)} does not link to block ${String(h.number - 1)}`);
    if (headerHash(h.number, h.previousHash, h.dataHash, h.commitHash) !== h.hash) problem(`block ${String(h.number)}: its header does not hash to its hash`);
    previous = h.hash;
  });
  const byBlock = new Map<number, CommittedWrite[]>();
  for (const w of history) {
    const list = byBlock.get(w.block) ?? [];
    list.push([w.tx, w.key, w.isDelete ? null : w.value]);
    byBlock.set(w.block, list);
  }
  for (const block of byBlock.keys()) if (block >= headers.length) problem(`the history holds writes of block ${String(block)}, which is not in the chain (a block was removed)`);
  let commit = ZERO_HASH;
  for (const h of headers) {
    commit = commitHashOf(commit, h.number, byBlock.get(h.number) ?? []);
    if (h.commitHash !== undefined && h.commitHash !== commit) problem(`block ${String(h.number)}: the writes the history keeps for it do not match the commit hash its header seals (a history row was changed)`);
  }
  const folded = new Map<string, StoredWrite>();
  for (const w of history) {
    const last = folded.get(w.key);
    if (last === undefined || w.block > last.block || (w.block === last.block && w.tx > last.tx)) folded.set(w.key, w);
  }
  for (const [key, entry] of state.all()) {
    const w = folded.get(key);
    if (w === undefined || w.isDelete) problem(`state: key ${JSON.stringify(key)} holds a value no transaction of the chain left there`);
    else if (w.block !== entry.version.block || w.tx !== entry.version.tx) problem(`state: key ${JSON.stringify(key)} is at version ${String(entry.version.block)}.${String(entry.version.tx)}, the chain left it at ${String(w.block)}.${String(w.tx)}`);
    else if (!Buffer.from(w.value).equals(Buffer.from(entry.value))) problem(`state: key ${JSON.stringify(key)} holds a value its last transaction did not write (the state was changed)`);
  }
  for (const [key, w] of folded) if (!w.isDelete && state.get(key) === undefined) problem(`state: key ${JSON.stringify(key)}, written at ${String(w.block)}.${String(w.tx)}, is missing from the state`);
  return { commit, problems };
}
