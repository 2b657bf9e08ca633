import { randomBytes } from 'node:crypto';
import { ACTOR_TRANSIENT, LedgerError, domainCodeOf, type Actor, type Commit, type LedgerPort, type LedgerRole, type Submitted } from '../ledger-port';
import { commitHashOf, genesisData, parseGenesis, sealBlock, txData, ZERO_HASH, type GenesisConfig, type TxRecord, type ValidationCode } from './block';
import { validWrites, type BlockStore, type CommittedTx, type TxPlace } from './block-store';
import { ContractHost, TxStub, inRangeOf, type RangeRead, type Read, type RwSet, sameVersion, WorldState, type Version } from '@dol/chaincode/embedded';
import { makeIdentities } from './identities';

/** How often a transaction invalidated by a concurrent one is simulated again before the caller is told. */
const MVCC_RETRIES = 5;

export interface EmbeddedLedgerOptions {
  readonly store: BlockStore;
  /** Ledger time in milliseconds (tests set it; otherwise the wall clock). */
  readonly clock?: () => number;
  /** Most transactions in one block. */
  readonly maxBlockTxs?: number;
}

interface Ordered {
  readonly record: TxRecord;
  readonly resolve: (outcome: { place: TxPlace; hash: string }) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The embedded ledger (DESIGN §3): the settlement contract run in-process through
 * fabric-contract-api's dispatch over a durable block store, with Fabric's read/write semantics.
 * A proposal is simulated against committed state and yields a read/write set; transactions are
 * cut into hash-chained blocks; each is validated in block order (every key and range it read must
 * still be at the version it saw, else MVCC_READ_CONFLICT / PHANTOM_READ_CONFLICT, and its writes
 * are dropped); the block and the state it produces are stored atomically before anyone is
 * answered. One organisation's process decides everything: it is not a Fabric network.
 */
export class EmbeddedLedger implements LedgerPort {
  readonly kind = 'embedded' as const;
  /** Transactions invalidated by validation, by code (each simulated again or handed back). */
  readonly invalidated = new Map<string, number>();
  /** Milliseconds spent inside the contract, per transaction name (benchmarks read it). */
  readonly busyMs = new Map<string, number>();
  /** While true every call fails as unavailable, as when no peer answers (maintenance, and tests of outages). */
  offline = false;
  private readonly host = new ContractHost();
  private readonly pending: Ordered[] = [];
  private cutting = false;
  private closed = false;

  private constructor(
    private readonly state: WorldState,
    private readonly store: BlockStore,
    private readonly genesis: GenesisConfig,
    private readonly hashes: string[],
    private readonly txs: Map<string, TxPlace>,
    private readonly clock: () => number,
    private readonly maxBlockTxs: number,
    /** The last block's commitment to its state: the next block chains from it. */
    private commit: string,
    /** Why the ledger serves nothing: its stored state does not match its chain (checked at open). */
    private readonly refusal: string | undefined,
  ) {}

  /** Opens the ledger in `store`, writing block 0 (the organisations and their role certificates) when it is new. */
  static async open(options: EmbeddedLedgerOptions): Promise<EmbeddedLedger> {
    const clock = options.clock ?? Date.now;
    const state = new WorldState();
    const opened = await options.store.open(state);
    let genesisText = opened.genesis;
    const hashes = opened.hashes;
    let commit = opened.commit;
    if (genesisText === undefined && opened.problems.length === 0) {
      const ids = await makeIdentities(new Date(clock()));
      genesisText = genesisData({ ledger: 'embedded', channel: 'campus', chaincode: 'settlement', roots: ids.roots, roles: ids.roles });
      commit = commitHashOf(ZERO_HASH, 0, []);
      const block0 = sealBlock(undefined, genesisText, [], commit);
      await options.store.append(block0, []);
      hashes.push(block0.hash);
    }
    const refusal = opened.problems.length === 0 ? undefined
      : `the embedded ledger's stored state does not match its chain, so it serves nothing (found when it opened ${options.store.description}): ${opened.problems.join('; ')}. Run npm run ledger:verify for the whole report; restore the ledger from a backup.`;
    if (genesisText === undefined) return new EmbeddedLedger(state, options.store, { ledger: 'embedded', channel: 'campus', chaincode: 'settlement', roots: {}, roles: {} }, hashes, opened.txs, clock, options.maxBlockTxs ?? 500, commit, refusal);
    return new EmbeddedLedger(state, options.store, parseGenesis(genesisText), hashes, opened.txs, clock, options.maxBlockTxs ?? 500, commit, refusal);
  }

