/**
 * Paying merchants on the ledger: the credits settled batches leave under their merchant, the
 * payout statements that take them, and the payout runs of the daily close. The rules are in
 * settlement/payout-run.ts; this module reads and writes their records.
 */
import { Amount } from '../core/amount';
import { canonicalJson } from '../core/canonical-json';
import { DomainError } from '../core/errors';
import { FieldReader, isJsonObject } from '../core/fields';
import { parseMerchantId, type MerchantId } from '../core/ids';
import type { JsonValue } from '../core/strict-json';
import { balancesOf, book, posting, type Posting } from '../settlement/books';
import { MAX_RUN_LINES, compareCredits, statementOrder, type CreditLine, type MerchantOwed, type PaidStatement, type RunRecord } from '../settlement/payout-run';
import { merchantNamesOf } from './audit-queries';
import { decode } from './codec';
import { K } from './keys';
import { Ledger, txTime } from './ledger-records';
import type { Entry } from './state-store';

const textOf = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '');
const nullableString = (v: JsonValue | undefined): string | null => (typeof v === 'string' ? v : null);
const nullableNumber = (v: JsonValue | undefined): number | null => (typeof v === 'number' ? v : null);

/** One credit key as a line: the merchant is the key's first part. */
function creditLine(ledger: Ledger, e: Entry): CreditLine {
  const merchantId = parseMerchantId(ledger.ctx.stub.splitCompositeKey(e.key).attributes[0]);
  const c = FieldReader.of(decode(e.value), 'credit', ['amount'], ['terminalId', 'batchSeq', 'txId', 'at']);
  return {
    merchantId, amount: c.positiveAmount('amount'), terminalId: nullableString(c.raw('terminalId')),
    batchSeq: nullableNumber(c.raw('batchSeq')), txId: nullableString(c.raw('txId')), at: nullableNumber(c.raw('at')),
  };
}

/** Unpaid credits with the keys that hold them: of one merchant, or of all when none is named. */
export async function unpaidCredits(ledger: Ledger, merchantId?: MerchantId): Promise<{ key: string; line: CreditLine }[]> {
  const entries = await ledger.store.list(K.credit, merchantId === undefined ? [] : [merchantId]);
  return entries.map((e) => ({ key: e.key, line: creditLine(ledger, e) }));
}

/** Every registered merchant's id and name, in id order. */
export async function merchantNames(ledger: Ledger): Promise<Map<string, string>> {
  const all = await ledger.all(K.merchant, [], (v) => FieldReader.of(v, 'merchant', ['merchantId', 'name']));
  return new Map(all.map((r) => [textOf(r.raw('merchantId')), textOf(r.raw('name'))]));
}

export const creditLineToJson = (l: CreditLine): JsonValue => ({ amount: l.amount.toString(), terminalId: l.terminalId, batchSeq: l.batchSeq, txId: l.txId, at: l.at });

/**
 * Pays one merchant the credits given: removes them and writes the statement under
 * [merchantId, payoutId]. Returns the statement and the posting of its total from the merchant's
 * book to `payouts` (none for a payout of nothing), which the caller writes with the transaction's
 * other postings under K.postings [txId].
 */
export async function payMerchant(ledger: Ledger, merchantId: MerchantId, payoutId: string, credits: readonly { key: string; line: CreditLine }[], runId?: string, remainingCredits = 0): Promise<{ statement: JsonValue; posting?: Posting }> {
  const lines = statementOrder(credits.map((c) => c.line));
  const total = lines.reduce((s, l) => s.add(l.amount), Amount.ZERO);
  const txId = ledger.ctx.stub.getTxID();
  const statement = {
    payoutId, merchantId, txId, at: txTime(ledger.ctx), total: total.toString(), lines: lines.map(creditLineToJson),
    ...(runId === undefined ? {} : { runId }), ...(remainingCredits > 0 ? { remainingCredits } : {}),
  };
  await Promise.all([...credits.map((c) => ledger.store.remove(c.key)), ledger.write(K.payout, [merchantId, payoutId], statement)]);
  return total.gt(Amount.ZERO) ? { statement, posting: posting(book.merchant(merchantId), book.payouts, total, `payout:${payoutId}`) } : { statement };
}

/** Writes a transaction's payout postings, if any. */
export async function writePostings(ledger: Ledger, postings: readonly Posting[]): Promise<void> {
  await ledger.writePostings([ledger.ctx.stub.getTxID()], postings);
}

/** A payout statement's head: what a merchant's history lists (the lines stay in the statement). */
export function statementHead(v: JsonValue): JsonValue {
  if (!isJsonObject(v)) return v;
  const head: Record<string, JsonValue> = {};
  for (const [k, x] of Object.entries(v)) if (k !== 'lines') head[k] = x;
  return { ...head, lineCount: Array.isArray(v.lines) ? v.lines.length : 0 };
}

