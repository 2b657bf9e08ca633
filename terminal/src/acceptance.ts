import { Amount, DomainError, ZERO_DIGEST, decodeJws, isJsonObject, parseSaleRecord, verifyRecord, type IssuerKey, type Medium, type RejectReason, type Tender } from '@dol/chaincode';
import type { FaceAgreements } from './face-agreements';
import type { OfflineConfig } from './offline-config';

/** Why a terminal refuses a sale on the spot, before anything is recorded (docs/terminal.md). */
export type RefusalCode =
  | RejectReason
  | 'NOT_SYNCED' | 'OFFLINE_TOO_LONG' | 'DENY_LISTED' | 'COUNTER_REUSED' | 'CAP_TOTAL_REACHED' | 'DAILY_COUNT_LIMIT' | 'DAILY_AMOUNT_LIMIT'
  | 'ALREADY_USED' | 'OVER_SLICE' | 'INVALID_SALE' | 'NO_AGREEMENT';

/** What the payer presented: a QR code or tap credential (`<certificate>~<payer JWS>`), or a face match. */
export type Presentation =
  | { readonly medium: 'code' | 'tap' | 'purse'; readonly credential: string }
  | { readonly medium: 'face'; readonly account: string; readonly score: number };

/** Who pays, as the engine proved it: a medium (with its counter and certificate) or a face's account. */
export interface AcceptedPayer {
  readonly medium: Medium;
  /** The medium's id, or the account for a face: what counters, limits and the edge key on. */
  readonly payerId: string;
  readonly account: string;
  readonly ctr: number;
  /** The certificate's counter range start and its capTotal (media only). */
  readonly cert?: { readonly ctrFrom: number; readonly capTotal: Amount };
}

/** The engine's decision on one sale. */
export type Decision =
  | { readonly ok: true; readonly payer: AcceptedPayer; readonly credential: unknown; readonly tender?: Tender }
  | { readonly ok: false; readonly code: RefusalCode; readonly message: string };

/** The deny list as a terminal holds it: media and accounts listed up to `version`. */
export interface DenyList {
  readonly version: number;
  readonly media: ReadonlySet<string>;
  readonly accounts: ReadonlySet<string>;
}

const DAY_MS = 86_400_000;

/**
 * The tender the payer signed into a code or tap (campus-value extension): `points` when the
 * student chose to pay in points, else money. The terminal records what the payer signed, never
 * its own choice; a credential it cannot read is judged by the verdict that follows.
 */
function signedTender(credential: string): Tender | undefined {
  try {
    const payload = decodeJws(credential.split('~')[1] ?? '').payload;
    return isJsonObject(payload) && payload.tender === 'points' ? 'points' : undefined;
  } catch (error) {
    if (error instanceof DomainError) return undefined;
    throw error;
  }
}
const refuse = (code: RefusalCode, message: string): Decision => ({ ok: false, code, message });

/**
 * The offline acceptance engine (protocol v1 from the terminal's side): the ledger's own stateless
 * verdict (chaincode/src/core/verify-record.ts, the same code, so a sale the terminal accepts is one
 * the ledger will not reject for it), then what only the terminal can know: the deny list it holds,
 * each medium's counter strictly increasing, the certificate's capTotal, per-medium limits per day
 * at this terminal, and how long ago it last synced. State comes only from sales it recorded, so a
 * terminal rebuilds it from its journal after a restart (`remember`).
 */
export class AcceptanceEngine {
  private config: OfflineConfig | undefined;
  private syncedAt = 0;
  private deny: DenyList = { version: 0, media: new Set(), accounts: new Set() };
  private faces: FaceAgreements | undefined;
  private readonly lastCtr = new Map<string, number>();
  private readonly certSpent = new Map<string, Amount>();
  private readonly daily = new Map<string, { day: number; count: number; amount: Amount }>();
  private issuerById = new Map<string, IssuerKey>();

  constructor(readonly terminalId: string) {}

  /**
   * Takes a fresh configuration and deny list from the centre (or the edge), and for a terminal that
   * accepts faces the accounts with a live agreement; `at` is the terminal's clock. A terminal that
   * never synced the face agreements refuses every face.
   */
  sync(config: OfflineConfig, deny: DenyList, at: number, faces?: FaceAgreements): void {
    if (config.terminalId !== this.terminalId && config.role !== 'edge') throw new Error(`configuration is for ${config.terminalId}, not ${this.terminalId}`);
    this.config = config;
    this.deny = deny;
    if (faces !== undefined) this.faces = faces;
    this.syncedAt = at;
    this.issuerById = new Map(config.issuerKeys.map((k) => [k.keyId, k]));
  }

  /** The deny-list version the terminal holds: what its records declare. */
  get denyListVersion(): number {
    return this.deny.version;
  }

