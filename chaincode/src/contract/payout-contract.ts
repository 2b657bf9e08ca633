import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { Amount } from '../core/amount';
import { canonicalJson } from '../core/canonical-json';
import { DomainError } from '../core/errors';
import { FieldReader, isJsonObject } from '../core/fields';
import { parseMerchantId } from '../core/ids';
import type { JsonValue } from '../core/strict-json';
import { checkPayouts, MAX_RUN_LINES, owedByMerchant, planRun } from '../settlement/payout-run';
import type { Posting } from '../settlement/books';
import { requireRole } from './access';
import { jsonArgument } from './argument';
import { actorOf } from './actor';
import { decode } from './codec';
import { K } from './keys';
import { Ledger, txTime } from './ledger-records';
import { merchantNames, owedToJson, payMerchant, payoutCheckInput, statementHead, unpaidCredits, writePostings } from './payout-records';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const json = (v: JsonValue): string => canonicalJson(v);

/**
 * The operator's daily close (docs/settlement.md, "Paying merchants"): what each merchant is owed,
 * one payout run for every merchant with credits (idempotent on its id), the runs and each
 * merchant's payout history, and the auditor's check that runs, payouts and credits agree.
 * Called as `payouts:<Transaction>`. A single merchant's payout stays `Payout` in the settlement contract.
 */
@Info({ title: 'Payouts', description: 'The daily close: payout runs over every merchant, their history and their check' })
export class PayoutContract extends Contract {
  constructor() {
    super('payouts');
  }

  override async afterTransaction(ctx: Context): Promise<void> {
    const fn = ctx.stub.getFunctionAndParameters().fcn.split(':').pop() ?? '';
    if (fn === 'RunPayouts') await new Ledger(ctx).write(K.actor, [ctx.stub.getTxID()], { ...actorOf(ctx, fn) });
  }

