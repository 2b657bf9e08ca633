import type { Logger } from 'pino';
import { ledgerErrorOf, type LedgerError } from '../ledger/ledger-port';
import { FOLD_LIMITS, MAX_PENDING_PAGE, type ChargeRef, type SettlementClient } from '../ledger/settlement-client';
import type { Metrics } from '../metrics';
import { FoldBacklog, type FoldSize } from './fold-backlog';
import { Pauses, backoffMs } from './pauses';

/** How the fold scheduler paces itself (docs/gateway.md, "Scaling out"). */
export interface FoldOptions {
  /** FoldCharges transactions this process keeps in flight at once, their accounts disjoint (DOL_FOLDS_IN_FLIGHT). */
  readonly inFlight: number;
  /**
   * How often the ledger is swept for charges no process is folding, when this one has none in
   * flight, and how old a charge must be for a sweep to take it: younger ones are presumably being
   * folded by the process that settled them (DOL_FOLD_SWEEP_MS).
   */
  readonly sweepIdleMs: number;
  /** The longest wait before a fold that failed is tried again. */
  readonly maxBackoffMs: number;
}

/** Two folds in flight keep the ledger busy while one commits; more mostly conflict with settlements' own. */
export const DEFAULT_FOLD_OPTIONS: FoldOptions = { inFlight: 2, sweepIdleMs: 30_000, maxBackoffMs: 30_000 };

/** The most charges waiting in memory (a few MB): past it, new ones are left on the ledger for the sweep. */
const MAX_WAITING = 200_000;
/** Attempts of one fold before its charges are left on the ledger for the sweep (a ledger down for minutes). */
const FOLD_ATTEMPTS = 12;
/** Sweeps one drain makes at most, a page each: drains are for tests and shutdowns, and folds that keep failing must end them. */
const DRAIN_SWEEPS = 50;
/** When a sweep's page was cut, the next one follows this soon once the page is folded. */
const NEXT_PAGE_MS = 1_000;
/** How often the process holding the fold lease looks for charges the organisation's other processes settled. */
const LEASE_SWEEP_MS = 1_000;

/** The settlement contract's calls the scheduler makes. */
export type FoldLedger = Pick<SettlementClient, 'foldCharges' | 'pendingCharges'>;

/**
 * Schedules the folds that fund the charges settlement leaves awaiting funding (docs/settlement.md,
 * "funding at the fold"). The intake worker hands it each settled group's charges; it submits
 * FoldCharges of up to FOLD_LIMITS, a few at once, the accounts of folds in flight in this process
 * disjoint. A fold that fails and may pass is tried again with backoff: an MVCC conflict is expected
 * when another gateway process, or a top-up, folded the same account (the contract skips charges
 * folded already). Every charge is on the ledger until folded, so the scheduler also sweeps it
 * (ListPendingCharges), at start and then whenever it has nothing in flight, for charges a crashed
 * process left.
 */
export class FoldScheduler {
  private readonly backlog = new FoldBacklog(MAX_WAITING);
  /** Accounts of the folds in flight, with their charges. */
  private readonly flying = new Map<string, Set<string>>();
  private readonly folds = new Set<Promise<void>>();
  private readonly pauses = new Pauses();
  private idleWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> = Promise.resolve();
  private running = false;
  private stopped = false;
  /** Why this process may not fold (it holds no gateway identity): it leaves folds to the organisation's other processes. */
  private denied: string | undefined;

  constructor(
    private readonly ledger: FoldLedger,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly options: FoldOptions = DEFAULT_FOLD_OPTIONS,
    /**
     * Called when denials may await publication: a sweep found charges no process was folding (a
     * process died, and its double spends may wait too), or a fold found a tampered purse.
     */
    private readonly denialsDue: () => void = () => undefined,
    private readonly size: FoldSize = FOLD_LIMITS,
    /**
     * Whether this process is settling groups now. Settlement goes first: while it is, at most one
     * fold is in flight and only a full one, so the folds take little of the peers' time from the
     * groups, and an account charged by several groups of a burst is folded once, not once per group.
     */
    private readonly settling: () => boolean = () => false,
    /**
     * Whether this process holds the organisation's fold lease (SettlementQueue.foldLease), when
     * several processes share one queue: only the holder folds, every charge of every process,
     * found by sweeping the ledger as soon as it is idle; the others leave theirs on the ledger.
     * Without it this process folds what it settled, and sweeps only for charges left long ago.
     */
    private readonly lease?: () => Promise<boolean>,
  ) {}