/** A statement as the auditor's check reads it. */
function paidStatement(v: JsonValue): PaidStatement {
  const r = FieldReader.of(v, 'payout', ['payoutId', 'merchantId', 'total', 'lines'], ['txId', 'at', 'runId', 'remainingCredits']);
  const lines = r.raw('lines');
  const lineTotal = (Array.isArray(lines) ? lines : []).reduce<Amount>((s, l) => s.add(FieldReader.of(l, 'line', ['amount'], ['terminalId', 'batchSeq', 'txId', 'at']).positiveAmount('amount')), Amount.ZERO);
  const runId = r.raw('runId');
  return { merchantId: parseMerchantId(r.raw('merchantId')), payoutId: textOf(r.raw('payoutId')), total: r.nonNegativeAmount('total'), lineTotal, ...(typeof runId === 'string' ? { runId } : {}) };
}

/** A run's record as the auditor's check reads it. */
export function runRecord(v: JsonValue): RunRecord {
  const r = FieldReader.of(v, 'run', ['runId', 'total', 'payouts'], ['txId', 'at', 'merchants', 'lines']);
  const payouts = r.raw('payouts');
  return {
    runId: textOf(r.raw('runId')), total: r.nonNegativeAmount('total'),
    payouts: (Array.isArray(payouts) ? payouts : []).map((p) => {
      const x = FieldReader.of(p, 'run payout', ['merchantId', 'total'], ['name', 'lines']);
      return { merchantId: parseMerchantId(x.raw('merchantId')), total: x.nonNegativeAmount('total') };
    }),
  };
}

/** What the auditor's check reads: merchant and payouts books from every posting, credits, statements, runs. */
export async function payoutCheckInput(ledger: Ledger): Promise<{ merchantBooks: Map<MerchantId, Amount>; payoutsBook: Amount; unpaid: CreditLine[]; statements: PaidStatement[]; runs: RunRecord[] }> {
  const [postings, unpaid, statements, runs] = await Promise.all([
    ledger.postings(), unpaidCredits(ledger), ledger.all(K.payout, [], paidStatement), ledger.all(K.payoutRun, [], runRecord),
  ]);
  const balances = balancesOf(postings);
  const merchantBooks = new Map<MerchantId, Amount>();
  for (const [name, balance] of balances) if (name.startsWith('merchant:')) merchantBooks.set(parseMerchantId(name.slice('merchant:'.length)), balance);
  return { merchantBooks, payoutsBook: balances.get(book.payouts) ?? Amount.ZERO, unpaid: unpaid.map((u) => u.line), statements, runs };
}

/** What each merchant is owed as an answer (lines left out: the count and the oldest time instead). */
export function owedToJson(owed: readonly MerchantOwed[], names: ReadonlyMap<string, string>): JsonValue {
  return owed.map((m) => ({ merchantId: m.merchantId, name: names.get(m.merchantId) ?? null, owed: m.total.toString(), credits: m.lines.length, oldestAt: m.oldestAt }));
}

const PAYOUT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** One merchant paid now, outside a run: idempotent on payoutId (a retried payout answers the same statement, paid once). */
export async function payOneMerchant(ledger: Ledger, value: JsonValue): Promise<string> {
  const r = FieldReader.of(value, 'payout', ['payoutId', 'merchantId']);
  const payoutId = r.string('payoutId', PAYOUT_ID, 'an identifier');
  const merchantId = r.parsed('merchantId', parseMerchantId);
  const previous = await ledger.store.get(K.payout, [merchantId, payoutId]);
  if (previous !== undefined) {
    // A run's statement under this id is not this payout made before: answering it would pay nothing and show an old total.
    const stored = decode(previous);
    if (isJsonObject(stored) && typeof stored.runId === 'string') throw new DomainError('ALREADY_EXISTS', `payout id ${payoutId} is payout run ${stored.runId}'s statement of ${merchantId}: a single payout needs an id of its own`, { field: 'payoutId' });
    return Buffer.from(previous).toString('utf8');
  }
  if (!(await ledger.store.get(K.merchant, [merchantId]))) throw new DomainError('NOT_FOUND', `merchant ${merchantId} does not exist`);
  // At most MAX_RUN_LINES credits, the oldest, in one transaction (the block limit): the statement says how many are left.
  const unpaid = await unpaidCredits(ledger, merchantId);
  const oldest = [...unpaid].sort((x, y) => compareCredits(x.line, y.line)).slice(0, MAX_RUN_LINES);
  const paid = await payMerchant(ledger, merchantId, payoutId, oldest, undefined, unpaid.length - oldest.length);
  await writePostings(ledger, paid.posting === undefined ? [] : [paid.posting]);
  return canonicalJson(paid.statement);
}

/** A payout statement with its merchant's name and who paid it. */
export async function payoutStatement(ledger: Ledger, merchantId: string, payoutId: string): Promise<JsonValue> {
  const stored = await ledger.store.get(K.payout, [parseMerchantId(merchantId), payoutId]);
  if (stored === undefined) throw new DomainError('NOT_FOUND', `no payout ${payoutId} of merchant ${merchantId}`);
  const statement = decode(stored);
  const txId = isJsonObject(statement) && typeof statement.txId === 'string' ? statement.txId : '';
  const [by, names] = await Promise.all([txId === '' ? undefined : ledger.read(K.actor, [txId], (v) => v), merchantNamesOf(ledger, [merchantId])]);
  if (!isJsonObject(statement)) return statement;
  return { ...statement, merchantName: names.get(merchantId) ?? null, ...(by === undefined ? {} : { by }) };
}
