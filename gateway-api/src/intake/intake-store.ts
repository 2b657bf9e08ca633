import { createHash, randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { CALLER_ROLES, type Credential } from '../credential';
import { ident, inTransaction } from '../pg';
import { StaffCredentials } from './staff-credentials';
import { StudentCredentials } from './student-credentials';
import { EdgeContacts } from './edge-contacts';
import { SettlementQueue, type GroupLimits } from './settlement-queue';

/** Life of an uploaded batch in the gateway: stored, then settled on the ledger or refused by it. */
export type IntakeStatus = 'pending' | 'settled' | 'refused';

/** A stored batch, as the status endpoint shows it. */
export interface IntakeRow {
  readonly receipt: string;
  readonly terminalId: string;
  readonly batchSeq: number;
  readonly recordCount: number;
  readonly receivedAt: string;
  readonly status: IntakeStatus;
  readonly attempts: number;
  readonly errorCode: string | null;
  readonly lastError: string | null;
  readonly txId: string | null;
  readonly blockNumber: string | null;
  readonly result: unknown;
}

/**
 * Durable intake in PostgreSQL. A batch is acknowledged only after its INSERT has committed
 * (synchronous commit), so an acknowledged batch survives a crash of the gateway; the receipt is
 * the batch digest, so posting the same batch again returns the same receipt.
 */
export class IntakeStore {
  private readonly t: string;
  private readonly keys: string;
  private readonly creds: string;

  /** The shared settlement queue over these batches (every gateway process of the organisation). */
  readonly queue: SettlementQueue;
  /** Staff credentials an administrator issued (the file's are the configuration's). */
  readonly staff: StaffCredentials;
  /** Students' activation codes and sign-ins (docs/wallet.md). */
  readonly students: StudentCredentials;
  /** When each site edge last reached the centre (docs/edge.md). */
  readonly edges: EdgeContacts;

  constructor(
    private readonly pool: Pool,
    readonly schema = 'public',
    limits?: GroupLimits,
  ) {
    this.queue = new SettlementQueue(pool, schema, limits);
    this.staff = new StaffCredentials(pool, schema);
    this.students = new StudentCredentials(pool, schema);
    this.edges = new EdgeContacts(pool, schema);
    this.t = `${ident(schema)}.intake_batches`;
    this.keys = `${ident(schema)}.terminal_keys`;
    this.creds = `${ident(schema)}.terminal_credentials`;
  }

  /**
   * Creates the tables if missing (idempotent). Several gateway processes may start at once over
   * one schema: the whole migration runs in one transaction under an advisory lock, so they take
   * turns instead of racing on CREATE ... IF NOT EXISTS.
   */
  async migrate(): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, -1)', [this.queue.namespace]);
      await this.createTables(c);
    });
  }

  private async createTables(c: PoolClient): Promise<void> {
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${ident(this.schema)}`);
    await c.query(`
      CREATE TABLE IF NOT EXISTS ${this.t} (
        receipt text PRIMARY KEY,
        terminal_id text NOT NULL,
        batch_seq bigint NOT NULL,
        jws text NOT NULL,
        record_count integer NOT NULL,
        received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'settled', 'refused')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        error_code text,
        last_error text,
        tx_id text,
        block_number text,
        result jsonb,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    // The worker that has the batch in flight. A schema of an earlier version also has `payers`
    // (the accounts a batch charged, for the payer claims): no longer written, left with its
    // default so that the table stays compatible both ways.
    await c.query(`ALTER TABLE ${this.t} ADD COLUMN IF NOT EXISTS claimed_by bigint`);
    await this.queue.migrate(c);
    await this.staff.migrate(c);
    await this.students.migrate(c);
    await this.edges.migrate(c);
    await c.query(`CREATE INDEX IF NOT EXISTS intake_pending ON ${this.t} (terminal_id, batch_seq, received_at) WHERE status = 'pending'`);
    await c.query(`
      CREATE TABLE IF NOT EXISTS ${this.keys} (
        terminal_id text PRIMARY KEY,
        public_key jsonb NOT NULL,
        status text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await c.query(`
      CREATE TABLE IF NOT EXISTS ${this.creds} (
        credential_id text PRIMARY KEY,
        terminal_id text NOT NULL,
        token_sha256 text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        revoked_at timestamptz
      )`);
  }

  /**
   * Issues a read credential for a terminal: a random bearer token, of which only the SHA-256 is
   * stored. The token is returned once, here; it works at once, and its subject is the terminal.
   */
  async issueTerminalCredential(terminalId: string): Promise<{ credentialId: string; terminalId: string; token: string; createdAt: string }> {
    const token = randomBytes(32).toString('base64url');
    const credentialId = `tc-${randomBytes(8).toString('hex')}`;
    const { rows } = await this.pool.query<{ created_at: Date }>(
      `INSERT INTO ${this.creds} (credential_id, terminal_id, token_sha256) VALUES ($1, $2, $3) RETURNING created_at`,
      [credentialId, terminalId, createHash('sha256').update(token).digest('hex')]);
    return { credentialId, terminalId, token, createdAt: (rows[0]?.created_at ?? new Date()).toISOString() };
  }

  /** A terminal's credentials, without their tokens. */
  async terminalCredentials(terminalId: string): Promise<{ credentialId: string; createdAt: string; revokedAt: string | null }[]> {
    const { rows } = await this.pool.query<{ credential_id: string; created_at: Date; revoked_at: Date | null }>(
      `SELECT credential_id, created_at, revoked_at FROM ${this.creds} WHERE terminal_id = $1 ORDER BY created_at, credential_id`, [terminalId]);
    return rows.map((r) => ({ credentialId: r.credential_id, createdAt: r.created_at.toISOString(), revokedAt: r.revoked_at?.toISOString() ?? null }));
  }

  /** Revokes a terminal credential at once; undefined when the terminal has no such credential. */
  async revokeTerminalCredential(terminalId: string, credentialId: string): Promise<{ revokedAt: string } | undefined> {
    const { rows } = await this.pool.query<{ revoked_at: Date }>(
      `UPDATE ${this.creds} SET revoked_at = coalesce(revoked_at, clock_timestamp()) WHERE terminal_id = $1 AND credential_id = $2 RETURNING revoked_at`,
      [terminalId, credentialId]);
    const at = rows[0]?.revoked_at;
    return at === undefined ? undefined : { revokedAt: at.toISOString() };
  }

  /**
   * The live credential with this token hash, whoever holds it (staff, a terminal, a student), in
   * one round trip: every authenticated request asks, so three look-ups one after another would
   * triple the database round trips of a morning refresh.
   */
  async credential(tokenSha256: string): Promise<Credential | undefined> {
    const { rows } = await this.pool.query<{ role: string; subject: string }>(`
      ${this.staff.liveByTokenSql}
      UNION ALL SELECT 'terminal'::text, terminal_id FROM ${this.creds} WHERE token_sha256 = $1 AND revoked_at IS NULL
      UNION ALL ${this.students.liveByTokenSql}
      LIMIT 1`, [tokenSha256]);
    const row = rows[0];
    const role = CALLER_ROLES.find((r) => r === row?.role);
    return row === undefined || role === undefined ? undefined : { tokenSha256, role, subject: row.subject };
  }


  /** Gives up this process's place in the settlement queue (before the pool ends). */
  async close(): Promise<void> {
    await this.queue.stop();
  }

  /** Stores a batch once; returns its row and whether this call stored it. */
  async accept(batch: { receipt: string; terminalId: string; batchSeq: number; jws: string; recordCount: number }): Promise<{ row: IntakeRow; created: boolean }> {
    // One round trip when the batch is new (the common case); a second only for a repeat upload.
    const inserted = await this.pool.query<Record<string, unknown>>(
      `INSERT INTO ${this.t} (receipt, terminal_id, batch_seq, jws, record_count) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (receipt) DO NOTHING RETURNING *`,
      [batch.receipt, batch.terminalId, batch.batchSeq, batch.jws, batch.recordCount],
    );
    const fresh = inserted.rows[0];
    if (fresh !== undefined) return { row: toRow(fresh), created: true };
    const row = await this.get(batch.receipt);
    if (row === undefined) throw new Error(`batch ${batch.receipt} vanished after insert`);
    return { row, created: false };
  }

  async get(receipt: string): Promise<IntakeRow | undefined> {
    const r = await this.pool.query<Record<string, unknown>>(`SELECT * FROM ${this.t} WHERE receipt = $1`, [receipt]);
    const row = r.rows[0];
    return row === undefined ? undefined : toRow(row);
  }

  /** The stored batch with this receipt if it was accepted as exactly these bytes. */
  async getSame(receipt: string, jws: string): Promise<IntakeRow | undefined> {
    const r = await this.pool.query<Record<string, unknown>>(`SELECT * FROM ${this.t} WHERE receipt = $1 AND jws = $2`, [receipt, jws]);
    const row = r.rows[0];
    return row === undefined ? undefined : toRow(row);
  }

  /** Batches waiting for the ledger (the metric `intake depth`). */
  async depth(): Promise<number> {
    const r = await this.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${this.t} WHERE status = 'pending'`);
    return Number(r.rows[0]?.n ?? 0);
  }

  /** Caches a terminal's key so intake can check signatures while the ledger is unreachable. */
  async putTerminalKey(terminalId: string, publicKey: unknown, status: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.keys} (terminal_id, public_key, status) VALUES ($1, $2, $3)
       ON CONFLICT (terminal_id) DO UPDATE SET public_key = EXCLUDED.public_key, status = EXCLUDED.status, updated_at = clock_timestamp()`,
      [terminalId, JSON.stringify(publicKey), status],
    );
  }

  async terminalKey(terminalId: string): Promise<{ publicKey: unknown; status: string } | undefined> {
    const r = await this.pool.query<{ public_key: unknown; status: string }>(`SELECT public_key, status FROM ${this.keys} WHERE terminal_id = $1`, [terminalId]);
    const row = r.rows[0];
    return row === undefined ? undefined : { publicKey: row.public_key, status: row.status };
  }
}

function toRow(r: Record<string, unknown>): IntakeRow {
  const str = (k: string): string | null => (typeof r[k] === 'string' ? r[k] : null);
  const status = r.status;
  if (status !== 'pending' && status !== 'settled' && status !== 'refused') throw new Error(`bad status ${String(status)}`);
  return {
    receipt: String(r.receipt), terminalId: String(r.terminal_id), batchSeq: Number(r.batch_seq), recordCount: Number(r.record_count),
    receivedAt: r.received_at instanceof Date ? r.received_at.toISOString() : String(r.received_at), status, attempts: Number(r.attempts),
    errorCode: str('error_code'), lastError: str('last_error'), txId: str('tx_id'), blockNumber: str('block_number'), result: r.result ?? null,
  };
}