  /** False while another process holds the fold lease: this one folds nothing but what drain() asks. */
  private leading = true;

  /** Starts sweeping: now, then every sweepIdleMs that finds nothing in flight. Folds need no start: handed charges fold at once. */
  start(): void {
    this.running = true;
    this.stopped = false;
    this.arm(0);
  }

  /** Charges awaiting funding, to fold as soon as their accounts are free; how many were new here. */
  add(charges: readonly ChargeRef[]): number {
    return this.take(charges, false);
  }

  /** Adds charges to the backlog (`always`: drains fold whether or not this process holds the lease). */
  private take(charges: readonly ChargeRef[], always: boolean): number {
    if (charges.length === 0 || this.stopped || this.denied !== undefined || !(this.leading || always)) return 0;
    const { added, dropped } = this.backlog.add(charges, ([account, paymentId]) => this.flying.get(account)?.has(paymentId) === true);
    if (dropped > 0) this.log.warn({ dropped, waiting: this.backlog.size }, 'fold backlog full: charges left on the ledger for the sweep');
    this.pump();
    return added;
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  /** True when nothing waits and no fold is in flight. */
  idle(): boolean {
    return this.backlog.size === 0 && this.folds.size === 0;
  }

  /**
   * Folds everything handed, then sweeps the ledger (charges of any age) until no charge awaits
   * funding: tests and drains see folded accounts. When the ledger cannot be reached it ends as a
   * drain of groups does, leaving the rest for later; it throws when folds keep failing or this
   * gateway may not fold.
   */
  async drain(): Promise<void> {
    for (let sweep = 0; sweep < DRAIN_SWEEPS; sweep++) {
      await this.whenIdle();
      await this.sweeping;
      let due: number;
      let found: number;
      try {
        ({ due, found } = await this.sweep(0, true));
      } catch (error) {
        const e = ledgerErrorOf(error);
        if (e.failure === 'refused') throw e;
        this.log.warn({ failure: e.failure, code: e.code, err: e.message.slice(0, 300) }, 'drain: the ledger is unreachable; charges awaiting funding are left for the sweep');
        return;
      }
      if (due === 0) return;
      if (found === 0) throw new Error(`${String(due)} charges await funding and this gateway cannot fold them${this.denied === undefined ? '' : `: ${this.denied}`}`);
      await this.whenIdle();
    }
    throw new Error(`charges still await funding after ${String(DRAIN_SWEEPS)} sweeps: folds keep failing (see the log)`);
  }

  /** Finishes the folds in flight (without retrying them) and stops; waiting charges stay on the ledger for a sweep. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    clearTimeout(this.timer);
    this.pauses.wakeAll();
    await this.sweeping;
    await Promise.all(this.folds);
    this.backlog.clear();
    this.wakeIdle();
  }

  /** Starts the folds that may start now (the worker calls it when a group ends). */
  nudge(): void {
    this.pump();
  }

  /** Starts folds while there are free slots and charges of free accounts (fewer, and only full ones, while settling). */
  private pump(): void {
    const settling = this.settling();
    const slots = settling ? 1 : this.options.inFlight;
    while (!this.stopped && this.folds.size < slots) {
      if (settling && this.backlog.size < this.size.charges) break;
      const charges = this.backlog.take((account) => this.flying.has(account), this.size);
      if (charges.length === 0) break;
      this.launch(charges);
    }
    if (this.idle()) this.wakeIdle();
  }

  private launch(charges: readonly ChargeRef[]): void {
    for (const [account, paymentId] of charges) {
      const ids = this.flying.get(account);
      if (ids === undefined) this.flying.set(account, new Set([paymentId]));
      else ids.add(paymentId);
    }
    const fold: Promise<void> = this.run(charges).finally(() => {
      for (const [account] of charges) this.flying.delete(account);
      this.folds.delete(fold);
      this.pump();
    });
    this.folds.add(fold);
  }

  /** One fold, tried until it commits, is refused, has had its attempts, or the scheduler stops. Never rejects. */
  private async run(charges: readonly ChargeRef[]): Promise<void> {
    const accounts = new Set(charges.map(([account]) => account)).size;
    for (let attempt = 1; ; attempt++) {
      try {
        const { folded, denials } = await this.ledger.foldCharges(charges);
        if (denials > 0) this.denialsDue();
        this.metrics.folds.inc({ outcome: 'committed' });
        this.metrics.chargesFolded.inc(folded);
        this.log.debug({ charges: charges.length, accounts, folded, attempt }, 'charges folded');
        return;
      } catch (error) {
        const e = ledgerErrorOf(error);
        if (e.failure === 'refused') {
          this.refused(e, charges.length);
          return;
        }
        const details = { charges: charges.length, accounts, attempt, failure: e.failure, code: e.code, err: e.message.slice(0, 300) };
        if (attempt >= FOLD_ATTEMPTS || this.stopped) {
          this.log.warn(details, 'fold failed: its charges are left on the ledger for the sweep');
          return;
        }
        this.metrics.foldRetries.inc({ failure: e.failure });
        // A conflict is expected (another process or a top-up folded one of these accounts first): not news, and soon over.
        this.log[e.code === 'CONTENTION' ? 'debug' : 'info'](details, 'fold will be retried');
        await this.pauses.sleep(e.code === 'CONTENTION' ? Math.min(50 * attempt, this.options.maxBackoffMs) * (0.5 + Math.random() / 2) : backoffMs(attempt, this.options.maxBackoffMs));
        // stop() may have come during the wait.
        if (this.isStopped()) {
          this.log.info(details, 'stopping: a fold that failed is left on the ledger for the sweep');
          return;
        }
      }
    }
  }

  /** A refused fold is final for these charges; without the gateway role this process folds nothing more. */
  private refused(e: LedgerError, charges: number): void {
    this.metrics.folds.inc({ outcome: 'refused' });
    if (e.code === 'ACCESS_DENIED') {
      this.deny(e.message);
      return;
    }
    this.log.error({ charges, code: e.code, err: e.message.slice(0, 500) }, 'fold refused by the ledger: its charges stay pending');
  }

  private deny(why: string): void {
    if (this.denied !== undefined) return;
    this.denied = why;
    this.backlog.clear();
    clearTimeout(this.timer);
    this.log.warn({ err: why.slice(0, 300) }, 'this gateway may not fold charges (no gateway identity): it leaves them to the organisation\'s other gateways');
  }

  /**
   * Reads the first page of pending charges and hands this process those settled at least
   * `minAgeMs` ago: how many were due, how many of them were new here, and whether the page was cut.
   */
  private async sweep(minAgeMs: number, always = false): Promise<{ due: number; found: number; more: boolean; stale: boolean }> {
    const page = await this.ledger.pendingCharges(MAX_PENDING_PAGE);
    const now = Date.now();
    const due = page.charges.filter((c) => c.settledAt === null || now - c.settledAt >= minAgeMs).map((c): ChargeRef => [c.account, c.paymentId]);
    const stale = page.charges.some((c) => c.settledAt === null || now - c.settledAt >= this.options.sweepIdleMs);
    return { due: due.length, found: this.take(due, always), more: page.more, stale };
  }

  /**
   * The periodic sweep, only while nothing is in flight here: of charges older than sweepIdleMs,
   * or, holding the fold lease, of every charge as soon as this process is not settling.
   */
  private async tick(): Promise<void> {
    let next = this.options.sweepIdleMs;
    try {
      if (this.lease !== undefined) {
        this.leading = await this.lease();
        next = LEASE_SWEEP_MS;
        if (!this.leading) this.backlog.clear();
      }
      if (this.leading && this.idle() && !(this.lease !== undefined && this.settling())) {
        const { found, more, stale } = await this.sweep(this.lease === undefined ? this.options.sweepIdleMs : 0);
        if (found > 0) {
          // Charges left unfolded for sweepIdleMs: a process died, maybe between a double spend and its publication.
          this.log[stale ? 'info' : 'debug']({ charges: found, more }, 'sweep found charges awaiting funding that no fold here was funding');
          if (stale) this.denialsDue();
          if (more) next = NEXT_PAGE_MS;
        }
      }
    } catch (error) {
      const e = ledgerErrorOf(error);
      if (e.failure === 'refused' && e.code === 'ACCESS_DENIED') this.deny(e.message);
      else this.log.warn({ failure: e.failure, code: e.code, err: e.message.slice(0, 300) }, 'sweep for pending charges failed; trying again later');
    }
    this.arm(next);
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    if (!this.running || this.denied !== undefined) return;
    this.timer = setTimeout(() => {
      this.sweeping = this.tick();
    }, ms);
    this.timer.unref();
  }

  private whenIdle(): Promise<void> {
    if (this.idle() || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
