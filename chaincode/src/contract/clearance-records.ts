/**
 * Graduation clearance on the ledger (registrar): begin (the account deny-listed, its debts
 * frozen), a second registrar's approval of a waiver above the limit, and completion with each
 * debt resolved. The rules are in settlement/clearance.ts and four-eyes.ts; this module reads and
 * writes their records.
 */
import { Amount } from '../core/amount';
import { DomainError } from '../core/errors';
import { FieldReader, isJsonObject } from '../core/fields';
import { parseAccountId, type AccountId } from '../core/ids';
import type { JsonValue } from '../core/strict-json';
import { linesByAccount } from '../settlement/books';
import { beginClearance, completeClearance, parseResolutions } from '../settlement/clearance';
import { CLEARANCE_CLAIMS, SALT, claimDigests, type ClearanceClaim, type Disclosure } from '../settlement/clearance-record';
import { pad } from './codec';
import { approveWaiver, fourEyes } from './four-eyes';
import { K } from './keys';
import { txTime, type Ledger } from './ledger-records';
import { dayText } from './points-records';

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

// ---- the clearance record a graduate shows (settlement/clearance-record.ts) ----

/** Parses IssueClearanceRecord's argument: the account, and one fresh salt per claim from the registrar's gateway. */
function parseIssue(value: JsonValue): { account: AccountId; salts: Record<ClearanceClaim, string> } {
  const r = FieldReader.of(value, 'clearanceRecord', ['account', 'salts']);
  const s = FieldReader.of(r.raw('salts'), 'clearanceRecord.salts', CLEARANCE_CLAIMS);
  const salts = Object.fromEntries(CLEARANCE_CLAIMS.map((c) => [c, s.string(c, SALT, '22-64 base64url characters')])) as Record<ClearanceClaim, string>;
  if (new Set(Object.values(salts)).size !== CLEARANCE_CLAIMS.length) throw new DomainError('INVALID_FIELD', 'clearanceRecord.salts must differ', { field: 'salts' });
  return { account: r.parsed('account', parseAccountId), salts };
}

/** The claims of a completed clearance, from the registrar's record of it (K.clearance). */
function claimsOf(done: JsonValue): Record<ClearanceClaim, string> {
  if (!isJsonObject(done) || typeof done.account !== 'string' || typeof done.txId !== 'string' || typeof done.at !== 'number' || !Array.isArray(done.resolved)) {
    throw new DomainError('INVALID_FIELD', 'stored clearance record is malformed');
  }
  let referred = Amount.ZERO;
  for (const x of done.resolved) {
    if (isJsonObject(x) && x.resolution === 'referred') referred = referred.add(Amount.parse(x.amount));
  }
  return { account: done.account, clearedOn: dayText(Math.floor(done.at / 86_400_000)), debtLeft: referred.toString(), closingTx: done.txId };
}

/**
 * Issues the clearance record of a closed account: on the ledger only the salted digests of its
 * claims and who issued it (the creator's organisation, as the endorsed transaction proves); the
 * claims with their salts under a key of their own, for the registrar and the student to download.
 * One live record per account: a registrar revokes it before issuing another.
 */
export async function issueClearanceRecord(ledger: Ledger, value: JsonValue): Promise<JsonValue> {
  const { account, salts } = parseIssue(value);
  const [done, held] = await Promise.all([ledger.read(K.clearance, [account], (v) => v), ledger.read(K.clearanceHeld, [account], (v) => v)]);
  if (done === undefined) throw new DomainError('WRONG_ACCOUNT_STATE', `account ${account} has not completed clearance`);
  if (isJsonObject(held) && typeof held.id === 'string' && (await ledger.read(K.clearanceRevoked, [held.id], (v) => v)) === undefined) {
    throw new DomainError('ALREADY_EXISTS', `account ${account} holds clearance record ${held.id}; revoke it first`);
  }
  const claims = claimsOf(done);
  const disclosures: Disclosure[] = CLEARANCE_CLAIMS.map((name) => ({ name, value: claims[name], salt: salts[name] }));
  const id = ledger.ctx.stub.getTxID();
  const record = { type: 'ClearanceRecord', v: 1, id, issuer: ledger.ctx.clientIdentity.getMSPID(), issuedAt: txTime(ledger.ctx), claims: claimDigests(disclosures) };
  await Promise.all([
    ledger.write(K.clearanceRecord, [id], record),
    ledger.write(K.clearanceHeld, [account], { id, disclosures: disclosures.map((d) => ({ ...d })) }),
  ]);
  return { ...record, disclosures: disclosures.map((d) => ({ ...d })) };
}

/** Revokes a clearance record (a status entry of its own; the record itself never changes): verifiers refuse it from then on. */
export async function revokeClearanceRecord(ledger: Ledger, value: JsonValue): Promise<JsonValue> {
  const r = FieldReader.of(value, 'revocation', ['id', 'reason']);
  const id = r.string('id', /^[0-9a-f]{64}$/, 'a record id (64 hex)');
  const reason = r.string('reason', /^[^\p{Cc}]{1,200}$/u, '1-200 printable characters');
  if ((await ledger.read(K.clearanceRecord, [id], (v) => v)) === undefined) throw new DomainError('NOT_FOUND', `no clearance record ${id}`);
  if ((await ledger.read(K.clearanceRevoked, [id], (v) => v)) !== undefined) throw new DomainError('ALREADY_EXISTS', `clearance record ${id} is already revoked`);
  const entry = { id, reason, at: txTime(ledger.ctx), txId: ledger.ctx.stub.getTxID() };
  await ledger.write(K.clearanceRevoked, [id], entry);
  return entry;
}

/** What a verifier reads: the record (digests only, never a claim), and whether it was revoked. */
export async function clearanceRecordStatus(ledger: Ledger, id: string): Promise<JsonValue> {
  const [record, revoked] = await Promise.all([ledger.read(K.clearanceRecord, [id], (v) => v), ledger.read(K.clearanceRevoked, [id], (v) => v)]);
  if (record === undefined) throw new DomainError('NOT_FOUND', `no clearance record ${id}`);
  return { record, status: revoked === undefined ? 'valid' : 'revoked', ...(revoked === undefined ? {} : { revocation: revoked }) };
}

/** The claims and salts an account holds (registrar, and the student through the gateway). */
export async function heldClearanceRecord(ledger: Ledger, account: string): Promise<JsonValue> {
  const held = await ledger.read(K.clearanceHeld, [parseAccountId(account)], (v) => v);
  if (!isJsonObject(held) || typeof held.id !== 'string') throw new DomainError('NOT_FOUND', `account ${account} holds no clearance record`);
  return { ...held, ...(await clearanceRecordStatus(ledger, held.id) as Record<string, JsonValue>) };
}
