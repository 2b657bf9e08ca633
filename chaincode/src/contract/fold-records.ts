/**
 * Funding at the fold (docs/settlement.md): the transactions that fund settled charges
 * (FoldCharges), list the ones still waiting (ListPendingCharges), and give double-spent media
 * their deny-list versions (PublishDenials); and what a payment read shows of its funding. The
 * rule itself is settlement/fold.ts; Ledger.fold writes it.
 */
import { DomainError } from '../core/errors';
import { isJsonObject } from '../core/fields';
import { parseAccountId, parseMediaId, type AccountId } from '../core/ids';
import { parseStrictJson, type JsonValue } from '../core/strict-json';
import { fundingKind } from '../settlement/fold';
import { decode, pad } from './codec';
import { withDenied } from './deny-entries';
import { chargeFromJson, fundedFromJson } from './fold-codec';
import { K } from './keys';
import { txTime, type Ledger } from './ledger-records';

/** Most charges, and most accounts, one FoldCharges transaction funds. */
export const MAX_FOLD_CHARGES = 2000;
export const MAX_FOLD_ACCOUNTS = 500;
/** Most charges one ListPendingCharges answers. */
export const MAX_PENDING_LIST = 5000;

const PAYMENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}:[1-9][0-9]{0,15}$/;

/** FoldCharges' argument: `[[account, paymentId], ...]`, grouped by account in the order first named. */
export function parseChargePairs(text: unknown): Map<AccountId, string[]> {
  const bad = (message: string): DomainError => new DomainError('INVALID_FIELD', `charges ${message}`, { field: 'charges' });
  if (typeof text !== 'string') throw bad('must be a JSON array of [account, paymentId] pairs');
  const value = parseStrictJson(text, { maxBytes: 256 * 1024 });
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_FOLD_CHARGES) throw bad(`must hold 1 to ${MAX_FOLD_CHARGES} [account, paymentId] pairs`);
  const out = new Map<AccountId, string[]>();
  const seen = new Set<string>();
  for (const pair of value) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== 'string' || !PAYMENT_ID.test(pair[1])) throw bad('entries must be [account, "<terminalId>:<seq>"]');
    const account = parseAccountId(pair[0], 'charges');
    if (seen.has(`${account}\n${pair[1]}`)) continue;
    seen.add(`${account}\n${pair[1]}`);
    out.set(account, [...(out.get(account) ?? []), pair[1]]);
  }
  if (out.size > MAX_FOLD_ACCOUNTS) throw bad(`may name at most ${MAX_FOLD_ACCOUNTS} accounts`);
  return out;
}

/** Funds the named charges, account by account; answers how many were folded (already folded ones are skipped), and how many cards it found tampered (their denials await PublishDenials). */
export async function foldChargePairs(ledger: Ledger, pairs: ReadonlyMap<AccountId, readonly string[]>): Promise<JsonValue> {
  const ids = [...pairs.keys()].sort();
  const counts = await Promise.all(ids.map((id) => ledger.foldNamed(id, pairs.get(id) ?? [])));
  await ledger.writeFoldPostings();
  return { folded: counts.reduce((a, b) => a + b, 0), accounts: counts.filter((n) => n > 0).length, denials: ledger.foldDenials };
}

/** The charges still awaiting funding, in key order (account, then payment), at most `limit`. */
export async function pendingChargeList(ledger: Ledger, limit: string): Promise<JsonValue> {
  if (!/^[1-9][0-9]{0,3}$/.test(limit) || Number(limit) > MAX_PENDING_LIST) {
    throw new DomainError('INVALID_FIELD', `limit must be a whole number 1..${MAX_PENDING_LIST}`, { field: 'limit' });
  }
  const n = Number(limit);
  // One more than asked says whether there are more; the rest of the range is never read.
  const found = (await ledger.store.first(K.charge, [], n + 1)).map((e) => chargeFromJson(decode(e.value)));
  return {
    charges: found.slice(0, n).map((c) => ({ account: c.account, paymentId: c.paymentId, amount: c.amount.toString(), at: c.at, settledAt: c.settledAt })),
    more: found.length > n,
  };
}

/**
 * Gives each medium found double-spent since the last call its deny-list version, in key order:
 * the entry, the medium's denial on its account (and payer view), the list's head. Settlement
 * only notes the denial (`deny-pending/<mediaId>`), so that no batch reads a version counter every
 * double spend writes; the gateway runs this after any group that found one.
 */
export async function publishDenials(ledger: Ledger): Promise<JsonValue> {
  const [pending, start] = await Promise.all([ledger.all(K.denyPending, [], pendingDenialFromJson), ledger.denyVersion()]);
  let version = start;
  const at = txTime(ledger.ctx);
  for (const d of pending) {
    const a = await ledger.account(d.account);
    const state = Object.hasOwn(a.media, d.mediaId) ? a.media[d.mediaId] : undefined;
    if (state?.deniedAt === undefined) {
      version += 1;
      await ledger.write(K.deny, [pad(version)], { version, kind: 'medium', id: d.mediaId, reason: `double spend, case ${d.caseId}`, at });
      await ledger.putAccount(withDenied(a, 'medium', d.mediaId, version));
    }
    await ledger.remove(K.denyPending, [d.mediaId]);
  }
  if (version !== start) await ledger.write(K.config, ['denyVersion'], version);
  return { published: version - start, denyListVersion: version };
}

function pendingDenialFromJson(value: JsonValue): { mediaId: string; account: AccountId; caseId: string } {
  if (!isJsonObject(value) || typeof value.caseId !== 'string') throw new DomainError('INVALID_FIELD', 'a pending denial must name its case');
  return { mediaId: parseMediaId(value.mediaId), account: parseAccountId(value.account), caseId: value.caseId };
}

/**
 * What a payment read shows of its funding: `pending` until a fold decides it; then where the money
 * came from (`wallet`, `credit`, or `advance` when the guarantee fund fronted any of it), the split,
 * the points and the fold's flags. `decided` is a funding settlement already fixed (a closed
 * account's referred sale).
 */
export async function fundingOf(ledger: Ledger, paymentId: string, account: AccountId, decided: JsonValue | undefined): Promise<JsonValue> {
  const [funded, charge] = await Promise.all([ledger.read(K.funded, [paymentId], fundedFromJson), ledger.read(K.charge, [account, paymentId], chargeFromJson)]);
  if (funded !== undefined) {
    return {
      kind: fundingKind(funded.funding, funded.redeemed), ...(funded.redeemed === undefined ? {} : { redeemed: funded.redeemed.toString() }),
      ...(funded.funding.purse === undefined ? {} : { purse: funded.funding.purse.toString() }), wallet: funded.funding.wallet.toString(), credit: funded.funding.credit.toString(), advance: funded.funding.advance.toString(),
      points: funded.points.toString(), flags: [...funded.flags], foldedAt: funded.foldedAt,
    };
  }
  if (charge !== undefined || !isJsonObject(decided)) return 'pending';
  return { kind: 'advance', ...decided, points: '0', flags: ['post-closure-referred'], foldedAt: null };
}
