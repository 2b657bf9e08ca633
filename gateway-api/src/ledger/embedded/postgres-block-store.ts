import type { Pool } from 'pg';
import { ident, inTransaction } from '../../pg';
import type { Block, ValidationCode } from './block';
import { netWrites, type BlockStore, type CommittedTx, type OpenedStore, type TxPlace } from './block-store';
import type { Modification, StateEntry, WorldState } from '@dol/chaincode/embedded';
import { checkIntegrity, type StoredHeader, type StoredWrite } from './integrity';

const CODES: readonly ValidationCode[] = ['VALID', 'MVCC_READ_CONFLICT', 'PHANTOM_READ_CONFLICT'];
const codeOf = (text: string): ValidationCode => {
  const code = CODES.find((c) => c === text);
  if (code === undefined) throw new Error(`stored validation code ${text} is not one the embedded ledger assigns`);
  return code;
};
const keyText = (b: Buffer): string => b.toString('utf8');
const keyBytes = (k: string): Buffer => Buffer.from(k, 'utf8');

/**
 * Many byte strings as one binary parameter and their 1-based offsets and lengths: node-postgres
 * sends a Buffer as binary, but an array of Buffers as a text array of hex escapes, twice the bytes
 * and a parse on each side; a block of 500 certificates writes about a megabyte.
 */
function packed(parts: readonly Uint8Array[]): { blob: Buffer; offsets: number[]; lengths: number[] } {
  const offsets: number[] = [];
  const lengths: number[] = [];
  let at = 1;
  for (const p of parts) {
    offsets.push(at);
    lengths.push(p.length);
    at += p.length;
  }
  return { blob: Buffer.concat(parts), offsets, lengths };
}

/**
 * The embedded ledger's durable store, in PostgreSQL (the gateway's intake database, its own
 * schema). A block, its state changes, history rows and transaction index are one SQL
 * transaction: a crash at any point leaves the chain at the last whole block. Keys are bytea
 * because composite keys hold U+0000, which PostgreSQL text cannot.
 */
