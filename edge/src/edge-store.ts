import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** One approval as the edge keeps it: the write-off of (payer, ctr). */
export interface StoredApproval {
  readonly payer: string;
  readonly ctr: number;
  readonly terminalId: string;
  readonly account: string;
  readonly amount: string;
  readonly at: number;
  readonly approval: string;
}

/** A batch kept for forwarding. */
export interface OutboxEntry {
  readonly id: number;
  readonly jws: string;
  readonly receipt: string;
  readonly forwarded: boolean;
  readonly settled: boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS writeoffs (payer TEXT NOT NULL, ctr INTEGER NOT NULL, terminal_id TEXT NOT NULL, account TEXT NOT NULL,
  amount TEXT NOT NULL, at INTEGER NOT NULL, approval TEXT NOT NULL, settled INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (payer, ctr));
CREATE INDEX IF NOT EXISTS writeoffs_account ON writeoffs (account, settled);
CREATE TABLE IF NOT EXISTS slices (account TEXT PRIMARY KEY, granted TEXT NOT NULL, remaining TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, jws TEXT NOT NULL UNIQUE, receipt TEXT NOT NULL,
  forwarded INTEGER NOT NULL DEFAULT 0, settled INTEGER NOT NULL DEFAULT 0);
`;

/**
 * The edge's durable store: SQLite through Node's built-in `node:sqlite` (no native module to build
 * on a small box, one file, crash-safe). WAL with `synchronous=FULL`, so every transaction is on disk
 * before it returns: an approval is never given that a restart could forget.
 */
export class EdgeStore {
  private readonly db: DatabaseSync;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.db = new DatabaseSync(join(dir, 'edge.sqlite'));
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;');
    this.db.exec(SCHEMA);
  }

  /** Runs `fn` in one immediate transaction: all of it is durable, or none of it. */
  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** The write-off of (payer, ctr), if any. */
  writeOff(payer: string, ctr: number): StoredApproval | undefined {
    const row = this.db.prepare('SELECT payer, ctr, terminal_id, account, amount, at, approval FROM writeoffs WHERE payer = ? AND ctr = ?').get(payer, ctr);
    if (row === undefined) return undefined;
    return { payer: String(row.payer), ctr: Number(row.ctr), terminalId: String(row.terminal_id), account: String(row.account), amount: String(row.amount), at: Number(row.at), approval: String(row.approval) };
  }

  /** Records a write-off. */
  putWriteOff(a: StoredApproval): void {
    this.db.prepare('INSERT INTO writeoffs (payer, ctr, terminal_id, account, amount, at, approval) VALUES (?, ?, ?, ?, ?, ?, ?)').run(a.payer, a.ctr, a.terminalId, a.account, a.amount, a.at, a.approval);
  }

  /** What is left of an account's slice (minor units), if the centre granted one. */
  remaining(account: string): bigint | undefined {
    const row = this.db.prepare('SELECT remaining FROM slices WHERE account = ?').get(account);
    return row === undefined ? undefined : BigInt(String(row.remaining));
  }

  /** Sets what is left of a slice. */
  setRemaining(account: string, remaining: bigint): void {
    this.db.prepare('UPDATE slices SET remaining = ? WHERE account = ?').run(remaining.toString(), account);
  }

  /**
   * Takes a new grant of slices: each account's remaining is its new slice less what this edge
   * approved that the ledger has not settled yet (the grant, read from the ledger, cannot know it).
   */
  grant(slices: readonly (readonly [string, bigint])[]): void {
    const pending = new Map<string, bigint>();
    for (const row of this.db.prepare('SELECT account, amount FROM writeoffs WHERE settled = 0').all()) {
      pending.set(String(row.account), (pending.get(String(row.account)) ?? 0n) + BigInt(String(row.amount)));
    }
    this.transaction(() => {
      this.db.exec('DELETE FROM slices');
      const put = this.db.prepare('INSERT INTO slices (account, granted, remaining) VALUES (?, ?, ?)');
      for (const [account, slice] of slices) {
        const left = slice - (pending.get(account) ?? 0n);
        put.run(account, slice.toString(), (left > 0n ? left : 0n).toString());
      }
    });
  }

  /** Marks approvals as settled on the ledger (their batch settled). */
  markSettled(approvals: readonly string[]): void {
    const st = this.db.prepare('UPDATE writeoffs SET settled = 1 WHERE approval = ?');
    this.transaction(() => {
      for (const a of approvals) st.run(a);
    });
  }

  /** A stored value (the site's configuration, the deny list). */
  get(k: string): string | undefined {
    const row = this.db.prepare('SELECT v FROM kv WHERE k = ?').get(k);
    return row === undefined ? undefined : String(row.v);
  }

  /** Stores a value. */
  put(k: string, v: string): void {
    this.db.prepare('INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v').run(k, v);
  }

  /** Keeps a batch for forwarding; the same batch twice is kept once. */
  enqueue(jws: string, receipt: string): OutboxEntry {
    this.db.prepare('INSERT INTO outbox (jws, receipt) VALUES (?, ?) ON CONFLICT (jws) DO NOTHING').run(jws, receipt);
    const row = this.db.prepare('SELECT id, jws, receipt, forwarded, settled FROM outbox WHERE jws = ?').get(jws);
    if (row === undefined) throw new Error('outbox entry vanished');
    return outboxOf(row);
  }

  /** Batches not yet accepted by the centre, oldest first; or accepted but not yet seen settled. */
  outbox(which: 'unforwarded' | 'unsettled'): OutboxEntry[] {
    const where = which === 'unforwarded' ? 'forwarded = 0' : 'forwarded = 1 AND settled = 0';
    return this.db.prepare(`SELECT id, jws, receipt, forwarded, settled FROM outbox WHERE ${where} ORDER BY id`).all().map(outboxOf);
  }

  /** Marks an outbox entry forwarded or settled. */
  markOutbox(id: number, what: 'forwarded' | 'settled'): void {
    this.db.prepare(`UPDATE outbox SET ${what} = 1 WHERE id = ?`).run(id);
  }

  /** Counts for the status page. */
  counts(): { approvals: number; slices: number; outbox: number; unforwarded: number } {
    const one = (sql: string): number => Number(this.db.prepare(sql).get()?.n ?? 0);
    return {
      approvals: one('SELECT count(*) AS n FROM writeoffs'), slices: one('SELECT count(*) AS n FROM slices'),
      outbox: one('SELECT count(*) AS n FROM outbox'), unforwarded: one('SELECT count(*) AS n FROM outbox WHERE forwarded = 0'),
    };
  }

  close(): void {
    this.db.close();
  }
}

function outboxOf(row: Record<string, unknown>): OutboxEntry {
  return { id: Number(row.id), jws: String(row.jws), receipt: String(row.receipt), forwarded: Number(row.forwarded) === 1, settled: Number(row.settled) === 1 };
}
