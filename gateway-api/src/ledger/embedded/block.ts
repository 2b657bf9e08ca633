import { canonicalJson, sha256Hex } from '@dol/chaincode';
import { z } from 'zod';
import type { RangeRead, Read, Version, Write } from '@dol/chaincode/embedded';

/** Fabric's validation codes that the embedded ledger assigns. */
export type ValidationCode = 'VALID' | 'MVCC_READ_CONFLICT' | 'PHANTOM_READ_CONFLICT';

/** A transaction as its block keeps it: who, what, when, and the read/write set it was endorsed with. */
export interface TxRecord {
  readonly txId: string;
  readonly millis: number;
  readonly mspId: string;
  readonly role: string;
  readonly args: readonly string[];
  readonly reads: readonly Read[];
  readonly ranges: readonly RangeRead[];
  readonly writes: readonly Write[];
  readonly event?: { readonly name: string; readonly payload: string };
  /** The proposal's transient map (the actor of a staff write), kept so that verification can run the transaction again. */
  readonly transient?: Readonly<Record<string, string>>;
}

/**
 * A block of the embedded ledger. `data` is the canonical JSON (RFC 8785) of what it holds, hashed
 * as stored; the header hash covers number, previous hash and data hash, so each block seals every
 * block before it. Validation codes are block metadata, outside the hash, as in Fabric; a verifier
 * recomputes them from the read sets.
 */
export interface Block {
  readonly number: number;
  readonly previousHash: string;
  readonly dataHash: string;
  /**
   * The commitment to the state this block leaves: SHA-256 over the previous block's commitment and
   * this block's valid writes (commitHashOf), as a Fabric peer keeps a commit hash. Covered by the
   * header hash, so a state that does not match its chain is found when the ledger opens. Absent
   * on blocks written before the ledger kept it (their commitments are recomputed, not compared).
   */
  readonly commitHash?: string;
  readonly hash: string;
  readonly data: string;
  readonly codes: readonly ValidationCode[];
}

/** One valid write of a block, as the commitment covers it: the transaction's index, the key, the value (null: deleted). */
export type CommittedWrite = readonly [tx: number, key: string, value: Uint8Array | null];

/** What block 0 holds: the channel, and the organisations' roots and role certificates. */
export interface GenesisConfig {
  readonly ledger: 'embedded';
  readonly channel: string;
  readonly chaincode: string;
  readonly roots: Readonly<Record<string, string>>;
  readonly roles: Readonly<Record<string, { readonly mspId: string; readonly certificatePem: string }>>;
}

export const ZERO_HASH = '0'.repeat(64);

/** The data hash of a block: SHA-256 of its data as stored. */
export const dataHashOf = (data: string): string => sha256Hex(data);

/** The header hash of a block: SHA-256 of the canonical JSON of number, previous hash, data hash and (where kept) commit hash. */
export function headerHash(number: number, previousHash: string, dataHash: string, commitHash?: string): string {
  return sha256Hex(canonicalJson(commitHash === undefined ? { number, previousHash, dataHash } : { number, previousHash, dataHash, commitHash }));
}

/**
 * The commitment of block `number` to the state it leaves: SHA-256 of the canonical JSON of the
 * previous block's commitment and the block's valid writes, ordered by transaction, then key.
 */
export function commitHashOf(previous: string, number: number, writes: readonly CommittedWrite[]): string {
  const sorted = [...writes].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return sha256Hex(canonicalJson({ previous, block: number, writes: sorted.map(([tx, key, value]) => [tx, key, value === null ? null : Buffer.from(value).toString('base64')]) }));
}

/** Seals data as the block after `previous` (or as block 0), committing to the state it leaves. */
export function sealBlock(previous: Pick<Block, 'number' | 'hash'> | undefined, data: string, codes: readonly ValidationCode[], commitHash: string): Block {
  const number = previous === undefined ? 0 : previous.number + 1;
  const previousHash = previous?.hash ?? ZERO_HASH;
  const dataHash = dataHashOf(data);
  return { number, previousHash, dataHash, commitHash, hash: headerHash(number, previousHash, dataHash, commitHash), data, codes };
}

const versionJson = (v: Version | null): [number, number] | null => (v === null ? null : [v.block, v.tx]);
const readsJson = (reads: readonly Read[]): unknown[] => reads.map(([k, v]) => [k, versionJson(v)]);

/** A block's data for transactions. */
export function txData(txs: readonly TxRecord[]): string {
  return canonicalJson({
    txs: txs.map((t) => ({
      txId: t.txId, millis: t.millis, mspId: t.mspId, role: t.role, args: [...t.args],
      reads: readsJson(t.reads),
      ranges: t.ranges.map((r) => ({ start: r.start, end: r.end, prefix: r.prefix, rows: readsJson(r.rows) })),
      writes: t.writes.map(([k, v]) => [k, v === null ? null : Buffer.from(v).toString('base64')]),
      ...(t.event === undefined ? {} : { event: { name: t.event.name, payload: t.event.payload } }),
      ...(t.transient === undefined || Object.keys(t.transient).length === 0 ? {} : { transient: { ...t.transient } }),
    })),
  });
}

/** Block 0's data. */
export const genesisData = (config: GenesisConfig): string => canonicalJson({ config });

const VersionJson = z.tuple([z.number().int().min(0), z.number().int().min(0)]).nullable().transform((v): Version | null => (v === null ? null : { block: v[0], tx: v[1] }));
const ReadsJson = z.array(z.tuple([z.string(), VersionJson]));
const TxDataJson = z.object({
  txs: z.array(z.object({
    txId: z.string(), millis: z.number().int(), mspId: z.string(), role: z.string(), args: z.array(z.string()),
    reads: ReadsJson,
    ranges: z.array(z.object({ start: z.string(), end: z.string(), prefix: z.boolean(), rows: ReadsJson })),
    writes: z.array(z.tuple([z.string(), z.string().nullable()]).transform(([k, v]): Write => [k, v === null ? null : Uint8Array.from(Buffer.from(v, 'base64'))])),
    event: z.object({ name: z.string(), payload: z.string() }).optional(),
    transient: z.record(z.string(), z.string()).optional(),
  })),
});
const GenesisJson = z.object({
  config: z.object({
    ledger: z.literal('embedded'), channel: z.string(), chaincode: z.string(), roots: z.record(z.string(), z.string()),
    roles: z.record(z.string(), z.object({ mspId: z.string(), certificatePem: z.string() })),
  }),
});

/** The transactions of a block read back from the store. */
export function parseTxData(data: string): TxRecord[] {
  return TxDataJson.parse(JSON.parse(data)).txs.map(({ event, transient, ...t }) => ({ ...t, ...(event === undefined ? {} : { event }), ...(transient === undefined ? {} : { transient }) }));
}

/** Block 0's configuration read back from the store. */
export const parseGenesis = (data: string): GenesisConfig => GenesisJson.parse(JSON.parse(data)).config;
