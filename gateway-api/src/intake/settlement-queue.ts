import { createHash, randomInt } from 'node:crypto';
import type { Notification, Pool, PoolClient } from 'pg';
import { ApiError } from '../errors';
import { ident, inTransaction } from '../pg';

/** How big a group of batches one transaction settles. */
export interface GroupLimits {
  /** Most batches in one group (the contract takes at most 64). */
  readonly maxBatches: number;
  /** Most records in one group; a single larger batch still goes alone. */
  readonly maxRecords: number;
}

/** One claimed batch, with what the worker needs to submit it. */
export interface ClaimedBatch {
  readonly receipt: string;
  readonly terminalId: string;
  readonly batchSeq: number;
  readonly jws: string;
  readonly attempts: number;
}

/** Batches claimed together: settled by one SubmitBatches transaction, in this order. */
export interface ClaimedGroup {
  readonly batches: readonly ClaimedBatch[];
  /** Every payer account the group charges, held by this worker until the group is finished. */
  readonly payers: readonly string[];
}

/** How one batch of a group ended. */
export type BatchEnd =
  | { readonly kind: 'settled'; readonly txId: string; readonly blockNumber: string; readonly result: unknown }
  | { readonly kind: 'refused'; readonly code: string; readonly message: string }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly message: string };

/** How long a write to one account waits for the settlements holding it before it answers 409. */
export const ACCOUNT_WAIT_MS = 20_000;

/** A stable 31-bit number naming this intake schema's advisory locks (first key of the two-key form). */
function namespaceOf(schema: string): number {
  return createHash('sha256').update(`dol-intake:${schema}`).digest().readUInt32BE(0) & 0x7fffffff;
}

/**
 * The settlement queue every gateway process of one organisation shares, in the intake database
 * (docs/gateway.md, "Scaling out"). It decides which batches settle together and makes sure that
 * no two transactions in flight, from any process, charge the same student:
 *
 * - each process registers as a worker by holding a session advisory lock
 *   `pg_advisory_lock(namespace, worker)` on a connection of its own, so a worker is alive exactly
 *   while PostgreSQL holds its lock: a killed process loses it with its connection, at once;
 * - a worker claims a *group* under a transaction-level lock `(namespace, 0)`: the oldest batches
 *   that head their terminal's queue, none of whose payers another live claim holds; it records
 *   each payer in `account_claims` and the batches as claimed by it, atomically;
 * - when the group's transaction has committed (or failed) the worker records each batch's end,
 *   drops its claims and NOTIFYs the others; claims of a dead worker are dropped by the next
 *   claim, and its batches, still pending, are claimed again (the ledger deduplicates);
 * - a staff write to an account (top-up, credit line, clearance) takes a claim of its own and
 *   waits, in arrival order, until no group and no earlier write holds the account.
 */
