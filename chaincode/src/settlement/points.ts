import { Amount } from '../core/amount';
import { DomainError } from '../core/errors';
import { FieldReader, isJsonObject } from '../core/fields';
import { parseMerchantId, type MerchantId } from '../core/ids';

/**
 * Campus points policy (DESIGN §5, Points), versioned: each version applies to payments settled
 * while it is current. Points are whole units; they never touch money books.
 */
export interface PointsPolicy {
  readonly version: number;
  /** Points per 1000 minor units spent (e.g. 10 = one point per 1.00 CNY). */
  readonly ratePerMille: number;
  /** Per-merchant multiplier in per mille (1000 = ×1); merchants not listed get 1000. */
  readonly multipliers: Readonly<Record<string, number>>;
  /** Most points one account may earn per UTC day. */
  readonly dailyCap: Amount;
  /**
   * Points a sale paid in points costs per 1000 minor units of its price (1000: one point per minor
   * unit). The merchant is paid the full price from the operator's points fund. Absent: points
   * cannot be spent, and a sale paid in points is rejected (POINTS_NOT_REDEEMABLE).
   */
  readonly redeemPointsPerMille?: number;
  /** Points lapse this many days after the UTC day they were earned. Absent: only at graduation. */
  readonly expiryDays?: number;
}

const OPTIONAL = ['redeemPointsPerMille', 'expiryDays'] as const;

/** Parses a policy document; the version is assigned by the ledger. */
export function parsePointsPolicy(value: unknown, version: number): PointsPolicy {
  const r = FieldReader.of(value, 'pointsPolicy', ['ratePerMille', 'multipliers', 'dailyCap'], OPTIONAL);
  const raw = r.raw('multipliers');
  if (!isJsonObject(raw)) throw new DomainError('INVALID_FIELD', 'pointsPolicy.multipliers must be an object', { field: 'multipliers' });
  const multipliers: Record<string, number> = {};
  for (const [merchant, m] of Object.entries(raw)) {
    parseMerchantId(merchant, 'multipliers');
    if (typeof m !== 'number' || !Number.isSafeInteger(m) || m < 0 || m > 100_000) {
      throw new DomainError('INVALID_FIELD', `pointsPolicy.multipliers.${merchant} must be an integer 0..100000`, { field: 'multipliers' });
    }
    multipliers[merchant] = m;
  }
  return {
    version, ratePerMille: r.int('ratePerMille', 0, 1_000_000), multipliers, dailyCap: r.nonNegativeAmount('dailyCap'),
    ...(r.has('redeemPointsPerMille') ? { redeemPointsPerMille: r.int('redeemPointsPerMille', 1, 1_000_000_000) } : {}),
    ...(r.has('expiryDays') ? { expiryDays: r.int('expiryDays', 1, 36_500) } : {}),
  };
}

/** Policy as stored. */
export function pointsPolicyToJson(p: PointsPolicy): {
  version: number; ratePerMille: number; multipliers: Record<string, number>; dailyCap: string; redeemPointsPerMille?: number; expiryDays?: number;
} {
  return {
    version: p.version, ratePerMille: p.ratePerMille, multipliers: { ...p.multipliers }, dailyCap: p.dailyCap.toString(),
    ...(p.redeemPointsPerMille === undefined ? {} : { redeemPointsPerMille: p.redeemPointsPerMille }),
    ...(p.expiryDays === undefined ? {} : { expiryDays: p.expiryDays }),
  };
}

/** Reads a stored policy. */
export function pointsPolicyFromJson(value: unknown): PointsPolicy {
  const r = FieldReader.of(value, 'pointsPolicy', ['version', 'ratePerMille', 'multipliers', 'dailyCap'], OPTIONAL);
  const optional = Object.fromEntries(OPTIONAL.filter((k) => r.has(k)).map((k) => [k, r.raw(k)]));
  return parsePointsPolicy({ ratePerMille: r.raw('ratePerMille'), multipliers: r.raw('multipliers'), dailyCap: r.raw('dailyCap'), ...optional }, r.int('version', 1));
}

/** UTC day number of a ledger time: the daily cap's period. */
export const dayOf = (epochMs: number): number => Math.floor(epochMs / 86_400_000);

/**
 * Points a payment earns: floor(amount × rate × multiplier / 10^6), then cut to what is left of the
 * account's daily cap. Integer arithmetic only.
 */
export function pointsFor(policy: PointsPolicy, merchant: MerchantId, amount: Amount, earnedToday: Amount): Amount {
  const multiplier = Object.hasOwn(policy.multipliers, merchant) ? (policy.multipliers[merchant] ?? 1000) : 1000;
  const earned = amount.mulRatio(BigInt(policy.ratePerMille) * BigInt(multiplier), 1_000_000n, 'floor');
  return earned.min(policy.dailyCap.sub(earnedToday).max(Amount.ZERO));
}

/** Points a sale paid in points costs: ceil(price × redeemPointsPerMille / 1000); undefined when points cannot be spent. */
export function pointsDue(policy: PointsPolicy | undefined, price: Amount): Amount | undefined {
  if (policy?.redeemPointsPerMille === undefined) return undefined;
  return price.mulRatio(BigInt(policy.redeemPointsPerMille), 1000n, 'ceil');
}
