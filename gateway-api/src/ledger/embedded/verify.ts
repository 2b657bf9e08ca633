import { z } from 'zod';
import { commitHashOf, dataHashOf, headerHash, parseGenesis, parseTxData, ZERO_HASH, type GenesisConfig, type TxRecord } from './block';
import { validWrites, type BlockStore, type TxPlace } from './block-store';
import { ContractHost, sameVersion, WorldState } from '@dol/chaincode/embedded';
import { simulateProposal, validateBlock } from './embedded-ledger';
import { SETTLEMENT } from '../settlement-transactions';

/** What verification found: nothing in `problems` means the ledger is whole. */
export interface VerifyReport {
  readonly blocks: number;
  readonly transactions: number;
  readonly valid: number;
  /** Valid transactions run again through the contract, each producing exactly its recorded writes. */
  readonly reexecuted: number;
  readonly keys: number;
  readonly books: { readonly ok: boolean; readonly postings: number; readonly sum: string } | undefined;
  readonly problems: string[];
}

const MAX_PROBLEMS = 50;
const InvariantJson = z.object({ ok: z.boolean(), postings: z.number(), sum: z.string() });

/**
 * Verifies an embedded ledger from its store alone, trusting none of its derived tables: re-hashes
 * the chain from genesis (each block's data hash, commit hash, header hash and link), validates
 * every transaction's read set again and compares the code with the one stored, runs every valid
 * transaction again through the contract (same identity, arguments, time and id) on the state the
 * chain had left and compares the writes it produces with the recorded ones (a forged value that a
 * later transaction built on is caught here), replays the writes into a fresh world state and
 * compares it, key by key and version by version, with the stored state, history and transaction
 * index; then runs the contract's CheckInvariant over the replayed state.
 */
