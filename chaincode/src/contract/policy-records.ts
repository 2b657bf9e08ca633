/**
 * The policies and limits staff set on the ledger: the risk policy (operator), the versioned
 * points policy, the waiver limit and an account's credit line (school finance).
 */
import { Amount } from '../core/amount';
import { DomainError } from '../core/errors';
import { parseAccountId } from '../core/ids';
import { parseRiskPolicy, riskPolicyToJson } from '../core/risk-policy';
import type { JsonValue } from '../core/strict-json';
import { parsePointsPolicy, pointsPolicyFromJson, pointsPolicyToJson } from '../settlement/points';
import { pad } from './codec';
import { K } from './keys';
import type { Ledger } from './ledger-records';

export async function setRiskPolicy(ledger: Ledger, value: JsonValue): Promise<void> {
  await ledger.write(K.config, ['risk'], riskPolicyToJson(parseRiskPolicy(value)));
}

/** The next version of the points policy; every version is kept. */
export async function setPointsPolicy(ledger: Ledger, value: JsonValue): Promise<JsonValue> {
  const current = await ledger.read(K.config, ['points'], pointsPolicyFromJson);
  const next = parsePointsPolicy(value, (current?.version ?? 0) + 1);
  await ledger.write(K.config, ['points'], pointsPolicyToJson(next));
  await ledger.write(K.pointsPolicy, [pad(next.version)], pointsPolicyToJson(next));
  return pointsPolicyToJson(next);
}

/** Waiving a debt above it needs a second registrar (four eyes); "0" for every waiver. */
export async function setWaiverLimit(ledger: Ledger, amount: string): Promise<JsonValue> {
  const limit = Amount.parseNonNegative(amount, 'amount');
  await ledger.write(K.config, ['waiverLimit'], limit.toString());
  return { waiverLimit: limit.toString() };
}

export async function setCreditLine(ledger: Ledger, account: string, creditLine: string): Promise<void> {
  const a = await ledger.account(parseAccountId(account));
  const line = Amount.parseNonNegative(creditLine, 'creditLine');
  if (a.status === 'closed') throw new DomainError('ACCOUNT_CLOSED', `account ${a.id} is closed`);
  await ledger.putAccount({ ...a, creditLine: line });
}
