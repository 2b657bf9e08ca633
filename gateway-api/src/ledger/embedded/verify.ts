import { z } from 'zod';
import { dataHashOf, headerHash, parseGenesis, parseTxData, ZERO_HASH, type GenesisConfig } from './block';
import type { BlockStore, TxPlace } from './block-store';
import { ContractHost, sameVersion, WorldState } from '@dol/chaincode/embedded';
import { applyBlock, simulateProposal, validateBlock } from './embedded-ledger';

/** What verification found: nothing in `problems` means the ledger is whole. */
export interface VerifyReport {
  readonly blocks: number;
  readonly transactions: number;
  readonly valid: number;
  readonly keys: number;
  readonly books: { readonly ok: boolean; readonly postings: number; readonly sum: string } | undefined;
  readonly problems: string[];
}

const MAX_PROBLEMS = 50;
const InvariantJson = z.object({ ok: z.boolean(), postings: z.number(), sum: z.string() });

/**
 * Verifies an embedded ledger from its store alone, trusting none of its derived tables: re-hashes
 * the chain from genesis (each block's data hash, header hash and link), validates every
 * transaction's read set again and compares the code with the one stored, replays the valid write
 * sets into a fresh world state and compares it, key by key and version by version, with the
 * stored state and the transaction index; then runs the contract's CheckInvariant over the
 * replayed state (the books recomputed from postings must equal the stored balances).
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
  for await (const block of store.blocks()) {
    if (block.number !== blocks) problem(`block ${String(blocks)} is missing (found ${String(block.number)} in its place)`);
    if (block.previousHash !== previous) problem(`block ${String(block.number)}: previous hash ${block.previousHash} does not match block ${String(block.number - 1)}'s hash ${previous}`);
    if (dataHashOf(block.data) !== block.dataHash) problem(`block ${String(block.number)}: its data does not hash to its data hash (the block was altered)`);
    if (headerHash(block.number, block.previousHash, block.dataHash) !== block.hash) problem(`block ${String(block.number)}: its header does not hash to its hash`);
    previous = block.hash;
    blocks += 1;
    if (block.number === 0) {
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
    applyBlock(state, block.number, committed);
    if (blocks % 1000 === 0) progress(`  ${String(blocks)} blocks re-hashed and replayed`);
  }
  progress(`chain: ${String(blocks)} blocks, ${String(transactions)} transactions (${String(valid)} valid) re-hashed and replayed`);

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

  const storedTxs = await store.storedTxs();
  for (const [txId, place] of index) {
    const s = storedTxs.get(txId);
    if (s?.block !== place.block || s.index !== place.index || s.code !== place.code) problem(`transaction index: ${txId} is indexed as ${s === undefined ? 'missing' : `${String(s.block)}.${String(s.index)} ${s.code}`}, the chain says ${String(place.block)}.${String(place.index)} ${place.code}`);
  }
  if (storedTxs.size !== index.size) problem(`transaction index: ${String(storedTxs.size)} entries, the chain holds ${String(index.size)} transactions`);

  let books: VerifyReport['books'];
  if (genesis !== undefined) {
    try {
      const { result } = await simulateProposal(new ContractHost(), state, genesis, 'auditor', ['CheckInvariant'], Date.now());
      const report = InvariantJson.parse(JSON.parse(result));
      books = { ok: report.ok, postings: report.postings, sum: report.sum };
      if (!report.ok) problem(`books: the balances recomputed from the replayed postings do not match the stored balances: ${result}`);
      progress(`books: ${String(report.postings)} postings, sum ${report.sum}, invariant ${report.ok ? 'holds' : 'BROKEN'}`);
    } catch (error) {
      problem(`books: CheckInvariant failed on the replayed state: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else problem('no genesis block');
  return { blocks, transactions, valid, keys, books, problems };
}
