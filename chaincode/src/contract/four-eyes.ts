/**
 * Four eyes on waivers (docs/gateway.md, "Who acted"): waiving a debt above the limit finance set
 * (`config/waiverLimit`; until set, every waiver) needs a second registrar's approval first,
 * recorded as `waiver/<account>/<debt>` with the approver and the amount, and a registrar other
 * than the approver to complete the clearance.
 */
import type { Context } from 'fabric-contract-api';
import { Amount } from '../core/amount';
import { DomainError } from '../core/errors';
import { isJsonObject } from '../core/fields';
import type { AccountState } from '../settlement/account';
import type { DebtKind, DebtResolution } from '../settlement/clearance';
import { actorSubject } from './actor';
import { K } from './keys';
import { txTime, type Ledger } from './ledger-records';

/** Records the calling registrar's approval of waiving `debt` of an account in clearance, at its amount now. */
export async function approveWaiver(ctx: Context, ledger: Ledger, a: AccountState, debt: DebtKind): Promise<Record<string, string | number>> {
  if (a.status !== 'clearing') throw new DomainError('WRONG_ACCOUNT_STATE', `account ${a.id} is ${a.status}; a waiver is approved during clearance`, { field: 'status' });
  const amount = debt === 'advance' ? a.advance : a.creditUsed;
  if (amount.isZero()) throw new DomainError('INVALID_FIELD', `no ${debt} debt to waive`, { field: 'debt' });
  const approvedBy = actorSubject(ctx);
  if (approvedBy === null) throw new DomainError('FOUR_EYES_REQUIRED', 'an approval must name the registrar who gives it (the gateway sends the staff credential\'s subject)');
  const record = { account: a.id, debt, amount: amount.toString(), approvedBy, txId: ctx.stub.getTxID(), at: txTime(ctx) };
  await ledger.write(K.waiver, [a.id, debt], record);
  return record;
}

/**
 * Who approved and who waived each waiver above the limit among `resolved`; refuses
 * FOUR_EYES_REQUIRED when one has no approval of its amount, or the completing registrar gave it.
 */
export async function fourEyes(ctx: Context, ledger: Ledger, account: string, resolved: readonly (DebtResolution & { readonly amount: Amount })[]): Promise<Map<DebtKind, { approvedBy: string; waivedBy: string }>> {
  const limit = await ledger.read(K.config, ['waiverLimit'], (v) => Amount.parseNonNegative(v, 'waiverLimit')) ?? Amount.ZERO;
  const by = actorSubject(ctx);
  const approvals = new Map<DebtKind, { approvedBy: string; waivedBy: string }>();
  for (const x of resolved) {
    if (x.resolution !== 'waived' || !x.amount.gt(limit)) continue;
    const approval = await ledger.read(K.waiver, [account, x.debt], (v) => v);
    const approvedBy = isJsonObject(approval) && typeof approval.approvedBy === 'string' ? approval.approvedBy : undefined;
    const approvedAmount = isJsonObject(approval) ? approval.amount : undefined;
    if (approvedBy === undefined || approvedAmount !== x.amount.toString()) {
      throw new DomainError('FOUR_EYES_REQUIRED', `waiving the ${x.debt} debt of ${x.amount.toString()} (above the waiver limit of ${limit.toString()}) needs a second registrar's approval first (POST /v1/clearances/${account}/waivers)`);
    }
    if (by === null || by === approvedBy) throw new DomainError('FOUR_EYES_REQUIRED', `the waiver of the ${x.debt} debt was approved by ${approvedBy}: another registrar must complete the clearance`);
    approvals.set(x.debt, { approvedBy, waivedBy: by });
  }
  return approvals;
}