  @Transaction(false)
  @Returns('string')
  async GetMerchantBalances(ctx: Context): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator', 'auditor'], 'GetMerchantBalances');
    const ledger = new Ledger(ctx);
    const [credits, names] = await Promise.all([unpaidCredits(ledger), merchantNames(ledger)]);
    const owed = owedByMerchant(credits.map((c) => c.line), [...names.keys()].map((m) => parseMerchantId(m)));
    const total = owed.reduce((s, m) => s.add(m.total), Amount.ZERO);
    const lines = owed.reduce((n, m) => n + m.lines.length, 0);
    return json({ asOf: txTime(ctx), total: total.toString(), credits: lines, maxRunLines: MAX_RUN_LINES, merchants: owedToJson(owed, names) });
  }

  @Transaction()
  @Param('run', 'string', 'JSON {runId}')
  @Returns('string')
  async RunPayouts(ctx: Context, run: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator'], 'RunPayouts');
    const r = FieldReader.of(jsonArgument(run, 'run', 1024), 'run', ['runId']);
    const runId = r.string('runId', RUN_ID, 'an identifier');
    const ledger = new Ledger(ctx);
    const previous = await ledger.store.get(K.payoutRun, [runId]);
    if (previous !== undefined) return Buffer.from(previous).toString('utf8'); // a retried run: the same record, paid once
    const [credits, names] = await Promise.all([unpaidCredits(ledger), merchantNames(ledger)]);
    const plan = planRun(owedByMerchant(credits.map((c) => c.line)));
    if (plan === null) throw new DomainError('RUN_TOO_LARGE', `more than ${MAX_RUN_LINES} unpaid credits: pay the largest merchants one by one (POST /v1/payouts) first`, { limit: String(MAX_RUN_LINES) });
    const clash = await Promise.all(plan.map((m) => ledger.store.get(K.payout, [m.merchantId, runId])));
    const taken = plan.find((_, i) => clash[i] !== undefined);
    if (taken !== undefined) throw new DomainError('ALREADY_EXISTS', `merchant ${taken.merchantId} already has a payout ${runId}: choose another run id`, { field: 'runId' });
    const paid = await Promise.all(plan.map((m) => payMerchant(ledger, m.merchantId, runId, credits.filter((c) => c.line.merchantId === m.merchantId), runId)));
    await writePostings(ledger, paid.flatMap((p): Posting[] => (p.posting === undefined ? [] : [p.posting])));
    const total = plan.reduce((s, m) => s.add(m.total), Amount.ZERO);
    const payouts = plan.map((m) => ({ merchantId: m.merchantId, name: names.get(m.merchantId) ?? null, total: m.total.toString(), lines: m.lines.length }));
    const record = { runId, txId: ctx.stub.getTxID(), at: txTime(ctx), total: total.toString(), merchants: plan.length, lines: plan.reduce((n, m) => n + m.lines.length, 0), payouts };
    await ledger.write(K.payoutRun, [runId], record);
    return json(record);
  }

  @Transaction(false)
  @Returns('string')
  async GetPayoutRun(ctx: Context, runId: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator', 'auditor'], 'GetPayoutRun');
    const ledger = new Ledger(ctx);
    const stored = await ledger.store.get(K.payoutRun, [runId]);
    if (stored === undefined) throw new DomainError('NOT_FOUND', `no payout run ${runId}`);
    const record = decode(stored);
    const txId = isJsonObject(record) && typeof record.txId === 'string' ? record.txId : '';
    const by = txId === '' ? undefined : await ledger.read(K.actor, [txId], (v) => v);
    return json(isJsonObject(record) && by !== undefined ? { ...record, by } : record);
  }

  @Transaction(false)
  @Returns('string')
  async ListPayoutRuns(ctx: Context): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator', 'auditor'], 'ListPayoutRuns');
    const runs = await new Ledger(ctx).all(K.payoutRun, [], (v) => v);
    const at = (v: JsonValue): number => (isJsonObject(v) && typeof v.at === 'number' ? v.at : 0);
    return json(runs.sort((a, b) => at(b) - at(a)));
  }

  @Transaction(false)
  @Returns('string')
  async GetMerchantPayouts(ctx: Context, merchantId: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator', 'auditor'], 'GetMerchantPayouts');
    const ledger = new Ledger(ctx);
    const id = parseMerchantId(merchantId);
    const [merchant, statements, credits] = await Promise.all([
      ledger.read(K.merchant, [id], (v) => v), ledger.all(K.payout, [id], statementHead), unpaidCredits(ledger, id),
    ]);
    if (merchant === undefined) throw new DomainError('NOT_FOUND', `merchant ${id} does not exist`);
    const [owed] = owedByMerchant(credits.map((c) => c.line), [id]);
    const at = (v: JsonValue): number => (isJsonObject(v) && typeof v.at === 'number' ? v.at : 0);
    const paid = statements.reduce((s, v) => s.add(isJsonObject(v) && typeof v.total === 'string' ? Amount.parseNonNegative(v.total, 'total') : Amount.ZERO), Amount.ZERO);
    return json({
      merchantId: id, name: isJsonObject(merchant) && typeof merchant.name === 'string' ? merchant.name : null,
      unpaid: (owed?.total ?? Amount.ZERO).toString(), unpaidCredits: owed?.lines.length ?? 0, oldestUnpaidAt: owed?.oldestAt ?? null,
      paid: paid.toString(), payouts: statements.sort((a, b) => at(b) - at(a)),
    });
  }

  @Transaction(false)
  @Returns('string')
  async CheckPayouts(ctx: Context): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator', 'auditor'], 'CheckPayouts');
    const report = checkPayouts(await payoutCheckInput(new Ledger(ctx)));
    return json({
      ok: report.ok, payoutsBook: report.payoutsBook.toString(), paidTotal: report.paidTotal.toString(), problems: [...report.problems],
      merchants: report.merchants.map((m) => ({ merchantId: m.merchantId, book: m.book.toString(), unpaid: m.unpaid.toString(), paid: m.paid.toString(), agrees: m.agrees })),
      runs: report.runs.map((r) => ({ runId: r.runId, total: r.total.toString(), statements: r.statements.toString(), agrees: r.agrees })),
    });
  }
}