  /** Why the ledger is not serving, when it refuses to (its state did not match its chain at open). */
  unavailableBecause(): string | undefined {
    return this.refusal ?? (this.offline ? 'the embedded ledger is offline' : this.closed ? 'the embedded ledger is closed' : undefined);
  }

  /** Blocks so far, genesis included. */
  get height(): number {
    return this.hashes.length;
  }

  async submit(role: LedgerRole, fn: string, args: readonly string[], actor?: Actor): Promise<Submitted> {
    const transient = actor === undefined ? undefined : { [ACTOR_TRANSIENT]: JSON.stringify(actor) };
    for (let attempt = 1; ; attempt++) {
      const { record, result } = await this.simulate(role, fn, args, transient);
      const { place, hash } = await this.order(record);
      if (place.code === 'VALID') {
        const submitted: Submitted & { blockHash: string } = { txId: record.txId, blockNumber: String(place.block), validationCode: place.code, result, blockHash: hash };
        return submitted;
      }
      this.invalidated.set(place.code, (this.invalidated.get(place.code) ?? 0) + 1);
      if (attempt >= MVCC_RETRIES) throw new LedgerError('retryable', `transaction ${record.txId} invalid: ${place.code}`, place.code);
    }
  }

  async evaluate(role: LedgerRole, fn: string, args: readonly string[]): Promise<string> {
    return (await this.simulate(role, fn, args)).result;
  }

  commitOf(_role: LedgerRole, txId: string): Promise<Commit & { blockHash: string }> {
    const place = this.txs.get(txId);
    const hash = place === undefined ? undefined : this.hashes[place.block];
    if (place === undefined || hash === undefined) return Promise.reject(new LedgerError('refused', `transaction ${txId} not found`, 'NOT_FOUND'));
    return Promise.resolve({ txId, blockNumber: String(place.block), validationCode: place.code, blockHash: hash });
  }

  ping(): Promise<boolean> {
    return Promise.resolve(!this.offline && !this.closed && this.refusal === undefined);
  }

  close(): void {
    this.closed = true;
    void this.store.close();
  }

  /** Runs a proposal against committed state: the contract's answer and the transaction it would be. */
  private async simulate(role: LedgerRole, fn: string, args: readonly string[], transient?: Readonly<Record<string, string>>): Promise<{ record: TxRecord; result: string }> {
    if (this.refusal !== undefined) throw new LedgerError('unavailable', this.refusal);
    if (this.offline || this.closed) throw new LedgerError('unavailable', '14 UNAVAILABLE: the embedded ledger is not serving');
    const started = performance.now();
    try {
      return await simulateProposal(this.host, this.state, this.genesis, role, [fn, ...args], this.clock(), { ...(transient === undefined ? {} : { transient }) });
    } finally {
      this.busyMs.set(fn, (this.busyMs.get(fn) ?? 0) + performance.now() - started);
    }
  }

  /** Hands a simulated transaction to the block cutter; resolves once its block is stored. */
  private order(record: TxRecord): Promise<{ place: TxPlace; hash: string }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      if (!this.cutting) {
        this.cutting = true;
        // Let transactions simulated in the same turn join the block.
        setImmediate(() => void this.cutBlocks());
      }
    });
  }

  private async cutBlocks(): Promise<void> {
    try {
      while (this.pending.length > 0) await this.commitBlock(this.pending.splice(0, this.maxBlockTxs));
    } finally {
      this.cutting = false;
    }
  }

  /** Validates the transactions in order, stores the block with its state changes, then applies them and answers. */
  private async commitBlock(batch: Ordered[]): Promise<void> {
    const number = this.hashes.length;
    const committed = validateBlock(this.state, number, batch.map((o) => o.record));
    const previous = { number: number - 1, hash: this.hashes[number - 1] ?? '' };
    const commit = commitHashOf(this.commit, number, validWrites(committed));
    const block = sealBlock(previous, txData(batch.map((o) => o.record)), committed.map((c) => c.code), commit);
    try {
      await this.store.append(block, committed);
    } catch (error) {
      const failure = new LedgerError('unavailable', `the block store refused block ${String(number)}: ${error instanceof Error ? error.message : String(error)}`);
      for (const o of batch) o.reject(failure);
      return;
    }
    this.hashes.push(block.hash);
    this.commit = commit;
    applyBlock(this.state, number, committed);
    batch.forEach((o, i) => {
      const c = committed[i];
      if (c === undefined) return;
      const place = { block: number, index: c.index, code: c.code };
      this.txs.set(c.txId, place);
      o.resolve({ place, hash: block.hash });
    });
  }
}

