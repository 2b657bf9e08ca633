import type { Context } from 'fabric-contract-api';
import { DomainError } from '../core/errors';
import { FieldReader, isJsonObject } from '../core/fields';
import { parseAccountId, parseMediaId } from '../core/ids';
import type { JsonValue } from '../core/strict-json';
import { mediumOf, type AccountState } from '../settlement/account';
import { actorOf } from './actor';
import { pad } from './codec';
import { ownerOf } from './issuance-records';
import { K } from './keys';
import { Ledger, txTime } from './ledger-records';

/**
 * The operator's own deny-list entries (docs/gateway.md, "Deny list"): an account or a medium
 * listed with a reason, who did it and when, and lifted the same way. The deny list is a log of
 * versions (`deny/<version>`): a lift is a new version whose entry says `action: "lift"`, so that
 * terminals replaying the log from version 0 (GET /v1/deny-list?since=0) drop the id again.
 * Only the operator's own entries are lifted here: a lost medium's key never comes back, and a
 * graduation clearance is ended by closing the account, not by a lift.
 */

/** What an operator's entry or lift says about its author: the staff member, their role and organisation. */
interface By {
  readonly subject: string | null;
  readonly role: string | null;
  readonly mspId: string;
}

/** A reason people read later: printable, 1-256 characters. */
const REASON = /^[^\p{Cc}]{1,256}$/u;

function byOf(ctx: Context, fn: string): By {
  const a = actorOf(ctx, fn);
  return { subject: a.subject, role: a.role, mspId: a.mspId };
}

/**
 * The account and the deny-list version its entry (account or medium) stands at now. A medium is
 * found through the index of certified media, or (one only ever used, never certified here) in
 * the account the request names.
 */
async function target(ledger: Ledger, kind: 'account' | 'medium', id: string, named?: string): Promise<{ account: AccountState; deniedAt: number | undefined }> {
  if (kind === 'account') {
    const account = await ledger.account(parseAccountId(id));
    return { account, deniedAt: account.deniedAt };
  }
  const mediaId = parseMediaId(id, 'id');
  const indexed = await ledger.read(K.mediaIndex, [mediaId], (v) => (isJsonObject(v) && typeof v.account === 'string' ? v.account : undefined));
  if (indexed === undefined && named === undefined) return { account: await ledger.account(await ownerOf(ledger, mediaId)), deniedAt: undefined };
  if (indexed !== undefined && named !== undefined && indexed !== named) throw new DomainError('NOT_FOUND', `medium ${mediaId} is not of account ${named}`);
  const account = await ledger.account(parseAccountId(indexed ?? named));
  const medium = mediumOf(account, mediaId);
  if (indexed === undefined && medium === undefined) throw new DomainError('NOT_FOUND', `account ${account.id} never used or certified medium ${mediaId}`);
  return { account, deniedAt: medium?.deniedAt };
}

/** The account with the entry's id deny-listed from `version`, or lifted (`version` undefined). */
export function withDenied(a: AccountState, kind: 'account' | 'medium', id: string, version: number | undefined): AccountState {
  // accountToJson leaves an undefined deniedAt out: a lift leaves no trace on the account but the entries.
  if (kind === 'account') return { ...a, deniedAt: version };
  const m = mediumOf(a, parseMediaId(id, 'id')) ?? { used: {}, spent: {} };
  return { ...a, media: { ...a.media, [id]: { ...m, deniedAt: version } } };
}

/** Writes one deny-list version and moves the list's head to it; the actor record makes the proof name who acted. */
async function writeVersion(ctx: Context, ledger: Ledger, entry: Record<string, JsonValue>, fn: string): Promise<void> {
  await ledger.write(K.deny, [pad(Number(entry.version))], entry);
  await ledger.write(K.config, ['denyVersion'], Number(entry.version));
  await ledger.write(K.actor, [ctx.stub.getTxID()], { ...actorOf(ctx, fn) });
}

/** Deny-lists an account or a medium for the operator: `{kind, id, reason}`; answers the new entry. */
export async function addDenyEntry(ctx: Context, request: JsonValue): Promise<JsonValue> {
  const r = FieldReader.of(request, 'entry', ['kind', 'id', 'reason'], ['account']);
  const kind = r.oneOf('kind', ['account', 'medium'] as const);
  const id = r.string('id', /^.{1,128}$/u, 'an account or medium id');
  const reason = r.string('reason', REASON, '1-256 printable characters');
  const named = r.has('account') ? r.parsed('account', parseAccountId) : undefined;
  const ledger = new Ledger(ctx);
  const [{ account, deniedAt }, current] = await Promise.all([target(ledger, kind, id, named), ledger.denyVersion()]);
  if (deniedAt !== undefined) throw new DomainError('ALREADY_EXISTS', `${kind} ${id} is already deny-listed (version ${String(deniedAt)})`);
  const version = current + 1;
  const entry = {
    version, kind, id, ...(kind === 'medium' ? { account: account.id } : {}), reason, at: txTime(ctx), action: 'deny', source: 'operator', by: { ...byOf(ctx, 'AddDenyEntry') },
  };
  await ledger.putAccount(withDenied(account, kind, id, version));
  await writeVersion(ctx, ledger, entry, 'AddDenyEntry');
  return entry;
}