export class PostgresBlockStore implements BlockStore {
  readonly description: string;
  /** The schema, checked and quoted for SQL. */
  private readonly s: string;

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.s = ident(schema);
    this.description = `PostgreSQL schema ${schema}`;
  }

  async open(state: WorldState): Promise<OpenedStore> {
    await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${this.s};
      CREATE TABLE IF NOT EXISTS ${this.s}.blocks (number bigint PRIMARY KEY, previous_hash text NOT NULL, data_hash text NOT NULL, hash text NOT NULL, data text NOT NULL, codes text[] NOT NULL);
      CREATE TABLE IF NOT EXISTS ${this.s}.state (key bytea PRIMARY KEY, value bytea NOT NULL, block bigint NOT NULL, tx int NOT NULL);
      CREATE TABLE IF NOT EXISTS ${this.s}.history (key bytea NOT NULL, block bigint NOT NULL, tx int NOT NULL, tx_id text NOT NULL, millis bigint NOT NULL, value bytea NOT NULL, is_delete boolean NOT NULL, PRIMARY KEY (key, block, tx));
      CREATE TABLE IF NOT EXISTS ${this.s}.txs (tx_id text PRIMARY KEY, block bigint NOT NULL, idx int NOT NULL, code text NOT NULL);
      ALTER TABLE ${this.s}.blocks ADD COLUMN IF NOT EXISTS commit_hash text;`);
    const headers = (await this.pool.query<{ number: string; previous_hash: string; data_hash: string; commit_hash: string | null; hash: string }>(
      `SELECT number, previous_hash, data_hash, commit_hash, hash FROM ${this.s}.blocks ORDER BY number`)).rows
      .map((r): StoredHeader => ({ number: Number(r.number), previousHash: r.previous_hash, dataHash: r.data_hash, hash: r.hash, ...(r.commit_hash === null ? {} : { commitHash: r.commit_hash }) }));
    const genesis = (await this.pool.query<{ data: string }>(`SELECT data FROM ${this.s}.blocks WHERE number = 0`)).rows[0]?.data;
    for await (const [key, entry] of this.storedState()) state.load(key, entry);
    const history = await this.pool.query<{ key: Buffer; block: string; tx: number; tx_id: string; millis: string; value: Buffer; is_delete: boolean }>(
      `SELECT key, block, tx, tx_id, millis, value, is_delete FROM ${this.s}.history ORDER BY key, block, tx`);
    const { commit, problems } = checkIntegrity(headers, history.rows.map((r) => ({ key: keyText(r.key), block: Number(r.block), tx: r.tx, value: r.value, isDelete: r.is_delete })), state);
    let current: { key: string; mods: Modification[] } | undefined;
    for (const row of history.rows) {
      const key = keyText(row.key);
      if (current?.key !== key) {
        if (current !== undefined) state.loadHistory(current.key, current.mods);
        current = { key, mods: [] };
      }
      current.mods.push({ txId: row.tx_id, millis: Number(row.millis), value: Uint8Array.from(row.value), isDelete: row.is_delete });
    }
    if (current !== undefined) state.loadHistory(current.key, current.mods);
    return { hashes: headers.map((h) => h.hash), genesis, txs: await this.storedTxs(), commit, problems };
  }

  async append(block: Block, txs: readonly CommittedTx[]): Promise<void> {
    const net = netWrites(block.number, txs);
    const puts = [...net].filter(([, w]) => w.value !== null);
    const deletes = [...net].filter(([, w]) => w.value === null).map(([k]) => keyBytes(k));
    const history = txs.filter((t) => t.code === 'VALID').flatMap((t) => t.writes.map(([k, v]) => ({ k, v, t })));
    await inTransaction(this.pool, async (client) => {
      await client.query(`INSERT INTO ${this.s}.blocks (number, previous_hash, data_hash, commit_hash, hash, data, codes) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [block.number, block.previousHash, block.dataHash, block.commitHash ?? null, block.hash, block.data, block.codes]);
      if (puts.length > 0) {
        const keys = packed(puts.map(([k]) => keyBytes(k)));
        const values = packed(puts.map(([, w]) => w.value ?? new Uint8Array()));
        await client.query(`INSERT INTO ${this.s}.state (key, value, block, tx)
          SELECT substring($1::bytea FROM ko FOR kl), substring($2::bytea FROM vo FOR vl), b, t FROM unnest($3::int[], $4::int[], $5::int[], $6::int[], $7::bigint[], $8::int[]) AS u(ko, kl, vo, vl, b, t)
          ON CONFLICT (key) DO UPDATE SET value = excluded.value, block = excluded.block, tx = excluded.tx`,
        [keys.blob, values.blob, keys.offsets, keys.lengths, values.offsets, values.lengths, puts.map(([, w]) => w.version.block), puts.map(([, w]) => w.version.tx)]);
      }
      if (deletes.length > 0) await client.query(`DELETE FROM ${this.s}.state WHERE key = ANY($1::bytea[])`, [deletes]);
      if (history.length > 0) {
        const keys = packed(history.map((h) => keyBytes(h.k)));
        const values = packed(history.map((h) => h.v ?? new Uint8Array()));
        await client.query(`INSERT INTO ${this.s}.history (key, block, tx, tx_id, millis, value, is_delete)
          SELECT substring($1::bytea FROM ko FOR kl), $3::bigint, tx, tx_id, millis, substring($2::bytea FROM vo FOR vl), is_delete
          FROM unnest($4::int[], $5::int[], $6::int[], $7::text[], $8::bigint[], $9::int[], $10::int[], $11::boolean[]) AS u(ko, kl, tx, tx_id, millis, vo, vl, is_delete)`,
        [keys.blob, values.blob, block.number, keys.offsets, keys.lengths, history.map((h) => h.t.index), history.map((h) => h.t.txId), history.map((h) => h.t.millis),
          values.offsets, values.lengths, history.map((h) => h.v === null)]);
      }
      if (txs.length > 0) {
        await client.query(`INSERT INTO ${this.s}.txs (tx_id, block, idx, code) SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::text[])`,
          [txs.map((t) => t.txId), txs.map(() => block.number), txs.map((t) => t.index), txs.map((t) => t.code)]);
      }
    });
  }

  async *blocks(): AsyncIterable<Block> {
    const page = 200;
    for (let from = 0; ; from += page) {
      const rows = (await this.pool.query<{ number: string; previous_hash: string; data_hash: string; commit_hash: string | null; hash: string; data: string; codes: string[] }>(
        `SELECT number, previous_hash, data_hash, commit_hash, hash, data, codes FROM ${this.s}.blocks WHERE number >= $1 ORDER BY number LIMIT $2`, [from, page])).rows;
      for (const r of rows) {
        yield { number: Number(r.number), previousHash: r.previous_hash, dataHash: r.data_hash, ...(r.commit_hash === null ? {} : { commitHash: r.commit_hash }), hash: r.hash, data: r.data, codes: r.codes.map(codeOf) };
      }
      if (rows.length < page) return;
    }
  }

  async *storedState(): AsyncIterable<readonly [string, StateEntry]> {
    const rows = (await this.pool.query<{ key: Buffer; value: Buffer; block: string; tx: number }>(`SELECT key, value, block, tx FROM ${this.s}.state ORDER BY key`)).rows;
    for (const r of rows) yield [keyText(r.key), { value: Uint8Array.from(r.value), version: { block: Number(r.block), tx: r.tx } }] as const;
  }

  async *storedHistory(): AsyncIterable<StoredWrite> {
    const rows = (await this.pool.query<{ key: Buffer; block: string; tx: number; value: Buffer; is_delete: boolean }>(`SELECT key, block, tx, value, is_delete FROM ${this.s}.history ORDER BY block, tx, key`)).rows;
    for (const r of rows) yield { key: keyText(r.key), block: Number(r.block), tx: r.tx, value: Uint8Array.from(r.value), isDelete: r.is_delete };
  }

  async storedTxs(): Promise<Map<string, TxPlace>> {
    const rows = (await this.pool.query<{ tx_id: string; block: string; idx: number; code: string }>(`SELECT tx_id, block, idx, code FROM ${this.s}.txs`)).rows;
    return new Map(rows.map((r) => [r.tx_id, { block: Number(r.block), index: r.idx, code: codeOf(r.code) }]));
  }

  /** Drops the ledger's schema (tests; `npm stop -- --purge`). */
  async purge(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${this.s} CASCADE`);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
