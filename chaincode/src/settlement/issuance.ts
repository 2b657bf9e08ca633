/**
 * The issuing side's rules (DESIGN §10, docs/wallet.md): how much a new media certificate may
 * allow, which counters it covers, and what recording it changes on the account. Pure: the
 * contract quotes and records with them, the property tests drive them with random accounts.
 */
import type { MediaKind } from '../core/media-cert';
import { Amount } from '../core/amount';
import type { LedgerCode } from '../core/errors';
import type { MediaId } from '../core/ids';
import type { IssuanceLimits } from '../core/risk-policy';
import { mediumOf, type AccountState, type CertRecord, type MediumState } from './account';
import { offlineAvailable } from './allowance';

/** How old a quote may be when its certificate is recorded: the group's quote, signing and ordering. */
export const QUOTE_MAX_AGE_MS = 10 * 60_000;
/** Expired certificates stay on the account this long (late uploads are still checked against them), then go. */
export const CERT_RETENTION_MS = 7 * 86_400_000;

/** Why no certificate: each a stable code of the catalogue. */
export type IssuanceRefusalCode = Extract<LedgerCode,
  'NO_AGREEMENT' | 'ACCOUNT_DENIED' | 'ADVANCE_OVERDUE' | 'TOO_MANY_CERTIFICATES' | 'INSUFFICIENT_ALLOWANCE' | 'MEDIUM_LOST' | 'COUNTER_RANGE_OVERLAP'>;

/** The limits and counters a new certificate gets. */
export interface CertQuote {
  readonly capTotal: Amount;
  readonly capPerPayment: Amount;
  readonly ctrFrom: number;
  readonly ctrTo: number;
  readonly nbf: number;
  readonly exp: number;
}

/** A quote, or why there is none. */
export type QuoteResult = { readonly ok: true; readonly quote: CertQuote } | { readonly ok: false; readonly code: IssuanceRefusalCode; readonly message: string };

/** A certificate counts while it is live and not expired. */
const isLive = (c: CertRecord, now: number): boolean => c.status === 'live' && c.exp > now;

/** What one live certificate can still be spent for: its capTotal less what settled under it. */
function remainingOf(medium: MediumState, ctrFrom: string, cert: CertRecord): Amount {
  return cert.capTotal.sub(medium.spent[ctrFrom] ?? Amount.ZERO).max(Amount.ZERO);
}

/**
 * The account's outstanding offline exposure: what its live certificates still allow, summed
 * (DESIGN §11.7: the sum of what certificates allow is on the ledger). `except` leaves one medium
 * out: the one whose certificate a refresh replaces.
 */
export function exposureOf(account: AccountState, now: number, except?: MediaId): Amount {
  let total = Amount.ZERO;
  for (const [mediaId, medium] of Object.entries(account.media)) {
    if (mediaId === except) continue;
    for (const [from, cert] of Object.entries(medium.certs ?? {})) if (isLive(cert, now)) total = total.add(remainingOf(medium, from, cert));
  }
  return total;
}

/** Media of the account holding a live certificate, but `except`. */
function liveMedia(account: AccountState, now: number, except: MediaId): number {
  return Object.entries(account.media).filter(([id, m]) => id !== except && Object.values(m.certs ?? {}).some((c) => isLive(c, now))).length;
}

/**
 * What the account may still be allowed offline by a new certificate of `mediaId`: its wallet and
 * unused credit line, less its open advances and the exposure of every other medium's live
 * certificates. Never negative.
 */
export function allowanceFor(account: AccountState, mediaId: MediaId, now: number): Amount {
  return offlineAvailable(account).sub(account.advance).sub(exposureOf(account, now, mediaId)).max(Amount.ZERO);
}

