/**
 * Campus points as a liability (docs/settlement.md, "Campus value"): lapsing points by policy over
 * a list of accounts, and the roll-forward an auditor reads for any period. The rules are in
 * settlement/points-lots.ts and points-supply.ts; this module reads and writes their records.
 */
import { DomainError } from '../core/errors';
import { parseAccountId } from '../core/ids';
import type { JsonValue } from '../core/strict-json';
import { linesByAccount, type Posting } from '../settlement/books';
import { expireLots, lapsedThrough } from '../settlement/points-lots';
import { pointsMovements, pointsSupplyOf, rollForward, type PointsMovements } from '../settlement/points-supply';
import { accountFromJson } from './codec';
import { journalFromJson } from './fold-codec';
import { K } from './keys';
import { txTime, type Ledger } from './ledger-records';

/** Most accounts one ExpirePoints transaction lapses (a nightly job pages through the rest). */
export const EXPIRE_MAX = 500;

/** Parses the account list of ExpirePoints: 1..500 distinct account ids. */
export function parseExpiryList(value: JsonValue): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > EXPIRE_MAX) {
    throw new DomainError('INVALID_FIELD', `accounts must be an array of 1..${EXPIRE_MAX} account ids`, { field: 'accounts' });
  }
  const ids = value.map((v) => parseAccountId(v, 'accounts'));
  if (new Set(ids).size !== ids.length) throw new DomainError('INVALID_FIELD', 'accounts must not repeat an account', { field: 'accounts' });
  return ids;
}

/**
 * Lapses the points of each account earned `expiryDays` or more days ago under the policy current
 * now; all or nothing (an unknown account refuses the whole list). Accounts with nothing due are
 * left unwritten. Without `expiryDays` nothing lapses.
 */
export async function expirePoints(ledger: Ledger, ids: readonly string[]): Promise<JsonValue> {
  const [accounts, policy] = await Promise.all([ledger.accounts(ids), ledger.currentPointsPolicy()]);
  const through = lapsedThrough(policy, txTime(ledger.ctx));
  const postings: Posting[] = [];
  const expired: { account: string; points: string }[] = [];
  const writes: Promise<void>[] = [];
  const lapsed = accounts.map((a, i) => {
    if (a === undefined) throw new DomainError('NOT_FOUND', `account ${ids[i] ?? ''} does not exist`);
    return expireLots(a, through);
  });
  for (const r of lapsed) {
    if (r.postings.length === 0) continue;
    postings.push(...r.postings);
    expired.push({ account: r.account.id, points: r.expired.toString() });
  }
  const lines = linesByAccount(postings);
  for (const r of lapsed) if (r.postings.length > 0) writes.push(ledger.putAccount(r.account, lines.get(r.account.id) ?? []));
  await Promise.all([...writes, ledger.writePostings([ledger.ctx.stub.getTxID()], postings)]);
  return { lapsedThrough: through === undefined ? null : dayText(through), accounts: ids.length, expired };
}

const DAY_MS = 86_400_000;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** A UTC date `YYYY-MM-DD` as its day number. */
export function parseDay(value: unknown, field: string): number {
  const m = typeof value === 'string' ? DATE.exec(value) : null;
  const ms = m === null ? NaN : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (m === null || !Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new DomainError('INVALID_FIELD', `${field} must be a UTC date YYYY-MM-DD`, { field });
  }
  return ms / DAY_MS;
}

/** A day number as `YYYY-MM-DD`. */
export const dayText = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

const movementsToJson = (m: PointsMovements): { issued: string; redeemed: string; expired: string; compensated: string } => ({
  issued: m.issued.toString(), redeemed: m.redeemed.toString(), expired: m.expired.toString(), compensated: m.compensated.toString(),
});

/**
 * The points roll-forward over the UTC days [from, to]: opening + issued − redeemed − expired =
 * closing, from the points journal; reconciled when the journal's totals equal the movements of
 * every posting on the ledger and the points outstanding equal what the accounts hold.
 */
export async function pointsRollForward(ledger: Ledger, from: string, to: string): Promise<JsonValue> {
  const fromDay = parseDay(from, 'from');
  const toDay = parseDay(to, 'to');
  if (toDay < fromDay) throw new DomainError('INVALID_FIELD', 'to must not be before from', { field: 'to' });
  const [journal, postings, accounts] = await Promise.all([
    ledger.all(K.pointsJournal, [], journalFromJson), ledger.postings(), ledger.all(K.account, [], accountFromJson),
  ]);
  const r = rollForward(journal, fromDay, toDay);
  const posted = pointsMovements(postings);
  const supply = pointsSupplyOf(postings, accounts.map((a) => a.points));
  const journalMatches = (['issued', 'redeemed', 'expired', 'compensated'] as const).every((k) => r.total[k].equals(posted[k]));
  return {
    from, to, opening: r.opening.toString(), ...movementsToJson(r.period), closing: r.closing.toString(),
    ledger: { ...movementsToJson(posted), outstanding: supply.supply.toString(), heldByAccounts: supply.heldByAccounts.toString() },
    reconciled: journalMatches && supply.consistent,
  };
}
