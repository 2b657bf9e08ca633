import { Amount } from '../core/amount';
import { assertNever } from '../core/errors';
import type { EpochMs } from '../core/time';
import type { AccountState } from './account';

/**
 * What an account may still spend offline: its wallet and the unused part of its credit line.
 * Nothing for an account in clearance, closed, or deny-listed: terminals must refuse it anyway.
 */
export function offlineAvailable(a: AccountState): Amount {
  if (a.status !== 'active' || a.deniedAt !== undefined) return Amount.ZERO;
  const credit = a.creditLine.sub(a.creditUsed);
  return a.wallet.add(credit.isNegative() ? Amount.ZERO : credit);
}

/**
 * One site's escrowed slice of an account's offline allowance (docs/edge.md): the available amount
 * divided by the number of sites, rounded down, so that the slices of all sites never add up to
 * more than the account can cover, even while every site is cut off from the others.
 */
export function siteSlice(available: Amount, sites: number): Amount {
  if (!Number.isSafeInteger(sites) || sites < 1) throw new Error(`sites must be a positive integer, got ${sites}`);
  return available.mulRatio(1n, BigInt(sites), 'floor');
}

/**
 * Whether an edge served its site at a sale's time, so its approval of that sale counts: an active
 * edge does; a retired one did for sales up to its retirement (approvals it gave before it was
 * retired settle as approved when they arrive later); a revoked one never did (its key is distrusted).
 */
export function edgeServedAt(edge: { readonly status: 'active' | 'revoked' | 'retired'; readonly retiredAt?: EpochMs }, saleAt: EpochMs): boolean {
  switch (edge.status) {
    case 'active': return true;
    case 'retired': return edge.retiredAt !== undefined && saleAt <= edge.retiredAt;
    case 'revoked': return false;
    default: return assertNever(edge.status);
  }
}
