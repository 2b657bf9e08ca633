import type { MediaKind } from '../core/media-cert';
import { Amount } from '../core/amount';
import type { AccountId, GroupId, MediaId } from '../core/ids';
import { book, posting, type Posting } from './books';

/** Lifecycle of a student's account (DESIGN §5, Graduation clearance). */
export type AccountStatus = 'active' | 'clearing' | 'closed';

/** A certificate the issuer service recorded (docs/wallet.md): its limits, and whether a later one replaced it. */
export interface CertRecord {
  readonly ctrTo: number;
  readonly capTotal: Amount;
  readonly capPerPayment: Amount;
  readonly nbf: number;
  readonly exp: number;
  readonly keyId: string;
  /** SHA-256 of the certificate's payload bytes. */
  readonly digest: string;
  readonly recordedAt: number;
  /** `superseded` by the medium's next certificate (a refresh), `revoked` by a loss report or a withdrawn agreement. */
  readonly status: 'live' | 'superseded' | 'revoked';
}

/** Who reported a medium lost or found, and when (ledger time). */
export interface MediumReport {
  readonly at: number;
  readonly by: string;
  readonly reason: string;
}

/** What the ledger knows of one medium of an account: counters used, spend per certificate, denial. */
export interface MediumState {
  /** ctr → id of the payment that used it: a second use is a double spend. */
  readonly used: Readonly<Record<string, string>>;
  /** Spent under each certificate, keyed by its `ctrFrom`: checked against `capTotal`. */
  readonly spent: Readonly<Record<string, Amount>>;
  /** Deny-list version from which terminals must refuse this medium, if any. */
  readonly deniedAt?: number;
  /** Wallet or card, once the issuer service recorded a certificate for it. */
  readonly kind?: MediaKind;
  /** Recorded certificates by their `ctrFrom` (expired ones are pruned a week after their expiry). */
  readonly certs?: Readonly<Record<string, CertRecord>>;
  /** The first counter a next certificate may cover: recorded ranges never overlap. */
  readonly ctrNext?: number;
  /** Reported lost (挂失): refused from then on; and found: the key still never comes back. */
  readonly lost?: MediumReport;
  readonly found?: MediumReport;
}

/** The student's acceptance of the direct-debit agreement, as the account keeps it. */
export interface AgreementState {
  readonly version: number;
  readonly textHash: string;
  readonly acceptedAt: number;
  readonly status: 'live' | 'withdrawn';
  readonly withdrawnAt?: number;
}

/**
 * One account as stored under one key, read once and written once per batch that touches it.
 * Balances are kept for fast reads; the postings remain the truth an auditor recomputes.
 */
export interface AccountState {
  readonly id: AccountId;
  readonly group: GroupId;
  readonly status: AccountStatus;
  readonly creditLine: Amount;
  /** Money the student holds (≥ 0). */
  readonly wallet: Amount;
  /** Part of the credit line in use (0..creditLine): owed to the school. */
  readonly creditUsed: Amount;
  /** Fronted by the operator's guarantee fund (≥ 0): owed to the operator. */
  readonly advance: Amount;
  /** Campus points held (a unit of its own, never money). */
  readonly points: Amount;
  /** UTC day of the last points earned, and how many were earned that day (daily cap). */
  readonly pointsDay: number;
  readonly pointsToday: Amount;
  /**
   * The points held, by the UTC day they were earned (oldest spent and lapsed first); they sum to
   * `points`. Absent on accounts that earned before lots were kept: their points are one lot of
   * `pointsDay` (settlement/points-lots.ts).
   */
  readonly pointsLots?: Readonly<Record<string, Amount>>;
  /** Deny-list version from which the whole account is refused (clearance, closure, fraud). */
  readonly deniedAt?: number;
  /** Ledger time the account last went from no debt to some debt: the start of its ageing. */
  readonly debtSince?: number;
  readonly media: Readonly<Record<string, MediumState>>;
  /** The direct-debit agreement (代扣协议): no certificate and no face sale without a live one. */
  readonly agreement?: AgreementState;
}

/** A new, empty account. */
export function openAccount(id: AccountId, group: GroupId, creditLine: Amount): AccountState {
  return {
    id, group, status: 'active', creditLine, wallet: Amount.ZERO, creditUsed: Amount.ZERO, advance: Amount.ZERO,
    points: Amount.ZERO, pointsDay: 0, pointsToday: Amount.ZERO, media: {},
  };
}

/** True while the student owes the operator or the school anything. */
export const inDebt = (a: AccountState): boolean => a.advance.gt(Amount.ZERO) || a.creditUsed.gt(Amount.ZERO);