/** The refusal that comes first, or undefined when the account may hold a certificate for this medium. */
function refusalOf(account: AccountState, mediaId: MediaId, limits: IssuanceLimits, now: number): Exclude<QuoteResult, { ok: true }> | undefined {
  const medium = mediumOf(account, mediaId);
  if (account.status !== 'active' || account.deniedAt !== undefined) {
    return { ok: false, code: 'ACCOUNT_DENIED', message: `account ${account.id} is ${account.deniedAt === undefined ? account.status : 'deny-listed'}: no certificate` };
  }
  if (account.agreement?.status !== 'live') return { ok: false, code: 'NO_AGREEMENT', message: `account ${account.id} has no live direct-debit agreement` };
  if (medium?.deniedAt !== undefined || medium?.lost !== undefined) {
    return { ok: false, code: 'MEDIUM_LOST', message: `medium ${mediaId} is ${medium.lost === undefined ? 'deny-listed' : 'reported lost'}: a new key makes a new medium` };
  }
  if (account.advance.gt(Amount.ZERO) && account.debtSince !== undefined && now - account.debtSince > limits.advanceMaxAgeMs) {
    return { ok: false, code: 'ADVANCE_OVERDUE', message: `account ${account.id} owes an advance since ${account.debtSince}, older than the policy allows: top up first` };
  }
  if (liveMedia(account, now, mediaId) >= limits.maxLiveMedia) {
    return { ok: false, code: 'TOO_MANY_CERTIFICATES', message: `account ${account.id} already holds live certificates on ${limits.maxLiveMedia} media` };
  }
  return undefined;
}

/** The certificate the issuer service may sign for this medium now (docs/wallet.md, "Limits"). */
export function quoteCertificate(account: AccountState, mediaId: MediaId, limits: IssuanceLimits, now: number): QuoteResult {
  const refused = refusalOf(account, mediaId, limits, now);
  if (refused !== undefined) return refused;
  const capTotal = allowanceFor(account, mediaId, now).min(limits.certCapTotal);
  if (!capTotal.gt(Amount.ZERO)) {
    return { ok: false, code: 'INSUFFICIENT_ALLOWANCE', message: `account ${account.id} has nothing left to allow offline (wallet and unused credit, less advances and live certificates)` };
  }
  const ctrFrom = mediumOf(account, mediaId)?.ctrNext ?? 1;
  return { ok: true, quote: {
    capTotal, capPerPayment: limits.certCapPerPayment.min(capTotal), ctrFrom, ctrTo: ctrFrom + limits.certCounters - 1,
    nbf: now - limits.certBackdateMs, exp: now + limits.certValidityMs,
  } };
}

/** A signed certificate's fields, as the contract records them. */
export interface CertToRecord extends CertQuote {
  readonly mediaId: MediaId;
  readonly kind: MediaKind;
  readonly keyId: string;
  readonly digest: string;
}

/**
 * Records a signed certificate on the account if it is within what a quote now allows: the same
 * refusals, capTotal and capPerPayment not above the quote's, a counter range that starts at or
 * after every earlier range of the medium, a validity no longer than the policy's. The medium's
 * earlier live certificate is superseded (a refresh), expired ones past retention are pruned.
 */
export function recordCertificate(account: AccountState, cert: CertToRecord, limits: IssuanceLimits, now: number): { ok: true; account: AccountState } | Exclude<QuoteResult, { ok: true }> {
  const quoted = quoteCertificate(account, cert.mediaId, limits, now);
  if (!quoted.ok) return quoted;
  const q = quoted.quote;
  if (cert.capTotal.gt(q.capTotal) || cert.capPerPayment.gt(q.capPerPayment)) {
    return { ok: false, code: 'INSUFFICIENT_ALLOWANCE', message: `certificate allows ${cert.capTotal.toString()} (${cert.capPerPayment.toString()} a payment); the account allows ${q.capTotal.toString()} (${q.capPerPayment.toString()}) now` };
  }
  if (cert.ctrFrom < q.ctrFrom) {
    return { ok: false, code: 'COUNTER_RANGE_OVERLAP', message: `counters ${cert.ctrFrom}..${cert.ctrTo} overlap an earlier certificate of ${cert.mediaId} (next free counter ${q.ctrFrom})` };
  }
  if (cert.exp - cert.nbf > limits.certValidityMs + limits.certBackdateMs || cert.nbf < now - limits.certBackdateMs - QUOTE_MAX_AGE_MS || cert.exp <= now || cert.ctrTo - cert.ctrFrom + 1 > limits.certCounters) {
    return { ok: false, code: 'INSUFFICIENT_ALLOWANCE', message: 'certificate validity or counter count beyond the policy, or already expired' };
  }
  return { ok: true, account: withCertificate(account, cert.mediaId, cert.kind, {
    ctrTo: cert.ctrTo, capTotal: cert.capTotal, capPerPayment: cert.capPerPayment, nbf: cert.nbf, exp: cert.exp, keyId: cert.keyId, digest: cert.digest, recordedAt: now, status: 'live',
  }, cert.ctrFrom, now) };
}

