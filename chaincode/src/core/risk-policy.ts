import { Amount } from './amount';
import { FieldReader } from './fields';
import type { JsonValue } from './strict-json';

/** What an edge does with a sale beyond the student's slice: refuse it, or accept it as a flagged advance. */
export type EdgeOverflow = 'refuse' | 'advance';

/** Limits a terminal applies alone, offline (terminal/ enforces them; docs/terminal.md). */
export interface OfflineLimits {
  /** Longest a terminal may sell without having synced with the centre (or its edge). */
  readonly offlineMaxMs: number;
  /** Most sales one medium (or face account) may make at one terminal in one UTC day. */
  readonly mediumDailyCount: number;
  /** Most one medium (or face account) may spend at one terminal in one UTC day. */
  readonly mediumDailyAmount: Amount;
  /** How long a terminal waits for its edge before it decides alone and marks the record. */
  readonly edgeTimeoutMs: number;
  /** A sale beyond the student's slice at the edge. */
  readonly edgeOverflow: EdgeOverflow;
}

/** What the issuer service may put in a media certificate (docs/wallet.md, "Limits"). */
export interface IssuanceLimits {
  /** Highest capTotal of one certificate, whatever the account holds. */
  readonly certCapTotal: Amount;
  /** capPerPayment of every certificate (the payer does not sign a code's amount). */
  readonly certCapPerPayment: Amount;
  /** How long a certificate is valid from its issue: a day offline and a night's margin by default. */
  readonly certValidityMs: number;
  /** How many counters one certificate covers (ctrFrom..ctrTo): counted limits, phone clocks lie. */
  readonly certCounters: number;
  /** Most media of one account with a live certificate at once (a phone, a card, a spare). */
  readonly maxLiveMedia: number;
  /** No certificate while an advance is older than this (the student must top up first). */
  readonly advanceMaxAgeMs: number;
  /** How far before its issue a certificate starts (nbf): a phone's clock a little behind is not refused. */
  readonly certBackdateMs: number;
}

/** Offline risk limits the ledger holds terminals to (versioned on the ledger). */
export interface RiskPolicy extends OfflineLimits, IssuanceLimits {
  /** How far a terminal's clock may run ahead of the ledger's before its records count as from the future. */
  readonly maxClockSkewMs: number;
  /** Oldest a tap authorisation may be when the sale is recorded. */
  readonly tapMaxAgeMs: number;
  /** Face payments carry no payer signature, so they get their own, lower cap. */
  readonly faceCapPerPayment: Amount;
  /** Lowest face-match score (per mille) a terminal may accept. */
  readonly faceMinScore: number;
  /** How long after a purse card's loss report its purse is refunded: purchases still arriving are settled first (default 7 days). */
  readonly purseRefundWaitMs: number;
}

/** A lost purse card's refund waits this long by default: terminals offline for days still upload. */
export const DEFAULT_PURSE_REFUND_WAIT_MS = 7 * 86_400_000;

/** The offline limits of a policy set before they existed (a day offline, 20 sales and 200.00 per medium and day). */
export const DEFAULT_OFFLINE_LIMITS: OfflineLimits = {
  offlineMaxMs: 86_400_000, mediumDailyCount: 20, mediumDailyAmount: Amount.parse('20000'), edgeTimeoutMs: 300, edgeOverflow: 'advance',
};

/** The issuance limits of a policy set before they existed: 500.00 per certificate, 50.00 a payment, 36 h, 200 counters, 3 media, 30 days. */
export const DEFAULT_ISSUANCE_LIMITS: IssuanceLimits = {
  certCapTotal: Amount.parse('50000'), certCapPerPayment: Amount.parse('5000'), certValidityMs: 36 * 3_600_000, certCounters: 200,
  maxLiveMedia: 3, advanceMaxAgeMs: 30 * 86_400_000, certBackdateMs: 5 * 60_000,
};

const OFFLINE_FIELDS = ['offlineMaxMs', 'mediumDailyCount', 'mediumDailyAmount', 'edgeTimeoutMs', 'edgeOverflow'];
const ISSUANCE_FIELDS = ['certCapTotal', 'certCapPerPayment', 'certValidityMs', 'certCounters', 'maxLiveMedia', 'advanceMaxAgeMs', 'certBackdateMs'];