/** Keeps the ageing clock: starts when debt appears, stops when it is all repaid. */
export function withDebtClock(before: AccountState, after: AccountState, now: number): AccountState {
  if (!inDebt(after)) {
    const cleared: { debtSince?: number } & Omit<AccountState, 'debtSince'> = { ...after };
    delete cleared.debtSince;
    return cleared;
  }
  return inDebt(before) && before.debtSince !== undefined ? after : { ...after, debtSince: now };
}

/** How a payment was paid for: from the wallet, the credit line, and an advance for the rest. */
export interface Funding {
  readonly wallet: Amount;
  readonly credit: Amount;
  readonly advance: Amount;
  /** Paid from a card's electronic purse (a purse purchase the shadow applied). */
  readonly purse?: Amount;
}

/**
 * Charges a payment to an account: wallet first, then the unused credit line, and the shortfall
 * is advanced by the guarantee fund and becomes the student's debt. Never refuses: the terminal
 * already handed over the food, so the merchant is paid in full.
 */
export function charge(account: AccountState, amount: Amount, merchantBook: string, ref: string): { account: AccountState; funding: Funding; postings: Posting[] } {
  const wallet = account.wallet.min(amount);
  const headroom = account.creditLine.sub(account.creditUsed).max(Amount.ZERO);
  const credit = headroom.min(amount.sub(wallet));
  const advance = amount.sub(wallet).sub(credit);
  const postings: Posting[] = [];
  if (wallet.gt(Amount.ZERO)) postings.push(posting(book.wallet(account.id), merchantBook, wallet, ref));
  if (credit.gt(Amount.ZERO)) postings.push(posting(book.credit(account.id), merchantBook, credit, ref));
  if (advance.gt(Amount.ZERO)) postings.push(posting(book.advance(account.id), merchantBook, advance, ref));
  return {
    account: { ...account, wallet: account.wallet.sub(wallet), creditUsed: account.creditUsed.add(credit), advance: account.advance.add(advance) },
    funding: { wallet, credit, advance },
    postings,
  };
}

/** How a top-up was used: recovering advances, then credit line use, then the balance. */
export interface Recovery {
  readonly advance: Amount;
  readonly credit: Amount;
  readonly wallet: Amount;
}

/** Applies a top-up, recovering debt first (DESIGN §5, Top-up). */
export function topUp(account: AccountState, amount: Amount, ref: string): { account: AccountState; recovery: Recovery; postings: Posting[] } {
  const advance = account.advance.min(amount);
  const credit = account.creditUsed.min(amount.sub(advance));
  const wallet = amount.sub(advance).sub(credit);
  const postings: Posting[] = [];
  if (advance.gt(Amount.ZERO)) postings.push(posting(book.topUpClearing, book.advance(account.id), advance, ref));
  if (credit.gt(Amount.ZERO)) postings.push(posting(book.topUpClearing, book.credit(account.id), credit, ref));
  if (wallet.gt(Amount.ZERO)) postings.push(posting(book.topUpClearing, book.wallet(account.id), wallet, ref));
  return {
    account: { ...account, advance: account.advance.sub(advance), creditUsed: account.creditUsed.sub(credit), wallet: account.wallet.add(wallet) },
    recovery: { advance, credit, wallet },
    postings,
  };
}

/** The balances this account keeps, under their book names, for the invariant check. */
export function storedBalances(account: AccountState): [string, Amount][] {
  return [
    [book.wallet(account.id), account.wallet],
    [book.credit(account.id), account.creditUsed.neg()],
    [book.advance(account.id), account.advance.neg()],
    [book.points(account.id), account.points],
  ];
}

/** The ledger's state of one medium; own properties only, so an id like "constructor" is safe. */
export function mediumOf(account: AccountState, mediaId: MediaId): MediumState | undefined {
  return Object.hasOwn(account.media, mediaId) ? account.media[mediaId] : undefined;
}

/** Records a counter's use and the spend under its certificate. */
export function useCounter(account: AccountState, mediaId: MediaId, ctr: number, certKey: string, amount: Amount, paymentId: string): AccountState {
  const medium = mediumOf(account, mediaId) ?? { used: {}, spent: {} };
  const spent = (medium.spent[certKey] ?? Amount.ZERO).add(amount);
  return {
    ...account,
    media: { ...account.media, [mediaId]: { ...medium, used: { ...medium.used, [String(ctr)]: paymentId }, spent: { ...medium.spent, [certKey]: spent } } },
  };
}