/** The account with a new live certificate on the medium: its earlier live one superseded, expired ones past retention pruned, the next free counter after it. */
function withCertificate(account: AccountState, mediaId: MediaId, kind: MediaKind, record: CertRecord, ctrFrom: number, now: number): AccountState {
  const medium: MediumState = mediumOf(account, mediaId) ?? { used: {}, spent: {} };
  const certs: Record<string, CertRecord> = {};
  for (const [from, c] of Object.entries(medium.certs ?? {})) {
    if (c.exp + CERT_RETENTION_MS < now) continue;
    certs[from] = c.status === 'live' ? { ...c, status: 'superseded' } : c;
  }
  certs[String(ctrFrom)] = record;
  return { ...account, media: { ...account.media, [mediaId]: { ...medium, kind, certs, ctrNext: record.ctrTo + 1 } } };
}

/**
 * The account as if the quoted certificate were already recorded: what a later quote of the same
 * account in one group must see (the exposure it holds, the counters it takes). Never written; the
 * certificate itself is recorded, and checked again, by recordCertificate.
 */
export function holdQuote(account: AccountState, mediaId: MediaId, quote: CertQuote, now: number): AccountState {
  const kind = mediumOf(account, mediaId)?.kind ?? (mediaId.startsWith('c-') ? 'card' : 'wallet');
  return withCertificate(account, mediaId, kind, {
    ctrTo: quote.ctrTo, capTotal: quote.capTotal, capPerPayment: quote.capPerPayment, nbf: quote.nbf, exp: quote.exp, keyId: '', digest: '', recordedAt: now, status: 'live',
  }, quote.ctrFrom, now);
}

/** Every live certificate of a medium revoked (a loss report, a withdrawn agreement). */
export function revokeCertificates(medium: MediumState): MediumState {
  const certs: Record<string, CertRecord> = {};
  for (const [from, c] of Object.entries(medium.certs ?? {})) certs[from] = c.status === 'live' ? { ...c, status: 'revoked' } : c;
  return { ...medium, certs };
}

/**
 * What settlement notes of a sale's certificate (protocol.md, "Flags"): `cert-unrecorded` when the
 * ledger holds no record of it (made outside the issuer service), `cert-superseded` when a refresh
 * had replaced it, `cert-revoked` when a loss report or a withdrawn agreement had revoked it.
 */
export function certFinding(medium: { readonly certs?: MediumState['certs'] } | undefined, cert: { readonly ctrFrom: number; readonly ctrTo: number; readonly capTotal: Amount; readonly exp: number }): 'cert-unrecorded' | 'cert-superseded' | 'cert-revoked' | undefined {
  const recorded = medium?.certs?.[String(cert.ctrFrom)];
  if (recorded === undefined || recorded.ctrTo !== cert.ctrTo || !recorded.capTotal.equals(cert.capTotal) || recorded.exp !== cert.exp) return 'cert-unrecorded';
  if (recorded.status === 'superseded') return 'cert-superseded';
  if (recorded.status === 'revoked') return 'cert-revoked';
  return undefined;
}