/** Reads a stored deny-list entry as the fields a lift checks. */
function storedEntry(v: JsonValue, version: number): { kind: 'account' | 'medium'; id: string; account?: string; operator: boolean; lifted: boolean; raw: Record<string, JsonValue> } {
  if (!isJsonObject(v) || typeof v.id !== 'string') throw new DomainError('NOT_FOUND', `deny-list version ${String(version)} holds no entry`);
  return {
    kind: v.kind === 'account' ? 'account' : 'medium', id: v.id, ...(typeof v.account === 'string' ? { account: v.account } : {}),
    operator: v.source === 'operator' && v.action === 'deny', lifted: v.lifted !== undefined, raw: v,
  };
}

/**
 * A medium that was reported lost, or double-spent at any time, stays listed whoever listed it
 * first: a double spend or a loss report on a medium already listed writes no entry of its own, so
 * the operator's entry would otherwise look like the only reason, and its lift would bring a
 * cloned or lost key back into service.
 */
async function mustStayListed(ledger: Ledger, account: AccountState, id: string): Promise<void> {
  if (mediumOf(account, parseMediaId(id, 'id'))?.lost !== undefined) throw new DomainError('WRONG_ACCOUNT_STATE', `medium ${id} was reported lost: its key never comes back`);
  // Fraud cases are few and a lift is a rare staff act: a sweep of the cases is cheap here.
  const cases = await ledger.all(K.fraud, [], (v) => (isJsonObject(v) && v.mediaId === id ? (typeof v.caseId === 'string' ? v.caseId : '?') : undefined));
  const caseId = cases.find((c) => c !== undefined);
  if (caseId !== undefined) throw new DomainError('WRONG_ACCOUNT_STATE', `medium ${id} was double-spent (case ${caseId}): it stays listed`);
}

/** Lifts an operator's entry: `{version, reason}`; answers the lift, itself a new deny-list version. */
export async function liftDenyEntry(ctx: Context, request: JsonValue): Promise<JsonValue> {
  const r = FieldReader.of(request, 'lift', ['version', 'reason']);
  const lifts = r.int('version', 1);
  const reason = r.string('reason', REASON, '1-256 printable characters');
  const ledger = new Ledger(ctx);
  const found = await ledger.read(K.deny, [pad(lifts)], (v) => v);
  if (found === undefined) throw new DomainError('NOT_FOUND', `deny-list version ${String(lifts)} does not exist`);
  const old = storedEntry(found, lifts);
  if (!old.operator) throw new DomainError('WRONG_ACCOUNT_STATE', `deny-list version ${String(lifts)} was not an operator's entry (${typeof old.raw.reason === 'string' ? old.raw.reason : 'no reason'}): only the operator's own entries are lifted`);
  if (old.lifted) throw new DomainError('ALREADY_EXISTS', `deny-list version ${String(lifts)} is already lifted`);
  const [{ account, deniedAt }, current] = await Promise.all([target(ledger, old.kind, old.id, old.account), ledger.denyVersion()]);
  // A later entry (a clearance, a double spend) deny-lists it too: lifting this one would let terminals accept it.
  if (deniedAt !== lifts) throw new DomainError('WRONG_ACCOUNT_STATE', `${old.kind} ${old.id} is deny-listed by a later entry (version ${String(deniedAt ?? '?')}): it stays listed`);
  if (old.kind === 'medium') await mustStayListed(ledger, account, old.id);
  const version = current + 1;
  const by = byOf(ctx, 'LiftDenyEntry');
  const at = txTime(ctx);
  const lift = { version, kind: old.kind, id: old.id, ...(old.account === undefined ? {} : { account: old.account }), reason, at, action: 'lift', lifts, source: 'operator', by: { ...by } };
  await ledger.putAccount(withDenied(account, old.kind, old.id, undefined));
  await ledger.write(K.deny, [pad(lifts)], { ...old.raw, lifted: { version, at, reason, by: { ...by } } });
  await writeVersion(ctx, ledger, lift, 'LiftDenyEntry');
  return lift;
}
