import { canonicalJson } from '../core/canonical-json';
import { DomainError } from '../core/errors';
import { FieldReader } from '../core/fields';
import { parseAccountId, parseGroupId, type AccountId } from '../core/ids';
import { parseStrictJson, type JsonValue } from '../core/strict-json';
import { openAccount, topUp as applyTopUp, withDebtClock, type AccountState } from '../settlement/account';
import { linesByAccount, type Posting } from '../settlement/books';
import { K } from './keys';
import { txTime, type Ledger } from './ledger-records';
import type { Amount } from '../core/amount';

/** Most entries one bulk transaction (OpenAccounts, TopUps) carries. */
export const MAX_BULK_ENTRIES = 500;

const TOP_UP_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** A bulk argument: a JSON array of 1..MAX_BULK_ENTRIES objects. */
function bulkArg(text: unknown, what: string): JsonValue[] {
  if (typeof text !== 'string') throw new DomainError('INVALID_FIELD', `${what} must be a JSON string`);
  const value = parseStrictJson(text, { maxBytes: 512 * 1024 });
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_BULK_ENTRIES) {
    throw new DomainError('INVALID_FIELD', `${what} must be an array of 1 to ${MAX_BULK_ENTRIES} entries`, { field: what });
  }
  return value;
}

/** One top-up as asked. */
export interface TopUpRequest {
  readonly topUpId: string;
  readonly account: AccountId;
  readonly amount: Amount;
}

/** Parses one top-up request (TopUp's argument, or an entry of TopUps'). */
export function parseTopUpRequest(value: JsonValue): TopUpRequest {
  const r = FieldReader.of(value, 'topUp', ['topUpId', 'account', 'amount']);
  return { topUpId: r.string('topUpId', TOP_UP_ID, 'an identifier'), account: r.parsed('account', parseAccountId), amount: r.positiveAmount('amount') };
}

/**
 * A top-up asked again under its topUpId: the stored receipt when it asks the same (account and
 * amount), else IDEMPOTENCY_CONFLICT, as an idempotency key works in payment APIs.
 */
function sameTopUp(stored: Uint8Array, asked: TopUpRequest): string {
  const text = Buffer.from(stored).toString('utf8');
  const receipt = FieldReader.of(parseStrictJson(text), 'topUp', ['topUpId', 'account', 'amount', 'txId', 'recovered', 'toWallet']);
  const was = { topUpId: receipt.string('topUpId', /^.+$/, 'an identifier'), account: receipt.string('account', /^.+$/, 'an account'), amount: receipt.string('amount', /^.+$/, 'an amount') };
  if (was.account !== asked.account || was.amount !== asked.amount.toString()) {
    throw new DomainError('IDEMPOTENCY_CONFLICT', `topUpId ${was.topUpId} already names a top-up of ${was.amount} to ${was.account}; use a new topUpId for a new top-up`, { field: 'topUpId' });
  }
  return text;
}

/**
 * Books top-ups in one transaction, in the order given (DESIGN §5, Top-up: debt is recovered
 * first). A topUpId already on the ledger answers its stored receipt and books nothing again; one
 * naming another account or amount refuses the whole transaction (IDEMPOTENCY_CONFLICT), as does
 * a closed or unknown account. Answers one canonical receipt per top-up.
 */
