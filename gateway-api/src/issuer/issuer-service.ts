import { DomainError, mediaIdOfKey, type MediaKind, type PublicJwk } from '@dol/chaincode';
import type { Logger } from 'pino';
import { ApiError } from '../errors';
import { LedgerError } from '../ledger/ledger-port';
import { IssuanceClient } from '../ledger/issuance-client';
import type { LedgerIssuerKey, Quote } from '../ledger/issuance-transactions';
import type { LedgerPort } from '../ledger/ledger-port';
import { chooseSigner, signWith, type IssuerSigner } from './issuer-keyring';

/** A certificate as the wallet (or the personalisation run) receives it. */
export interface IssuedCertificate {
  readonly certificate: string;
  readonly mediaId: string;
  readonly kind: MediaKind;
  readonly account: string;
  readonly ctrFrom: number;
  readonly ctrTo: number;
  readonly capTotal: string;
  readonly capPerPayment: string;
  readonly nbf: number;
  readonly exp: number;
  readonly keyId: string;
  readonly txId: string;
}

/** What the issuer service is tuned with (defaults in DEFAULT_ISSUER_OPTIONS). */
export interface IssuerOptions {
  /** Most entries one RecordIssuances transaction carries (the contract's own limit is 500). */
  readonly groupSize: number;
  /** How long the first request of a group waits for others to join it: a morning refresh arrives in a wave. */
  readonly lingerMs: number;
  /**
   * While another group is in flight, how long a partial group waits to fill before it starts: on
   * Fabric a group's cost is mostly fixed (a quote, two endorsements, a block), so a group of a few
   * entries beside a full one would take a slot for little.
   */
  readonly fillMs: number;
  /** Groups in flight at once, accounts disjoint (two endorse while one commits). */
  readonly concurrency: number;
  /** How long the registered-keys list is trusted before it is read again. */
  readonly keysTtlMs: number;
}

export const DEFAULT_ISSUER_OPTIONS: IssuerOptions = { groupSize: 500, lingerMs: 25, fillMs: 500, concurrency: 3, keysTtlMs: 60_000 };
/** A group MVCC invalidated (a fold, a top-up or another gateway process wrote one of its accounts meanwhile) is quoted and signed again, this often. */
const GROUP_ATTEMPTS = 4;

type Job = { readonly queuedAt: number } & (
  | { readonly kind: 'cert'; readonly account: string; readonly jwk: PublicJwk; readonly medium: MediaKind; resolve: (c: IssuedCertificate) => void; reject: (e: unknown) => void }
  | { readonly kind: 'agreement'; readonly account: string; readonly acceptance: string; resolve: (r: Readonly<Record<string, unknown>>) => void; reject: (e: unknown) => void });

/**
 * The operator's issuer service (DESIGN §10, docs/wallet.md): requests are gathered into groups,
 * quoted by the ledger (limits from the account, counters after the medium's last range), signed
 * with an issuer key the ledger has registered, and recorded in one RecordIssuances transaction;
 * each request is answered only once its group committed, so no certificate leaves unrecorded.
 */
export class IssuerService {
  private readonly client: IssuanceClient;
  private readonly waiting: Job[] = [];
  private readonly busyAccounts = new Set<string>();
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private keys: { at: number; list: LedgerIssuerKey[] } | undefined;

  constructor(
    ledger: LedgerPort,
    private readonly signers: readonly IssuerSigner[],
    private readonly log: Logger,
    private readonly options: IssuerOptions = DEFAULT_ISSUER_OPTIONS,
  ) {
    this.client = new IssuanceClient(ledger);
  }

  /** Certifies a key the wallet proved it holds (or a card's key, for a personalisation run). */
  certify(account: string, jwk: PublicJwk, medium: MediaKind): Promise<IssuedCertificate> {
    if (this.signers.length === 0) return Promise.reject(new ApiError('LEDGER_UNAVAILABLE', 'this gateway holds no issuer key (DOL_ISSUER_KEYS): it issues no certificates'));
    return new Promise((resolve, reject) => {
      this.enqueue({ queuedAt: Date.now(), kind: 'cert', account, jwk, medium, resolve, reject });
    });
  }

  /**
   * Signs a purse load's authorisation (docs/settlement.md, "The card's electronic purse"), once the
   * ledger committed the load: the card checks it with the issuer's key and its own load counter.
   */
  async signPurseLoad(load: { readonly mediaId: string; readonly loadCtr: number; readonly amount: string; readonly txId: string }): Promise<string> {
    const now = Date.now();
    const signer = chooseSigner(this.signers, await this.registeredKeys(), now, now);
    if (signer === undefined) throw new ApiError('LEDGER_UNAVAILABLE', 'this gateway holds no registered, active issuer key to sign load authorisations');
    return signWith(signer, { typ: 'purse-load', v: 1, mediaId: load.mediaId, loadCtr: load.loadCtr, amount: load.amount, txId: load.txId });
  }

  /** Records a signed acceptance of the agreement, in the next group. */
  recordAgreement(account: string, acceptance: string): Promise<Readonly<Record<string, unknown>>> {
    return new Promise((resolve, reject) => {
      this.enqueue({ queuedAt: Date.now(), kind: 'agreement', account, acceptance, resolve, reject });
    });
  }

  private enqueue(job: Job): void {
    this.waiting.push(job);
    if (this.waiting.length >= this.options.groupSize) this.pump();
    else this.wake(this.options.lingerMs);
  }