export class SettlementQueue {
  private readonly batches: string;
  private readonly claims: string;
  private readonly ns: number;
  /** First key of this schema's advisory locks. */
  get namespace(): number {
    return this.ns;
  }
  private readonly channel: string;
  private session: PoolClient | undefined;
  private starting: Promise<void> | undefined;
  private waiters = new Set<() => void>();
  /** This process's worker number (its advisory lock), once started. */
  worker = 0;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly limits: GroupLimits = { maxBatches: 32, maxRecords: 4000 },
  ) {
    this.batches = `${ident(schema)}.intake_batches`;
    this.claims = `${ident(schema)}.account_claims`;
    this.ns = namespaceOf(schema);
    this.channel = `dol_queue_${this.ns.toString(16)}`;
  }

  /** Creates the claims table if missing (idempotent; the intake store's migration calls it, in its transaction). */
  async migrate(c: PoolClient): Promise<void> {
    await c.query(`
      CREATE TABLE IF NOT EXISTS ${this.claims} (
        id bigserial PRIMARY KEY,
        account text NOT NULL,
        worker bigint NOT NULL,
        kind text NOT NULL CHECK (kind IN ('group', 'write')),
        claimed_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await c.query(`CREATE INDEX IF NOT EXISTS account_claims_account ON ${this.claims} (account)`);
    await c.query(`CREATE INDEX IF NOT EXISTS account_claims_worker ON ${this.claims} (worker)`);
  }

  /** Registers this process as a live worker and listens for the others' news (once; every use starts it). */
  start(): Promise<void> {
    this.starting ??= this.register();
    return this.starting;
  }

  private async register(): Promise<void> {
    const session = await this.pool.connect();
    for (;;) {
      const worker = randomInt(1, 0x7fffffff);
      const { rows } = await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [this.ns, worker]);
      if (rows[0]?.ok === true) {
        this.worker = worker;
        break;
      }
    }
    session.on('notification', (n: Notification) => {
      if (n.channel === this.channel) this.wakeAll();
    });
    await session.query(`LISTEN "${this.channel}"`);
    this.session = session;
  }

  /** Stops listening and gives up the worker's lock (its claims die with it). */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const session = this.session;
    this.session = undefined;
    this.starting = undefined;
    this.wakeAll();
    if (session === undefined) return;
    try {
      await session.query(`UNLISTEN "${this.channel}"`);
      await session.query('SELECT pg_advisory_unlock_all()');
    } finally {
      session.release();
    }
  }

  /** Resolves at the next news from any worker (a group finished, a write done), or after `ms`. */
  waitForNews(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  /** Wakes this process's waiters. */
  wakeAll(): void {
    for (const w of [...this.waiters]) w();
  }

  /**
   * Tells every worker of the organisation that a batch is waiting (this process's at once, the
   * others by NOTIFY), so that idle workers wait for news instead of polling the queue.
   */
  announce(): void {
    this.wakeAll();
    this.notify(this.pool).catch(() => undefined); // a lost notice costs one idle poll, nothing else
  }

  /** News for every worker of the organisation (delivered when `q`'s transaction commits). */
  private async notify(q: Pool | PoolClient): Promise<void> {
    await q.query(`NOTIFY "${this.channel}"`);
  }

  private async liveWorkers(client: PoolClient | Pool): Promise<string[]> {
    const { rows } = await client.query<{ worker: string }>(`
      SELECT l.objid::bigint::text AS worker FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid::bigint = $1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`, [this.ns]);
    return rows.map((r) => r.worker);
  }

  private async started(): Promise<number> {
    await this.start();
    return this.worker;
  }

  /**
   * Claims the next group: the oldest batches that head their terminal's queue and charge no
   * student another live claim holds. Undefined when nothing can start now.
   */
  async claimGroup(): Promise<ClaimedGroup | undefined> {
    const worker = await this.started();
    return inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, 0)', [this.ns]);
      const live = await this.liveWorkers(client);
      await client.query(`DELETE FROM ${this.claims} WHERE NOT (worker::text = ANY($1::text[]))`, [live]);
      await client.query(`UPDATE ${this.batches} SET claimed_by = NULL WHERE status = 'pending' AND claimed_by IS NOT NULL AND NOT (claimed_by::text = ANY($1::text[]))`, [live]);
      const { rows: heads } = await client.query<{ receipt: string; record_count: number; payers: string[] }>(`
        SELECT b.receipt, b.record_count, b.payers FROM ${this.batches} b
        WHERE b.status = 'pending' AND b.claimed_by IS NULL AND b.next_attempt_at <= clock_timestamp()
          AND NOT EXISTS (SELECT 1 FROM ${this.batches} e WHERE e.terminal_id = b.terminal_id AND e.status = 'pending'
                          AND (e.batch_seq, e.received_at, e.receipt) < (b.batch_seq, b.received_at, b.receipt))
        ORDER BY b.received_at, b.receipt LIMIT $1`, [this.limits.maxBatches * 8]);
      if (heads.length === 0) return undefined;
      const wanted = [...new Set(heads.flatMap((h) => h.payers))];
      const { rows: busyRows } = await client.query<{ account: string }>(`SELECT DISTINCT account FROM ${this.claims} WHERE account = ANY($1::text[])`, [wanted]);
      const busy = new Set(busyRows.map((r) => r.account));
      const chosen: string[] = [];
      const payers = new Set<string>();
      let records = 0;
      for (const h of heads) {
        if (chosen.length >= this.limits.maxBatches) break;
        if (chosen.length > 0 && records + h.record_count > this.limits.maxRecords) continue;
        if (h.payers.some((p) => busy.has(p))) continue;
        chosen.push(h.receipt);
        records += h.record_count;
        for (const p of h.payers) payers.add(p);
      }
      if (chosen.length === 0) return undefined;
      const payerList = [...payers].sort();
      await client.query(`INSERT INTO ${this.claims} (account, worker, kind) SELECT a, $2, 'group' FROM unnest($1::text[]) AS a`, [payerList, worker]);
      const { rows } = await client.query<{ receipt: string; terminal_id: string; batch_seq: string; jws: string; attempts: number }>(
        `UPDATE ${this.batches} SET claimed_by = $2 WHERE receipt = ANY($1::text[]) RETURNING receipt, terminal_id, batch_seq::text, jws, attempts`, [chosen, worker]);
      const byReceipt = new Map(rows.map((r) => [r.receipt, r]));
      const batches = chosen.flatMap((receipt) => {
        const r = byReceipt.get(receipt);
        return r === undefined ? [] : [{ receipt, terminalId: r.terminal_id, batchSeq: Number(r.batch_seq), jws: r.jws, attempts: r.attempts }];
      });
      return { batches, payers: payerList };
    });
  }

  /** Records how each batch of a group ended, drops the group's claims and tells the other workers. */
  async finish(group: ClaimedGroup, ends: ReadonlyMap<string, BatchEnd>): Promise<void> {
    const worker = await this.started();
    await inTransaction(this.pool, async (client) => {
      for (const b of group.batches) {
        const end = ends.get(b.receipt) ?? { kind: 'retry', delayMs: 1000, message: 'no answer for this batch' };
        switch (end.kind) {
          case 'settled':
            await client.query(
              `UPDATE ${this.batches} SET status = 'settled', attempts = attempts + 1, tx_id = $2, block_number = $3, result = $4, error_code = NULL, last_error = NULL, claimed_by = NULL, updated_at = clock_timestamp() WHERE receipt = $1`,
              [b.receipt, end.txId, end.blockNumber, JSON.stringify(end.result)]);
            break;
          case 'refused':
            await client.query(
              `UPDATE ${this.batches} SET status = 'refused', attempts = attempts + 1, error_code = $2, last_error = $3, claimed_by = NULL, updated_at = clock_timestamp() WHERE receipt = $1`,
              [b.receipt, end.code, end.message.slice(0, 2000)]);
            break;
          case 'retry':
            await client.query(
              `UPDATE ${this.batches} SET attempts = attempts + 1, last_error = $2, claimed_by = NULL, next_attempt_at = clock_timestamp() + ($3::text || ' milliseconds')::interval, updated_at = clock_timestamp() WHERE receipt = $1`,
              [b.receipt, end.message.slice(0, 2000), String(Math.max(0, Math.round(end.delayMs)))]);
            break;
          default:
            throw new Error('unknown batch end');
        }
      }
      await client.query(`DELETE FROM ${this.claims} WHERE worker = $1 AND kind = 'group' AND account = ANY($2::text[])`, [worker, group.payers]);
      await this.notify(client);
    });
  }

  /**
   * Runs a staff write to one account while this write alone holds it: it waits, in arrival
   * order, for groups in flight and earlier writes to the account (from any gateway process of
   * the organisation), and answers 409 CONTENTION with a Retry-After when that takes longer
   * than `waitMs`. Nothing is written then.
   */
  withAccount<T>(account: string, work: () => Promise<T>, waitMs = ACCOUNT_WAIT_MS): Promise<T> {
    return this.withAccounts([account], work, waitMs);
  }

  /** As withAccount, for a write to several accounts at once (a bulk top-up): all of them or none. */
  async withAccounts<T>(accounts: readonly string[], work: () => Promise<T>, waitMs = ACCOUNT_WAIT_MS): Promise<T> {
    const worker = await this.started();
    const list = [...new Set(accounts)].sort();
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO ${this.claims} (account, worker, kind) SELECT a, $2, 'write' FROM unnest($1::text[]) AS a RETURNING id::text`, [list, worker]);
    const ids = rows.map((r) => r.id);
    const first = ids.reduce((m, id) => (BigInt(id) < BigInt(m) ? id : m), ids[0] ?? '0');
    try {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const live = await this.liveWorkers(this.pool);
        // Ahead of this write: any group, and any write that arrived before it, on one of its accounts.
        const { rows: ahead } = await this.pool.query(
          `SELECT 1 FROM ${this.claims} WHERE account = ANY($1::text[]) AND worker::text = ANY($3::text[])
             AND NOT (id = ANY($4::bigint[])) AND (kind = 'group' OR (kind = 'write' AND id < $2::bigint)) LIMIT 1`,
          [list, first, live, ids]);
        if (ahead.length === 0) break;
        const left = deadline - Date.now();
        if (left <= 0) throw new ApiError('CONTENTION', `${list.length === 1 ? `account ${list[0] ?? ''} is` : 'accounts of this write are'} being written by settlements or earlier writes; nothing was written, retry in a moment`, 1);
        await this.waitForNews(Math.min(left, 200));
      }
      return await work();
    } finally {
      await this.pool.query(`DELETE FROM ${this.claims} WHERE id = ANY($1::bigint[])`, [ids]);
      await this.notify(this.pool);
    }
  }
}