export async function bookTopUps(ledger: Ledger, requests: readonly TopUpRequest[]): Promise<string[]> {
  const txId = ledger.ctx.stub.getTxID();
  const now = txTime(ledger.ctx);
  const seen = new Set<string>();
  for (const t of requests) {
    if (seen.has(t.topUpId)) throw new DomainError('INVALID_FIELD', `topUpId ${t.topUpId} appears twice`, { field: 'topUpId' });
    seen.add(t.topUpId);
  }
  const ids = [...new Set(requests.map((t) => t.account))].sort();
  const [previous, found] = await Promise.all([
    Promise.all(requests.map((t) => ledger.store.get(K.topUp, [t.topUpId]))),
    ledger.accounts(ids),
  ]);
  const accounts = new Map<AccountId, AccountState | undefined>(ids.map((id, i) => [id, found[i]]));
  const changed = new Set<AccountId>();
  const postings: Posting[] = [];
  const receipts: string[] = [];
  const writes: Promise<void>[] = [];
  requests.forEach((t, i) => {
    const stored = previous[i];
    if (stored !== undefined) {
      receipts.push(sameTopUp(stored, t)); // retried top-up: same answer, no second credit
      return;
    }
    const account = accounts.get(t.account);
    if (account === undefined) throw new DomainError('NOT_FOUND', `account ${t.account} does not exist`);
    if (account.status === 'closed') throw new DomainError('ACCOUNT_CLOSED', `account ${account.id} is closed`);
    const applied = applyTopUp(account, t.amount, `topup:${t.topUpId}`);
    accounts.set(account.id, withDebtClock(account, applied.account, now));
    changed.add(account.id);
    postings.push(...applied.postings);
    const receipt = {
      topUpId: t.topUpId, account: account.id, amount: t.amount.toString(), txId,
      recovered: { advance: applied.recovery.advance.toString(), credit: applied.recovery.credit.toString() }, toWallet: applied.recovery.wallet.toString(),
    };
    writes.push(ledger.write(K.topUp, [t.topUpId], receipt));
    receipts.push(canonicalJson(receipt)); // canonical, so a retry returns byte-for-byte the stored receipt
  });
  const lines = linesByAccount(postings);
  for (const id of [...changed].sort()) {
    const a = accounts.get(id);
    if (a !== undefined) writes.push(ledger.putAccount(a, lines.get(id) ?? []));
  }
  writes.push(ledger.writePostings([txId], postings));
  await Promise.all(writes);
  return receipts;
}

/** The top-ups of a TopUps call. */
export const parseTopUpList = (text: unknown): TopUpRequest[] => bulkArg(text, 'topUps').map(parseTopUpRequest);

/** Parses one account to open (OpenAccount's argument, or an entry of OpenAccounts'). */
export function parseNewAccount(value: JsonValue): AccountState {
  const r = FieldReader.of(value, 'account', ['account', 'group', 'creditLine']);
  return openAccount(r.parsed('account', parseAccountId), r.parsed('group', parseGroupId), r.nonNegativeAmount('creditLine'));
}

/** The accounts of an OpenAccounts call. */
export const parseNewAccountList = (text: unknown): AccountState[] => bulkArg(text, 'accounts').map(parseNewAccount);

/**
 * Opens accounts in one transaction (one, or an enrolment import from the registry): every entry
 * is checked before anything is written, and an id that exists, or appears twice, refuses the
 * whole import (ALREADY_EXISTS / INVALID_FIELD), so an import is all or nothing.
 */
export async function openAccounts(ledger: Ledger, states: readonly AccountState[]): Promise<number> {
  const ids = new Set<string>();
  for (const s of states) {
    if (ids.has(s.id)) throw new DomainError('INVALID_FIELD', `account ${s.id} appears twice`, { field: 'account' });
    ids.add(s.id);
  }
  const existing = await Promise.all(states.map((s) => ledger.store.get(K.account, [s.id])));
  const taken = states.find((_s, i) => existing[i] !== undefined);
  if (taken !== undefined) throw new DomainError('ALREADY_EXISTS', `account ${taken.id} exists`);
  await Promise.all(states.map((s) => ledger.putAccount(s)));
  return states.length;
}

/** A booked top-up's receipt, exactly as stored (its text is what the first booking answered). */
export async function topUpReceipt(ledger: Ledger, topUpId: string): Promise<string> {
  const stored = await ledger.store.get(K.topUp, [topUpId]);
  if (stored === undefined) throw new DomainError('NOT_FOUND', `no top-up ${topUpId}`);
  return Buffer.from(stored).toString('utf8');
}
