/**
 * The audit queries' work (the contract's read-only transactions in settlement-contract.ts check
 * the caller's role, then ask here): what the ledger holds, read and summed, never written.
 */
import { Amount } from '../core/amount';
import { DomainError } from '../core/errors';
import { FieldReader, isJsonObject } from '../core/fields';
import { parseAccountId, parseDigest, parseKeyId, parseMerchantId, parseTerminalId } from '../core/ids';
import type { JsonValue } from '../core/strict-json';
import { storedBalances, type AccountState } from '../settlement/account';
import { advanceBooks } from '../settlement/advances';
import { book, checkInvariant, postingToJson } from '../settlement/books';
import { checkPendingCharges } from '../settlement/fold';
import { ageDebts } from '../settlement/debt-ageing';
import { pointsPolicyFromJson, pointsPolicyToJson } from '../settlement/points';
import { pointsSupplyOf } from '../settlement/points-supply';
import { inLedgerOrder, settlingSubmission } from '../settlement/settling-submission';
import { statementMismatches } from '../settlement/statement-proof';
import { SEQ_CHUNK, accountFromJson, decode, pad, seqChunkFromJson } from './codec';
import { HOUR_INDEX_END, HOUR_MS, K, hourKey } from './keys';
import { fundingOf } from './fold-records';
import { txTime, type Ledger } from './ledger-records';
import { shadowBalance } from '../settlement/purse-shadow';
import { chargeFromJson, purseFromJson } from './fold-codec';

/** A stored number, or 0 where an older record lacks it (sort keys). */
export const numberOr0 = (v: unknown): number => (typeof v === 'number' ? v : 0);

const balancesJson = (a: AccountState): Record<string, string> => Object.fromEntries(storedBalances(a).map(([k, v]) => [k, v.toString()]));

/** Payments by terminal, merchant and time range (ms, from inclusive, to exclusive), in time order. */
export async function payments(ledger: Ledger, query: JsonValue): Promise<JsonValue> {
  const r = FieldReader.of(query, 'query', [], ['terminalId', 'merchantId', 'from', 'to']);
  const terminalId = r.has('terminalId') ? r.parsed('terminalId', parseTerminalId) : undefined;
  const merchantId = r.has('merchantId') ? r.parsed('merchantId', parseMerchantId) : undefined;
  const from = r.has('from') ? r.int('from') : 0;
  const to = r.has('to') ? r.int('to') : Number.MAX_SAFE_INTEGER;
  let batches: JsonValue[];
  if (r.has('from') || r.has('to')) {
    // A time range: the hour index names the batches with sales in it, filtered before any is read.
    const end = r.has('to') ? hourKey(Math.floor((Math.max(to, 1) - 1) / HOUR_MS) + 1) : HOUR_INDEX_END;
    const refs = new Map<string, string[]>();
    for (const e of await ledger.store.range(hourKey(Math.floor(from / HOUR_MS)), end)) {
      const ref = FieldReader.of(decode(e.value), 'index entry', ['terminalId', 'merchantId', 'batchSeq', 'txId'], ['entry']);
      const refTerminal = ref.parsed('terminalId', parseTerminalId);
      if ((terminalId !== undefined && refTerminal !== terminalId) || (merchantId !== undefined && ref.parsed('merchantId', parseMerchantId) !== merchantId)) continue;
      const parts = [refTerminal, pad(ref.int('batchSeq')), ref.string(ref.has('entry') ? 'entry' : 'txId', /^[\x21-\x7e]{1,128}$/, 'a transaction id')];
      refs.set(parts.join('/'), parts);
    }
    const found = await Promise.all([...refs.values()].map((parts) => ledger.read(K.batch, parts, (v) => v)));
    batches = found.filter((b): b is JsonValue => b !== undefined);
  } else if (terminalId !== undefined) {
    batches = await ledger.all(K.batch, [terminalId], (v) => v);
  } else if (merchantId !== undefined) {
    const terminals = await ledger.store.list(K.merchantTerminal, [merchantId]);
    const lists = await Promise.all(terminals.map((e) => ledger.all(K.batch, [ledger.ctx.stub.splitCompositeKey(e.key).attributes[1] ?? ''], (v) => v)));
    batches = lists.flat();
  } else {
    batches = await ledger.all(K.batch, [], (v) => v); // no filter at all: every batch, an audit sweep
  }
  const out: { at: number; terminalId: string; seq: number; entry: JsonValue }[] = [];
  for (const b of batches) {
    if (!isJsonObject(b) || (merchantId !== undefined && b.merchantId !== merchantId) || !Array.isArray(b.payments)) continue;
    for (const p of b.payments) {
      // A duplicate submission carries no payment entries, so each payment appears once.
      if (isJsonObject(p) && typeof p.at === 'number' && p.at >= from && p.at < to && typeof p.seq === 'number' && typeof p.terminalId === 'string') {
        out.push({ at: p.at, terminalId: p.terminalId, seq: p.seq, entry: { ...p, merchantId: b.merchantId ?? null, txId: b.txId ?? null } });
      }
    }
  }
  out.sort((x, y) => x.at - y.at || (x.terminalId < y.terminalId ? -1 : x.terminalId > y.terminalId ? 1 : x.seq - y.seq));
  const names = await merchantNamesOf(ledger, out.map((o) => (isJsonObject(o.entry) ? o.entry.merchantId : null)));
  return out.map((o) => (isJsonObject(o.entry) && typeof o.entry.merchantId === 'string' ? { ...o.entry, merchantName: names.get(o.entry.merchantId) ?? null } : o.entry));
}