export async function verifyLedger(store: BlockStore, progress: (line: string) => void = () => undefined): Promise<VerifyReport> {
  const problems: string[] = [];
  const problem = (p: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const state = new WorldState();
  const index = new Map<string, TxPlace>();
  let genesis: GenesisConfig | undefined;
  let previous = ZERO_HASH;
  let blocks = 0;
  let transactions = 0;
  let valid = 0;
  let reexecuted = 0;
  let commit = ZERO_HASH;
  const host = new ContractHost();
  const history: string[] = [];
  for await (const block of store.blocks()) {
    if (block.number !== blocks) problem(`block ${String(blocks)} is missing (found ${String(block.number)} in its place)`);
    if (block.previousHash !== previous) problem(`block ${String(block.number)}: previous hash ${block.previousHash} does not match block ${String(block.number - 1)}'s hash ${previous}`);
    if (dataHashOf(block.data) !== block.dataHash) problem(`block ${String(block.number)}: its data does not hash to its data hash (the block was altered)`);
    if (headerHash(block.number, block.previousHash, block.dataHash, block.commitHash) !== block.hash) problem(`block ${String(block.number)}: its header does not hash to its hash`);
    previous = block.hash;
    blocks += 1;
    if (block.number === 0) {
      commit = commitHashOf(commit, 0, []);
      if (block.commitHash !== undefined && block.commitHash !== commit) problem('block 0: its commit hash is not the genesis commitment');
      try {
        genesis = parseGenesis(block.data);
      } catch (error) {
        problem(`block 0 is not a genesis block: ${error instanceof Error ? error.message : String(error)}`);
      }
      continue;
    }
    let txs;
    try {
      txs = parseTxData(block.data);
    } catch (error) {
      problem(`block ${String(block.number)}: unreadable data: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (txs.length !== block.codes.length) problem(`block ${String(block.number)}: ${String(txs.length)} transactions but ${String(block.codes.length)} validation codes`);
    const committed = validateBlock(state, block.number, txs);
    for (const c of committed) {
      if (c.code !== block.codes[c.index]) problem(`block ${String(block.number)} tx ${String(c.index)} (${c.txId}): stored as ${block.codes[c.index] ?? 'nothing'}, validates as ${c.code}`);
      index.set(c.txId, { block: block.number, index: c.index, code: c.code });
      if (c.code === 'VALID') valid += 1;
    }
    transactions += committed.length;
    for (const c of committed) {
      if (c.code !== 'VALID') continue;
      const tx = txs[c.index];
      if (tx !== undefined && genesis !== undefined) {
        const why = await reexecute(host, state, genesis, tx);
        if (why === undefined) reexecuted += 1;
        else problem(`block ${String(block.number)} tx ${String(c.index)} (${c.txId}): run again through the contract on the state the chain left, ${why}`);
      }
      state.apply(c.writes, { block: block.number, tx: c.index }, c.txId, c.millis);
      for (const [key, value] of c.writes) history.push(historyLine(key, block.number, c.index, value));
    }
    commit = commitHashOf(commit, block.number, validWrites(committed));
    if (block.commitHash !== undefined && block.commitHash !== commit) problem(`block ${String(block.number)}: its commit hash does not match the writes of its valid transactions`);
    if (blocks % 1000 === 0) progress(`  ${String(blocks)} blocks re-hashed and replayed`);
  }
  progress(`chain: ${String(blocks)} blocks, ${String(transactions)} transactions (${String(valid)} valid, ${String(reexecuted)} run again through the contract with the same writes) re-hashed and replayed`);

  const replayed = new Map([...state.all()]);
  let keys = 0;
  for await (const [key, stored] of store.storedState()) {
    keys += 1;
    const mine = replayed.get(key);
    if (mine === undefined) problem(`state: key ${JSON.stringify(key)} is stored but no valid transaction wrote it`);
    else {
      if (!sameVersion(mine.version, stored.version)) problem(`state: key ${JSON.stringify(key)} stored at version ${String(stored.version.block)}.${String(stored.version.tx)}, replay gives ${String(mine.version.block)}.${String(mine.version.tx)}`);
      if (!Buffer.from(mine.value).equals(Buffer.from(stored.value))) problem(`state: key ${JSON.stringify(key)} holds a value no transaction wrote`);
    }
    replayed.delete(key);
  }
  for (const key of replayed.keys()) problem(`state: key ${JSON.stringify(key)} was written by a valid transaction but is missing from the stored state`);
  progress(`state: ${String(keys)} stored keys compared with the replay`);

  if (store.storedHistory !== undefined) {
    const stored: string[] = [];
    for await (const w of store.storedHistory()) stored.push(historyLine(w.key, w.block, w.tx, w.isDelete ? null : w.value));
    const mine = new Set(history);
    const theirs = new Set(stored);
    for (const line of stored) if (!mine.has(line)) problem(`history: a row no valid transaction wrote: ${line.slice(0, 200)}`);
    for (const line of history) if (!theirs.has(line)) problem(`history: a write of the chain is missing: ${line.slice(0, 200)}`);
    progress(`history: ${String(stored.length)} rows compared with the chain's writes`);
  }

  const storedTxs = await store.storedTxs();
  for (const [txId, place] of index) {
    const s = storedTxs.get(txId);
    if (s?.block !== place.block || s.index !== place.index || s.code !== place.code) problem(`transaction index: ${txId} is indexed as ${s === undefined ? 'missing' : `${String(s.block)}.${String(s.index)} ${s.code}`}, the chain says ${String(place.block)}.${String(place.index)} ${place.code}`);
  }
  if (storedTxs.size !== index.size) problem(`transaction index: ${String(storedTxs.size)} entries, the chain holds ${String(index.size)} transactions`);

  let books: VerifyReport['books'];
  if (genesis !== undefined) {
    try {
      const { result } = await simulateProposal(host, state, genesis, 'auditor', [SETTLEMENT.CheckInvariant.fn], Date.now());
      const report = InvariantJson.parse(JSON.parse(result));
      books = { ok: report.ok, postings: report.postings, sum: report.sum };
      if (!report.ok) problem(`books: the balances recomputed from the replayed postings do not match the stored balances: ${result}`);
      progress(`books: ${String(report.postings)} postings, sum ${report.sum}, invariant ${report.ok ? 'holds' : 'BROKEN'}`);
    } catch (error) {
      problem(`books: CheckInvariant failed on the replayed state: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else problem('no genesis block');
  return { blocks, transactions, valid, reexecuted, keys, books, problems };
}

/** One history row as text, to compare sets of them. */
const historyLine = (key: string, block: number, tx: number, value: Uint8Array | null): string =>
  JSON.stringify([key, block, tx, value === null ? null : Buffer.from(value).toString('base64')]);

/** Runs a recorded transaction again; undefined when it writes exactly what was recorded, else what differs. */
async function reexecute(host: ContractHost, state: WorldState, genesis: GenesisConfig, tx: TxRecord): Promise<string | undefined> {
  const [fn, ...args] = tx.args;
  if (fn === undefined) return 'it has no function name';
  let again: TxRecord;
  try {
    again = (await simulateProposal(host, state, genesis, tx.role, [fn, ...args], tx.millis, { txId: tx.txId, ...(tx.transient === undefined ? {} : { transient: tx.transient }) })).record;
  } catch (error) {
    return `the contract now refuses it (${error instanceof Error ? error.message.slice(0, 200) : String(error)})`;
  }
  const text = (v: Uint8Array | null): string => (v === null ? 'deleted' : Buffer.from(v).toString('utf8'));
  const recorded = new Map(tx.writes.map(([k, v]) => [k, text(v)]));
  const produced = new Map(again.writes.map(([k, v]) => [k, text(v)]));
  for (const [k, v] of produced) {
    if (!recorded.has(k)) return `it writes ${JSON.stringify(k)}, which the block does not record`;
    if (recorded.get(k) !== v) return `it writes ${JSON.stringify(k)} as ${v.slice(0, 160)}, the block records ${(recorded.get(k) ?? '').slice(0, 160)} (a value it read was not the one the chain left)`;
  }
  for (const k of recorded.keys()) if (!produced.has(k)) return `the block records a write of ${JSON.stringify(k)} that it does not make`;
  return undefined;
}