/** Parses a risk policy document; the offline limits are optional (their defaults above). */
export function parseRiskPolicy(value: unknown): RiskPolicy {
  const r = FieldReader.of(value, 'riskPolicy', ['maxClockSkewMs', 'tapMaxAgeMs', 'faceCapPerPayment', 'faceMinScore'], [...OFFLINE_FIELDS, ...ISSUANCE_FIELDS, 'purseRefundWaitMs']);
  const d = DEFAULT_OFFLINE_LIMITS;
  const i = DEFAULT_ISSUANCE_LIMITS;
  return {
    maxClockSkewMs: r.int('maxClockSkewMs', 0, 86_400_000),
    tapMaxAgeMs: r.int('tapMaxAgeMs', 1, 86_400_000),
    faceCapPerPayment: r.positiveAmount('faceCapPerPayment'),
    faceMinScore: r.int('faceMinScore', 0, 1000),
    offlineMaxMs: r.has('offlineMaxMs') ? r.int('offlineMaxMs', 60_000, 30 * 86_400_000) : d.offlineMaxMs,
    mediumDailyCount: r.has('mediumDailyCount') ? r.int('mediumDailyCount', 1, 1000) : d.mediumDailyCount,
    mediumDailyAmount: r.has('mediumDailyAmount') ? r.positiveAmount('mediumDailyAmount') : d.mediumDailyAmount,
    edgeTimeoutMs: r.has('edgeTimeoutMs') ? r.int('edgeTimeoutMs', 10, 10_000) : d.edgeTimeoutMs,
    edgeOverflow: r.has('edgeOverflow') ? r.oneOf('edgeOverflow', ['refuse', 'advance'] as const) : d.edgeOverflow,
    certCapTotal: r.has('certCapTotal') ? r.positiveAmount('certCapTotal') : i.certCapTotal,
    certCapPerPayment: r.has('certCapPerPayment') ? r.positiveAmount('certCapPerPayment') : i.certCapPerPayment,
    certValidityMs: r.has('certValidityMs') ? r.int('certValidityMs', 60_000, 30 * 86_400_000) : i.certValidityMs,
    certCounters: r.has('certCounters') ? r.int('certCounters', 1, 100_000) : i.certCounters,
    maxLiveMedia: r.has('maxLiveMedia') ? r.int('maxLiveMedia', 1, 20) : i.maxLiveMedia,
    advanceMaxAgeMs: r.has('advanceMaxAgeMs') ? r.int('advanceMaxAgeMs', 0, 3650 * 86_400_000) : i.advanceMaxAgeMs,
    certBackdateMs: r.has('certBackdateMs') ? r.int('certBackdateMs', 0, 86_400_000) : i.certBackdateMs,
    purseRefundWaitMs: r.has('purseRefundWaitMs') ? r.int('purseRefundWaitMs', 0, 90 * 86_400_000) : DEFAULT_PURSE_REFUND_WAIT_MS,
  };
}

/** A risk policy as stored and served: amounts as minor-unit strings. */
export function riskPolicyToJson(p: RiskPolicy): JsonValue {
  return {
    maxClockSkewMs: p.maxClockSkewMs, tapMaxAgeMs: p.tapMaxAgeMs, faceCapPerPayment: p.faceCapPerPayment.toString(), faceMinScore: p.faceMinScore,
    offlineMaxMs: p.offlineMaxMs, mediumDailyCount: p.mediumDailyCount, mediumDailyAmount: p.mediumDailyAmount.toString(),
    edgeTimeoutMs: p.edgeTimeoutMs, edgeOverflow: p.edgeOverflow,
    certCapTotal: p.certCapTotal.toString(), certCapPerPayment: p.certCapPerPayment.toString(), certValidityMs: p.certValidityMs,
    certCounters: p.certCounters, maxLiveMedia: p.maxLiveMedia, advanceMaxAgeMs: p.advanceMaxAgeMs, certBackdateMs: p.certBackdateMs,
    purseRefundWaitMs: p.purseRefundWaitMs,
  };
}