/**
 * The names of the merchants these ids name, one read per distinct merchant (a few per campus),
 * so that an answer naming a merchant by id names it for people too (its CSV file included).
 */
export async function merchantNamesOf(ledger: Ledger, ids: readonly unknown[]): Promise<Map<string, string>> {
  const distinct = [...new Set(ids.filter((id): id is string => typeof id === 'string'))].sort();
  const nameOf = (record: JsonValue): string | undefined => (isJsonObject(record) && typeof record.name === 'string' ? record.name : undefined);
  const found = await Promise.all(distinct.map((id) => ledger.read(K.merchant, [id], nameOf)));
  const names = new Map<string, string>();
  distinct.forEach((id, i) => {
    const name = found[i];
    if (name !== undefined) names.set(id, name);
  });
  return names;
}

/** Advances fronted and recovered per student's advance book ('' for every account: an audit sweep). */
export async function advances(ledger: Ledger, account: string): Promise<JsonValue> {
  const one = account === '' ? undefined : parseAccountId(account);
  // One account: its own history; all accounts: every posting (an audit sweep).
  const postings = one === undefined ? await ledger.postings() : (await ledger.accountHistory(one)).flatMap((h) => h.lines);
  return advanceBooks(postings, one).map((b) => ({
    account: b.account, advanced: b.advanced.toString(), recovered: b.recovered.toString(), outstanding: b.outstanding.toString(),
    lines: b.lines.map((l) => ({ kind: l.kind, ...postingToJson(l.posting) })),
  }));
}

/** Every account in debt, by age bucket (days since its debt began), as of `now`. */
export async function debts(ledger: Ledger, now: number): Promise<JsonValue> {
  const aged = ageDebts(await ledger.accountViews(), now);
  return {
    asOf: now,
    totals: Object.fromEntries([...aged.totals].map(([bucket, owed]) => [bucket, owed.toString()])),
    debts: aged.debts.map(({ account: a, ageDays, bucket }) => ({
      account: a.id, group: a.group, status: a.status, advance: a.advance.toString(), credit: a.creditUsed.toString(), since: a.debtSince ?? null, ageDays, bucket,
    })),
  };
}

/** A batch by its receipt (digest), as the ledger settled it: the submission that settled it, and how many there were. */
export async function batchByReceipt(ledger: Ledger, receipt: string): Promise<JsonValue> {
  const digest = parseDigest(receipt, 'receipt');
  const refs = (await ledger.all(K.receipt, [digest], receiptRefFromJson)).filter((ref): ref is ReceiptRef => ref !== undefined);
  const submissions: JsonValue[] = [];
  for (const ref of refs) {
    const b = await ledger.read(K.batch, [ref.terminalId, pad(ref.batchSeq), ref.entry], (v) => v); // answered as stored
    if (b !== undefined) submissions.push(b);
  }
  if (submissions.length === 0) throw new DomainError('NOT_FOUND', 'no batch with this receipt on the ledger', { field: 'receipt' });
  // Every submission answered only duplicates (its records settled under another digest): the first one.
  const settled = settlingSubmission(submissions) ?? inLedgerOrder(submissions)[0];
  return ({ submissions: submissions.length, batch: settled ?? null });
}

/** A receipt index entry: where one submission of a batch is stored. */
interface ReceiptRef {
  readonly terminalId: string;
  readonly batchSeq: number;
  readonly entry: string;
}

/** Reads a receipt index entry; undefined for one that names no stored submission (it is passed over). */
function receiptRefFromJson(value: JsonValue): ReceiptRef | undefined {
  if (!isJsonObject(value)) return undefined;
  const { terminalId, batchSeq, entry } = value;
  return typeof terminalId === 'string' && typeof batchSeq === 'number' && typeof entry === 'string' ? { terminalId, batchSeq, entry } : undefined;
}

