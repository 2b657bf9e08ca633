import type { Context } from 'fabric-contract-api';
import { isJsonObject } from '../core/fields';
import { parseStrictJson, type JsonValue } from '../core/strict-json';

/**
 * Who acted on a staff write (docs/gateway.md, "Who acted"): the organisation and role of the
 * Fabric identity that signed the proposal (each endorser reads them from the certificate), and the
 * person behind it, as the organisation's gateway authenticated them, carried in the proposal's
 * transient field `dol.actor`. The contract writes it to `actor/<txId>`, so it is in the block.
 */
export interface ActorRecord {
  readonly fn: string;
  readonly mspId: string;
  readonly role: string | null;
  /** The staff credential's subject; null when the gateway named no one (an older gateway). */
  readonly subject: string | null;
}

const SUBJECT = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;

/** The transient field's subject, if the proposal carried a well-formed one. */
export function actorSubject(ctx: Context): string | null {
  const raw = ctx.stub.getTransient().get('dol.actor');
  if (raw === undefined) return null;
  try {
    const v: JsonValue = parseStrictJson(Buffer.from(raw).toString('utf8'));
    const subject = isJsonObject(v) ? v.subject : undefined;
    return typeof subject === 'string' && SUBJECT.test(subject) ? subject : null;
  } catch {
    return null;
  }
}

export function actorOf(ctx: Context, fn: string): ActorRecord {
  return { fn, mspId: ctx.clientIdentity.getMSPID(), role: ctx.clientIdentity.getAttributeValue('role') ?? null, subject: actorSubject(ctx) };
}

/** The staff writes that record their actor (a terminal's batch is signed by the terminal itself). */
export const STAFF_WRITES: ReadonlySet<string> = new Set([
  'RegisterIssuerKey', 'RevokeIssuerKey', 'RegisterMerchant', 'RegisterTerminal', 'SetTerminalStatus', 'RetireEdge', 'RotateTerminalKey', 'SetRiskPolicy',
  'OpenAccount', 'OpenAccounts', 'SetCreditLine', 'TopUp', 'TopUps', 'SetPointsPolicy', 'ExpirePoints', 'SetWaiverLimit', 'BeginClearance', 'ApproveWaiver', 'CompleteClearance', 'IssueClearanceRecord', 'RevokeClearanceRecord', 'LoadPurse', 'RefundPurse', 'Payout',
]);
