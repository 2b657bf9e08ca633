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

/** Offline risk limits the ledger holds terminals to (versioned on the ledger). */
export interface RiskPolicy extends OfflineLimits {
  /** How far a terminal's clock may run ahead of the ledger's before its records count as from the future. */
  readonly maxClockSkewMs: number;
  /** Oldest a tap authorisation may be when the sale is recorded. */
  readonly tapMaxAgeMs: number;
  /** Face payments carry no payer signature, so they get their own, lower cap. */
  readonly faceCapPerPayment: Amount;
  /** Lowest face-match score (per mille) a terminal may accept. */
  readonly faceMinScore: number;
}

/** The offline limits of a policy set before they existed (a day offline, 20 sales and 200.00 per medium and day). */
export const DEFAULT_OFFLINE_LIMITS: OfflineLimits = {
  offlineMaxMs: 86_400_000, mediumDailyCount: 20, mediumDailyAmount: Amount.parse('20000'), edgeTimeoutMs: 300, edgeOverflow: 'advance',
};

const OFFLINE_FIELDS = ['offlineMaxMs', 'mediumDailyCount', 'mediumDailyAmount', 'edgeTimeoutMs', 'edgeOverflow'];

/** Parses a risk policy document; the offline limits are optional (their defaults above). */
export function parseRiskPolicy(value: unknown): RiskPolicy {
  const r = FieldReader.of(value, 'riskPolicy', ['maxClockSkewMs', 'tapMaxAgeMs', 'faceCapPerPayment', 'faceMinScore'], OFFLINE_FIELDS);
  const d = DEFAULT_OFFLINE_LIMITS;
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
  };
}

/** A risk policy as stored and served: amounts as minor-unit strings. */
export function riskPolicyToJson(p: RiskPolicy): JsonValue {
  return {
    maxClockSkewMs: p.maxClockSkewMs, tapMaxAgeMs: p.tapMaxAgeMs, faceCapPerPayment: p.faceCapPerPayment.toString(), faceMinScore: p.faceMinScore,
    offlineMaxMs: p.offlineMaxMs, mediumDailyCount: p.mediumDailyCount, mediumDailyAmount: p.mediumDailyAmount.toString(),
    edgeTimeoutMs: p.edgeTimeoutMs, edgeOverflow: p.edgeOverflow,
  };
}