/** One payment by its id (<terminalId>:<seq>), with the transaction that settled it. */
export async function paymentById(ledger: Ledger, paymentId: string): Promise<JsonValue> {
  const match = /^([A-Za-z0-9][A-Za-z0-9._:-]{0,63}):([1-9][0-9]{0,15})$/.exec(paymentId);
  if (match === null) throw new DomainError('INVALID_FIELD', 'paymentId must be <terminalId>:<seq>', { field: 'paymentId' });
  const terminalId = parseTerminalId(match[1]);
  const seq = Number(match[2]);
  const chunk = await ledger.read(K.seqs, [terminalId, pad(Math.floor(seq / SEQ_CHUNK))], seqChunkFromJson);
  const known = chunk?.[String(seq)];
  if (known === undefined) throw new DomainError('NOT_FOUND', `payment ${paymentId} is not on the ledger`);
  const batches = await ledger.all(K.batch, [terminalId, pad(known[1])], (v) => v);
  for (const b of batches) {
    const r = FieldReader.of(b, 'batch', ['payments', 'txId'], ['entry', 'terminalId', 'batchSeq', 'digest', 'at', 'merchantId', 'merchantCredit', 'counts', 'anomalies', 'outcomes']);
    const payments = r.raw('payments');
    const found = Array.isArray(payments) ? payments.find((p) => typeof p === 'object' && p !== null && !Array.isArray(p) && p.paymentId === paymentId) : undefined;
    if (found !== undefined) {
      const account = isJsonObject(found) ? found.account : undefined;
      const paid = isJsonObject(found) && (found.code === 'settled' || found.code === 'double-spend') && typeof account === 'string';
      if (!paid) return ({ payment: found, txId: r.raw('txId') ?? null, funding: null });
      const outcomes = r.raw('outcomes');
      const outcome = Array.isArray(outcomes) ? outcomes.find((o) => isJsonObject(o) && o.paymentId === paymentId) : undefined;
      const decided = isJsonObject(outcome) ? outcome.funding : undefined;
      return ({ payment: found, txId: r.raw('txId') ?? null, funding: await fundingOf(ledger, paymentId, parseAccountId(account), decided) });
    }
  }
  throw new DomainError('NOT_FOUND', `payment ${paymentId} is not on the ledger`);
}

/** Most payments one GetPaymentsById reads: a student's newest sales. */
export const MAX_PAYMENTS_BY_ID = 100;