  /** The configuration in force, if synced. */
  get current(): OfflineConfig | undefined {
    return this.config;
  }

  /** Judges a sale of `amount` at terminal time `at`; changes nothing. */
  decide(p: Presentation, amount: Amount, at: number): Decision {
    const config = this.config;
    if (config === undefined) return refuse('NOT_SYNCED', 'the terminal has never synced its configuration');
    if (at - this.syncedAt > config.policy.offlineMaxMs) return refuse('OFFLINE_TOO_LONG', `last synced ${at - this.syncedAt} ms ago, more than offlineMaxMs ${config.policy.offlineMaxMs}`);
    const credential = p.medium === 'face' ? { typ: 'face', v: 1, account: p.account, score: p.score } : p.credential;
    const tender = p.medium === 'face' || p.medium === 'purse' ? undefined : signedTender(p.credential);
    let record;
    try {
      record = parseSaleRecord({
        v: 1, terminalId: this.terminalId, seq: 1, at, amount: amount.toString(), medium: p.medium, credential, denyListVersion: this.deny.version, prev: ZERO_DIGEST,
        ...(tender === undefined ? {} : { tender }),
      });
    } catch (error) {
      if (error instanceof DomainError) return refuse('INVALID_SALE', error.message);
      throw error;
    }
    const verdict = verifyRecord(record, { now: at, policy: config.policy, issuerKey: (id) => this.issuerById.get(id) });
    if (!verdict.ok) return refuse(verdict.reason, verdict.message);
    const v = verdict.payer;
    const payer: AcceptedPayer = v.kind === 'media'
      ? { medium: p.medium, payerId: v.mediaId, account: v.account, ctr: v.ctr, cert: { ctrFrom: v.cert.ctrFrom, capTotal: v.cert.capTotal } }
      : { medium: 'face', payerId: v.account, account: v.account, ctr: 0 };
    if (this.deny.accounts.has(payer.account) || (p.medium !== 'face' && this.deny.media.has(payer.payerId))) {
      return refuse('DENY_LISTED', `${payer.payerId} is on the deny list (version ${this.deny.version})`);
    }
    if (payer.medium === 'face') {
      if (this.faces === undefined) return refuse('NOT_SYNCED', 'the terminal has not synced the accounts with a live agreement, so it takes no face');
      if (!this.faces.accounts.has(payer.account)) return refuse('NO_AGREEMENT', `account ${payer.account} had no live direct-debit agreement when the terminal synced`);
    }
    if (payer.cert !== undefined) {
      const last = this.lastCtr.get(payer.payerId);
      if (last !== undefined && payer.ctr <= last) return refuse('COUNTER_REUSED', `counter ${payer.ctr} not above ${last}, the last this terminal accepted from ${payer.payerId}`);
      const spent = this.certSpent.get(`${payer.payerId}/${payer.cert.ctrFrom}`) ?? Amount.ZERO;
      // A purse cannot be overspent (the card signed a balance that covers it): no capTotal to count.
      if (payer.medium !== 'purse' && spent.add(amount).gt(payer.cert.capTotal)) return refuse('CAP_TOTAL_REACHED', `the certificate's capTotal ${payer.cert.capTotal.toString()} would be passed at this terminal`);
    }
    const today = this.dailyOf(payer.payerId, at);
    if (today.count + 1 > config.policy.mediumDailyCount) return refuse('DAILY_COUNT_LIMIT', `${payer.payerId} reached ${config.policy.mediumDailyCount} sales today at this terminal`);
    if (today.amount.add(amount).gt(config.policy.mediumDailyAmount)) return refuse('DAILY_AMOUNT_LIMIT', `${payer.payerId} would pass ${config.policy.mediumDailyAmount.toString()} today at this terminal`);
    return { ok: true, payer, credential, ...(tender === undefined ? {} : { tender }) };
  }

  /** Counts an accepted sale (once it is in the journal), or one replayed from the journal after a restart. */
  remember(payer: AcceptedPayer, amount: Amount, at: number): void {
    if (payer.cert !== undefined) {
      this.lastCtr.set(payer.payerId, Math.max(payer.ctr, this.lastCtr.get(payer.payerId) ?? -1));
      const key = `${payer.payerId}/${payer.cert.ctrFrom}`;
      this.certSpent.set(key, (this.certSpent.get(key) ?? Amount.ZERO).add(amount));
    }
    const today = this.dailyOf(payer.payerId, at);
    this.daily.set(payer.payerId, { day: today.day, count: today.count + 1, amount: today.amount.add(amount) });
  }

  private dailyOf(payerId: string, at: number): { day: number; count: number; amount: Amount } {
    const day = Math.floor(at / DAY_MS);
    const d = this.daily.get(payerId);
    return d !== undefined && d.day === day ? d : { day, count: 0, amount: Amount.ZERO };
  }
}
