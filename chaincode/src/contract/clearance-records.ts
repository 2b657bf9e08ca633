/**
 * Graduation clearance on the ledger (registrar): begin (the account deny-listed, its debts
 * frozen), a second registrar's approval of a waiver above the limit, and completion with each
 * debt resolved. The rules are in settlement/clearance.ts and four-eyes.ts; this module reads and
 * writes their records.
 */
import { FieldReader } from '../core/fields';
import { parseAccountId } from '../core/ids';
import type { JsonValue } from '../core/strict-json';
import { linesByAccount, postingToJson } from '../settlement/books';
import { beginClearance, completeClearance, parseResolutions } from '../settlement/clearance';
import { pad } from './codec';
import { approveWaiver, fourEyes } from './four-eyes';
import { K } from './keys';
import { txTime, type Ledger } from './ledger-records';

export async function beginClearanceOf(ledger: Ledger, account: string): Promise<JsonValue> {
  const [a, version] = await Promise.all([ledger.account(parseAccountId(account)), ledger.denyVersion()]);
  const next = beginClearance(a, version + 1);
  await Promise.all([
    ledger.putAccount(next),
    ledger.write(K.deny, [pad(version + 1)], { version: version + 1, kind: 'account', id: a.id, reason: 'graduation clearance', at: txTime(ledger.ctx) }),
    ledger.write(K.config, ['denyVersion'], version + 1),
  ]);
  return { account: a.id, denyListVersion: version + 1, openDebts: { advance: a.advance.toString(), credit: a.creditUsed.toString() }, wallet: a.wallet.toString() };
}

/** A second registrar's approval of waiving one debt (the approving registrar is the actor). */
export async function approveWaiverOf(ledger: Ledger, value: JsonValue): Promise<JsonValue> {
  const r = FieldReader.of(value, 'approval', ['account', 'debt']);
  const a = await ledger.account(r.parsed('account', parseAccountId));
  return { ...(await approveWaiver(ledger.ctx, ledger, a, r.oneOf('debt', ['advance', 'credit'] as const))) };
}

export async function completeClearanceOf(ledger: Ledger, value: JsonValue): Promise<JsonValue> {
  const r = FieldReader.of(value, 'clearance', ['account', 'resolutions']);
  const a = await ledger.account(r.parsed('account', parseAccountId));
  const txId = ledger.ctx.stub.getTxID();
  const result = completeClearance(a, parseResolutions(r.raw('resolutions')), `clearance:${a.id}`);
  // Four eyes: a waiver above the limit finance set needs the approval of a second registrar.
  const approvals = await fourEyes(ledger.ctx, ledger, a.id, result.resolved);
  const record = {
    account: a.id, txId, at: txTime(ledger.ctx), refunded: result.refunded.toString(), pointsExpired: result.pointsExpired.toString(),
    resolved: result.resolved.map((x) => ({
      debt: x.debt, resolution: x.resolution, reference: x.reference, amount: x.amount.toString(),
      ...approvals.get(x.debt),
    })),
  };
  await Promise.all([
    ledger.putAccount(result.account, linesByAccount(result.postings).get(a.id) ?? []),
    ledger.writePostings([txId], result.postings),
    ledger.write(K.clearance, [a.id], record),
  ]);
  return record;
}