/** Several payments at once, in the order asked: each `{payment, txId}`, or null where the ledger has none. */
export async function paymentsById(ledger: Ledger, ids: JsonValue): Promise<JsonValue> {
  if (!Array.isArray(ids) || ids.length > MAX_PAYMENTS_BY_ID || !ids.every((id) => typeof id === 'string')) {
    throw new DomainError('INVALID_FIELD', `ids must be a list of at most ${MAX_PAYMENTS_BY_ID} payment ids`, { field: 'ids' });
  }
  return Promise.all(ids.map(async (id) => {
    try {
      return await paymentById(ledger, id);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }));
}

/** An account's statement that proves itself: each book's postings must add up to the balance the account holds. */
export async function statement(ledger: Ledger, account: string): Promise<JsonValue> {
  const id = parseAccountId(account);
  const [a, pending] = await Promise.all([ledger.storedAccount(id), ledger.pendingCharges(id)]);
  const history = await ledger.accountHistory(a.id);
  const lines = history.flatMap((h) => h.lines);
  const mismatches = statementMismatches(storedBalances(a), lines)
    .map((m) => ({ book: m.book, stored: m.stored.toString(), fromPostings: m.fromPostings.toString() }));
  return ({
    account: a.id, status: a.status, balances: balancesJson(a), consistent: mismatches.length === 0, mismatches,
    postings: lines.map(postingToJson),
    // Settled sales a fold has not funded yet: the merchant is paid, the balances above do not show them.
    pending: pending.map((c) => ({ paymentId: c.paymentId, merchantId: c.merchantId, amount: c.amount.toString(), at: c.at, settledAt: c.settledAt })),
    entries: (await Promise.all(history.map(async (h) => ({ h, by: await ledger.read(K.actor, [h.txId], (v) => v) }))))
      .filter(({ h, by }) => h.lines.length > 0 || by !== undefined)
      .map(({ h, by }) => ({
        txId: h.txId, at: h.at, postings: h.lines.map(postingToJson), ...(h.after === undefined ? {} : { balancesAfter: balancesJson(h.after) }), ...(by === undefined ? {} : { by }),
      })),
  });
}

/** Points issued, expired and held: the supply must equal what the accounts hold. */
export async function pointsSupply(ledger: Ledger): Promise<JsonValue> {
  const [accounts, postings, policies] = await Promise.all([
    ledger.all(K.account, [], accountFromJson), ledger.postings(), ledger.all(K.pointsPolicy, [], pointsPolicyFromJson),
  ]);
  const s = pointsSupplyOf(postings, accounts.map((a) => a.points));
  return ({
    issued: s.issued.toString(), expired: s.expired.toString(), supply: s.supply.toString(), heldByAccounts: s.heldByAccounts.toString(),
    consistent: s.consistent, policies: policies.map(pointsPolicyToJson),
  });
}

/** The books' invariant: every posting balances, and the stored balances equal the postings'. */
export async function invariant(ledger: Ledger): Promise<JsonValue> {
  const [postings, accounts, charges, purses] = await Promise.all([
    ledger.postings(), ledger.all(K.account, [], accountFromJson), ledger.pendingCharges(), ledger.all(K.purse, [], purseFromJson),
  ]);
  // Purse purchases held behind a gap are settled sales awaiting funding too.
  charges.push(...await ledger.all(K.purseHeld, [], chargeFromJson));
  // Each purse's shadow balance is a stored balance too: its book must say the same.
  const report = checkInvariant(postings, new Map([...accounts.flatMap(storedBalances), ...purses.map((s): [string, Amount] => [book.purse(s.mediaId), shadowBalance(s)])]));
  const pending = checkPendingCharges(report.totals.get(book.chargesPending) ?? Amount.ZERO, charges, txTime(ledger.ctx));
  return ({
    ok: report.ok && pending.ok, postings: report.postings, sum: report.sum.toString(),
    pending: {
      ok: pending.ok, charges: pending.count, total: pending.total.toString(), suspense: pending.suspense.toString(),
      // No age here: a query's answer must not depend on when it ran, or two peers' answers differ.
      oldestSettledAt: pending.oldestSettledAt,
    },
    totals: Object.fromEntries([...report.totals].map(([cls, amount]) => [cls, amount.toString()])),
    mismatches: report.mismatches.map((m) => ({ book: m.book, stored: m.stored.toString(), fromPostings: m.fromPostings.toString() })),
  });
}

/** Every registration and status change of an issuer key or a terminal, oldest first. */
export async function keyHistory(ledger: Ledger, kind: string, id: string): Promise<JsonValue> {
  if (kind !== 'issuer' && kind !== 'terminal') throw new DomainError('INVALID_FIELD', 'kind must be issuer or terminal', { field: 'kind' });
  const key = kind === 'issuer' ? parseKeyId(id) : parseTerminalId(id);
  return ledger.all(K.keyHistory, [kind, key], (v) => v);
}

/** A terminal's batch chain: every submission, by batch number and then in the order they settled (keys order them by chance). */
export async function batchChain(ledger: Ledger, terminalId: string): Promise<JsonValue> {
  const field = (v: JsonValue, key: string): JsonValue | undefined => (isJsonObject(v) ? v[key] : undefined);
  const batches = await ledger.all(K.batch, [parseTerminalId(terminalId)], (v) => v);
  return batches.sort((a, b) => numberOr0(field(a, 'batchSeq')) - numberOr0(field(b, 'batchSeq')) || numberOr0(field(a, 'at')) - numberOr0(field(b, 'at')));
}

/** Who acted on a staff write (contract/actor.ts). */
export async function actorRecord(ledger: Ledger, txId: string): Promise<JsonValue> {
  if (!/^[0-9a-f]{64}$/.test(txId)) throw new DomainError('INVALID_FIELD', 'txId must be 64 lowercase hex characters', { field: 'txId' });
  const by = await ledger.read(K.actor, [txId], (v) => v);
  if (by === undefined) throw new DomainError('NOT_FOUND', `no staff write ${txId} on the ledger (a batch settlement is signed by its terminal)`);
  return by;
}

/** The deny-list entries after a version, and the version now: what terminals sync. */
export async function denyListDelta(ledger: Ledger, sinceVersion: string): Promise<JsonValue> {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sinceVersion)) throw new DomainError('INVALID_FIELD', 'sinceVersion must be a whole number', { field: 'sinceVersion' });
  const since = Number(sinceVersion);
  const entries = (await ledger.all(K.deny, [], (v) => v)).filter((e) => isJsonObject(e) && typeof e.version === 'number' && e.version > since);
  return { version: await ledger.denyVersion(), entries };
}

/** Every double-spend case, with its evidence. */
export async function fraudCases(ledger: Ledger): Promise<JsonValue> {
  return ledger.all(K.fraud, [], (v) => v);
}
