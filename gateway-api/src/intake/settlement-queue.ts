import { createHash, randomInt } from 'node:crypto';
import type { Notification, Pool, PoolClient } from 'pg';
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
}

/** How one batch of a group ended. */
export type BatchEnd =
  | { readonly kind: 'settled'; readonly txId: string; readonly blockNumber: string; readonly result: unknown }
  | { readonly kind: 'refused'; readonly code: string; readonly message: string }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly message: string };

/** A stable 31-bit number naming this intake schema's advisory locks (first key of the two-key form). */
function namespaceOf(schema: string): number {
  return createHash('sha256').update(`dol-intake:${schema}`).digest().readUInt32BE(0) & 0x7fffffff;
}

/**
 * The second key of the organisation's fold lease (with the schema's namespace). Workers' numbers
 * are below it, so it is never a worker's lock.
 */
const FOLD_LEASE = 0x7fffffff;

/**
 * The settlement queue every gateway process of one organisation shares, in the intake database
 * (docs/gateway.md, "Scaling out"). It decides which batches settle together, in each terminal's
 * order; groups of any processes settle side by side, since settlement no longer writes the payers'
 * accounts (docs/settlement.md, "funding at the fold"):
 *
 * - each process registers as a worker by holding a session advisory lock
 *   `pg_advisory_lock(namespace, worker)` on a connection of its own, so a worker is alive exactly
 *   while PostgreSQL holds its lock: a killed process loses it with its connection, at once;
 * - a worker claims a *group* under a transaction-level lock `(namespace, 0)`: the oldest batches
 *   that head their terminal's queue, up to the group limits, marked as claimed by it;
 * - when the group's transaction has committed (or failed) the worker records each batch's end
 *   and NOTIFYs the others; batches of a dead worker, still pending, are claimed again by the next
 *   claim (the ledger deduplicates).
 */
export class SettlementQueue {
  private readonly batches: string;
  /** The payer claims table of earlier versions, dropped by the migration. */
  private readonly oldClaims: string;
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
  /** Whether this process holds the fold lease. */
  private leasing = false;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly limits: GroupLimits = { maxBatches: 32, maxRecords: 4000 },
  ) {
    this.batches = `${ident(schema)}.intake_batches`;
    this.oldClaims = `${ident(schema)}.account_claims`;
    this.ns = namespaceOf(schema);
    this.channel = `dol_queue_${this.ns.toString(16)}`;
  }

  /**
   * Drops the payer claims of earlier versions (`account_claims`, idempotent; the intake store's
   * migration calls it, in its transaction). A gateway of an earlier version still running on this
   * schema would fail its claims: upgrade an organisation's gateway processes together, as the
   * contract they call changed with it.
   */
  async migrate(c: PoolClient): Promise<void> {
    await c.query(`DROP TABLE IF EXISTS ${this.oldClaims}`);
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

  /** Stops listening and gives up the worker's lock (its claimed batches go back to the queue with it). */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const session = this.session;
    this.session = undefined;
    this.starting = undefined;
    this.leasing = false;
    this.wakeAll();
    if (session === undefined) return;
    try {
      await session.query(`UNLISTEN "${this.channel}"`);
      await session.query('SELECT pg_advisory_unlock_all()');
    } finally {
      session.release();
    }
  }

  /**
   * Whether this process holds the organisation's fold lease, taking it when it is free: one
   * gateway process folds at a time, so two processes' folds never race for one account (each race
   * invalidated a whole fold: in the two-gateway burst most folds were). Held on the worker's
   * session, as its worker lock is: a process that dies frees it at once, and the next asking takes it.
   */
  async foldLease(): Promise<boolean> {
    await this.start();
    const session = this.session;
    if (session === undefined) return false;
    if (this.leasing) return true;
    const { rows } = await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [this.ns, FOLD_LEASE]);
    this.leasing = rows[0]?.ok === true;
    return this.leasing;
  }

  /** Resolves at the next news from any worker (a batch waiting, a group finished), or after `ms`. */
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
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid::bigint = $1 AND l.objid::bigint <> ${String(FOLD_LEASE)}
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`, [this.ns]);
    return rows.map((r) => r.worker);
  }

  private async started(): Promise<number> {
    await this.start();
    return this.worker;
  }

  /**
   * Claims the next group: the oldest batches that head their terminal's queue, up to the group
   * limits (a single batch larger than maxRecords goes alone). Undefined when nothing can start now.
   */
  async claimGroup(): Promise<ClaimedGroup | undefined> {
    const worker = await this.started();
    return inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, 0)', [this.ns]);
      const live = await this.liveWorkers(client);
      await client.query(`UPDATE ${this.batches} SET claimed_by = NULL WHERE status = 'pending' AND claimed_by IS NOT NULL AND NOT (claimed_by::text = ANY($1::text[]))`, [live]);
      const { rows: heads } = await client.query<{ receipt: string; record_count: number }>(`
        SELECT b.receipt, b.record_count FROM ${this.batches} b
        WHERE b.status = 'pending' AND b.claimed_by IS NULL AND b.next_attempt_at <= clock_timestamp()
          AND NOT EXISTS (SELECT 1 FROM ${this.batches} e WHERE e.terminal_id = b.terminal_id AND e.status = 'pending'
                          AND (e.batch_seq, e.received_at, e.receipt) < (b.batch_seq, b.received_at, b.receipt))
        ORDER BY b.received_at, b.receipt LIMIT $1`, [this.limits.maxBatches * 8]);
      const chosen = chooseGroup(heads, this.limits);
      if (chosen.length === 0) return undefined;
      const { rows } = await client.query<{ receipt: string; terminal_id: string; batch_seq: string; jws: string; attempts: number }>(
        `UPDATE ${this.batches} SET claimed_by = $2 WHERE receipt = ANY($1::text[]) RETURNING receipt, terminal_id, batch_seq::text, jws, attempts`, [chosen, worker]);
      const byReceipt = new Map(rows.map((r) => [r.receipt, r]));
      const batches = chosen.flatMap((receipt) => {
        const r = byReceipt.get(receipt);
        return r === undefined ? [] : [{ receipt, terminalId: r.terminal_id, batchSeq: Number(r.batch_seq), jws: r.jws, attempts: r.attempts }];
      });
      return { batches };
    });
  }

  /** Records how each batch of a group ended and tells the other workers. */
  async finish(group: ClaimedGroup, ends: ReadonlyMap<string, BatchEnd>): Promise<void> {
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
      await this.notify(client);
    });
  }
}

/**
 * The batches of the next group, from the heads of the terminals' queues in arrival order: as many
 * as fit the group limits (a head too large for what is left waits for a later group, one larger
 * than maxRecords goes alone).
 */
export function chooseGroup(heads: readonly { receipt: string; record_count: number }[], limits: GroupLimits): string[] {
  const chosen: string[] = [];
  let records = 0;
  for (const h of heads) {
    if (chosen.length >= limits.maxBatches) break;
    if (chosen.length > 0 && records + h.record_count > limits.maxRecords) continue;
    chosen.push(h.receipt);
    records += h.record_count;
  }
  return chosen;
}