  /** Pumps again in `ms`, unless a pump is already due sooner. */
  private wake(ms: number): void {
    const due = Date.now() + ms;
    if (this.timer !== undefined && this.timerDue <= due) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, ms);
  }

  /**
   * Starts groups while there is room: each takes waiting jobs whose accounts no group in flight
   * holds. A partial group starts at once only when nothing is in flight; beside a group in flight
   * it waits up to fillMs for more (a full group starts whenever a slot is free).
   */
  private pump(): void {
    while (this.inFlight < this.options.concurrency && this.waiting.length > 0) {
      const waited = Date.now() - (this.waiting[0]?.queuedAt ?? 0);
      if (this.waiting.length < this.options.groupSize && this.inFlight > 0 && waited < this.options.fillMs) {
        this.wake(this.options.fillMs - waited);
        return;
      }
      const group: Job[] = [];
      const accounts = new Set<string>();
      for (let i = 0; i < this.waiting.length && group.length < this.options.groupSize;) {
        const job = this.waiting[i];
        if (job !== undefined && !this.busyAccounts.has(job.account)) {
          group.push(job);
          accounts.add(job.account);
          this.waiting.splice(i, 1);
        } else i += 1;
      }
      if (group.length === 0) return;
      for (const a of accounts) this.busyAccounts.add(a);
      this.inFlight += 1;
      void this.run(group).finally(() => {
        for (const a of accounts) this.busyAccounts.delete(a);
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async run(group: Job[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.quoteSignRecord(group);
        return;
      } catch (error) {
        const retry = error instanceof LedgerError && error.failure === 'retryable' && attempt < GROUP_ATTEMPTS;
        this.log.warn({ err: error, attempt, entries: group.length, retry }, 'issuance group failed');
        if (!retry) {
          for (const job of group) job.reject(error);
          return;
        }
      }
    }
  }

  /** One attempt: quote the certificates, sign them, record everything; answers every job of the group. */
  private async quoteSignRecord(group: Job[]): Promise<void> {
    const certJobs = group.filter((j): j is Extract<Job, { kind: 'cert' }> => j.kind === 'cert');
    const t0 = performance.now();
    const quotes = certJobs.length === 0 ? [] : await this.client.quote(certJobs.map((j) => ({ account: j.account, mediaId: mediaIdOfKey(j.jwk, j.medium) })));
    const entries: ({ agreement: string } | { certificate: string })[] = [];
    const pending: { job: Job; entry: number; cert?: Omit<IssuedCertificate, 'txId'> }[] = [];
    for (const job of group) {
      if (job.kind === 'agreement') {
        pending.push({ job, entry: entries.push({ agreement: job.acceptance }) - 1 });
        continue;
      }
      const quote = quotes[certJobs.indexOf(job)];
      if (quote === undefined || quote instanceof DomainError) {
        job.reject(quote ?? new Error('no quote'));
        continue;
      }
      const cert = await this.sign(job, quote);
      pending.push({ job, entry: entries.push({ certificate: cert.certificate }) - 1, cert });
    }
    if (entries.length === 0) return;
    const t1 = performance.now();
    const recorded = await this.client.record(entries);
    this.log.debug({ entries: entries.length, quoteAndSignMs: t1 - t0, recordMs: performance.now() - t1 }, 'issuance group recorded');
    for (const p of pending) {
      const answer = recorded.entries[p.entry];
      if (answer === undefined || !answer.ok) p.job.reject(answer?.ok === false ? answer.error : new Error('no answer'));
      else if (p.job.kind === 'cert' && p.cert !== undefined) p.job.resolve({ ...p.cert, txId: recorded.txId });
      else if (p.job.kind === 'agreement') p.job.resolve({ ...answer.value, txId: recorded.txId });
    }
  }

  private async sign(job: Extract<Job, { kind: 'cert' }>, q: Quote): Promise<Omit<IssuedCertificate, 'txId'>> {
    const signer = chooseSigner(this.signers, await this.registeredKeys(), q.nbf, q.exp);
    if (signer === undefined) throw new ApiError('LEDGER_UNAVAILABLE', 'no issuer key this gateway holds is registered, active and valid for the certificate\'s whole validity (rotate: register the next key before the current one ends)');
    const payload = {
      typ: 'media-cert', v: 1, mediaId: q.mediaId, kind: job.medium, account: q.account, group: q.group, jwk: { ...job.jwk },
      capPerPayment: q.capPerPayment, capTotal: q.capTotal, ctrFrom: q.ctrFrom, ctrTo: q.ctrTo, nbf: q.nbf, exp: q.exp,
    };
    return {
      certificate: await signWith(signer, payload), mediaId: q.mediaId, kind: job.medium, account: q.account, ctrFrom: q.ctrFrom, ctrTo: q.ctrTo,
      capTotal: q.capTotal, capPerPayment: q.capPerPayment, nbf: q.nbf, exp: q.exp, keyId: signer.keyId,
    };
  }

  private async registeredKeys(): Promise<LedgerIssuerKey[]> {
    const now = Date.now();
    if (this.keys === undefined || now - this.keys.at > this.options.keysTtlMs) this.keys = { at: now, list: await this.client.issuerKeys() };
    return this.keys.list;
  }

  /** Forgets the registered keys read so far (after a key was registered or revoked through this gateway). */
  forgetKeys(): void {
    this.keys = undefined;
  }
}
