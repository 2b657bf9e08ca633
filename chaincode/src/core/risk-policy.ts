import type { Amount } from './amount';
import { FieldReader } from './fields';

/** Offline risk limits the ledger holds terminals to (versioned on the ledger). */
export interface RiskPolicy {
  /** How far a terminal's clock may run ahead of the ledger's before its records count as from the future. */
  readonly maxClockSkewMs: number;
  /** Oldest a tap authorisation may be when the sale is recorded. */
  readonly tapMaxAgeMs: number;
  /** Face payments carry no payer signature, so they get their own, lower cap. */
  readonly faceCapPerPayment: Amount;
  /** Lowest face-match score (per mille) a terminal may accept. */
  readonly faceMinScore: number;
}

/** Parses a risk policy document. */
export function parseRiskPolicy(value: unknown): RiskPolicy {
  const r = FieldReader.of(value, 'riskPolicy', ['maxClockSkewMs', 'tapMaxAgeMs', 'faceCapPerPayment', 'faceMinScore']);
  return {
    maxClockSkewMs: r.int('maxClockSkewMs', 0, 86_400_000),
    tapMaxAgeMs: r.int('tapMaxAgeMs', 1, 86_400_000),
    faceCapPerPayment: r.positiveAmount('faceCapPerPayment'),
    faceMinScore: r.int('faceMinScore', 0, 1000),
  };
}