/**
 * Validates a block's transactions in order, as Fabric's committer does: each against the state
 * and the writes of the block's earlier valid transactions. Used to commit a block and to verify
 * a stored one.
 */
export function validateBlock(state: WorldState, block: number, txs: readonly Pick<TxRecord, 'txId' | 'millis' | 'reads' | 'ranges' | 'writes'>[]): CommittedTx[] {
  const overlay = new Map<string, Version | null>();
  return txs.map((t, index) => {
    const code = validate(state, overlay, t.reads, t.ranges);
    if (code === 'VALID') for (const [key, value] of t.writes) overlay.set(key, value === null ? null : { block, tx: index });
    return { txId: t.txId, index, code, millis: t.millis, writes: t.writes };
  });
}

/** Applies a validated block's valid writes to the state, at their versions. */
export function applyBlock(state: WorldState, block: number, committed: readonly CommittedTx[]): void {
  for (const c of committed) if (c.code === 'VALID') state.apply(c.writes, { block, tx: c.index }, c.txId, c.millis);
}

/**
 * Fabric's MVCC check of one transaction: every key it read must still be at the version it saw
 * (taking the block's earlier valid transactions into account), and every range it read must
 * still return the same keys at the same versions.
 */
function validate(state: WorldState, overlay: ReadonlyMap<string, Version | null>, reads: readonly Read[], ranges: readonly RangeRead[]): ValidationCode {
  const current = (key: string): Version | undefined => {
    const o = overlay.get(key);
    if (o !== undefined) return o ?? undefined;
    return state.get(key)?.version;
  };
  for (const [key, version] of reads) if (!sameVersion(current(key), version ?? undefined)) return 'MVCC_READ_CONFLICT';
  for (const range of ranges) {
    const inRange = inRangeOf(range);
    const keys = new Set(state.scan(range.start, inRange).map(([k]) => k));
    for (const k of overlay.keys()) if (k >= range.start && inRange(k)) keys.add(k);
    const now = [...keys].sort().filter((k) => current(k) !== undefined);
    if (now.length !== range.rows.length) return 'PHANTOM_READ_CONFLICT';
    for (let i = 0; i < now.length; i++) {
      const [key, version] = range.rows[i] ?? ['', null];
      if (now[i] !== key || !sameVersion(current(key), version ?? undefined)) return 'PHANTOM_READ_CONFLICT';
    }
  }
  return 'VALID';
}

/**
 * Simulates one proposal of `role` on `state` through the contract's dispatch: the answer, or a
 * 'refused' LedgerError carrying the contract's domain code; the read/write set as a TxRecord.
 */
export async function simulateProposal(host: ContractHost, state: WorldState, genesis: GenesisConfig, role: string, args: readonly string[], millis: number,
  options: { readonly txId?: string; readonly transient?: Readonly<Record<string, string>> } = {}): Promise<{ record: TxRecord; result: string }> {
  const identity = genesis.roles[role];
  if (identity === undefined) throw new LedgerError('refused', `the embedded ledger holds no ${role} identity`, 'ACCESS_DENIED');
  const txId = options.txId ?? randomBytes(32).toString('hex');
  const transient = options.transient;
  const stub = new TxStub(state, { txId, channel: genesis.channel, millis, creator: { mspid: identity.mspId, certificatePem: identity.certificatePem }, args, ...(transient === undefined ? {} : { transient }) });
  const answer = await host.invoke(stub);
  if (answer.status !== 200) throw new LedgerError('refused', `chaincode response ${String(answer.status)}, ${answer.message}`, domainCodeOf(answer.message));
  const { reads, ranges, writes, event }: RwSet = stub.rwset;
  return { record: { txId, millis, mspId: identity.mspId, role, args, reads, ranges, writes, ...(event === undefined ? {} : { event }), ...(transient === undefined ? {} : { transient }) }, result: answer.payload.toString('utf8') };
}
