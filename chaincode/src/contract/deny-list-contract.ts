import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson } from '../core/canonical-json';
import type { JsonValue } from '../core/strict-json';
import { requireRole } from './access';
import { jsonArgument } from './argument';
import { addDenyEntry, liftDenyEntry } from './deny-entries';

/** Entries are small: a reason of at most 256 characters. */
const arg = (text: string, what: string): JsonValue => jsonArgument(text, what, 4 * 1024);

/**
 * The operator's deny-list tools (docs/gateway.md, "Deny list"): list an account or a medium with
 * a reason, and lift such an entry; each is a new deny-list version that terminals sync, naming
 * who did it and when. Called as `denylist:<Transaction>`. Reads stay with the settlement
 * contract's GetDenyListDelta, which terminals already use.
 */
@Info({ title: 'Deny list', description: "The operator's own deny-list entries and their lifts" })
export class DenyListContract extends Contract {
  constructor() {
    super('denylist');
  }

  @Transaction()
  @Param('entry', 'string', 'JSON {kind: "account" | "medium", id, reason}')
  @Returns('string')
  async AddDenyEntry(ctx: Context, entry: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator'], 'AddDenyEntry');
    return canonicalJson(await addDenyEntry(ctx, arg(entry, 'entry')));
  }

  @Transaction()
  @Param('lift', 'string', 'JSON {version, reason}: the version of the operator entry to lift')
  @Returns('string')
  async LiftDenyEntry(ctx: Context, lift: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator'], 'LiftDenyEntry');
    return canonicalJson(await liftDenyEntry(ctx, arg(lift, 'lift')));
  }
}
