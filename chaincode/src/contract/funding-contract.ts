import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { ANY_ROLE, requireRole } from './access';
import { foldChargePairs, parseChargePairs, pendingChargeList, publishDenials } from './fold-records';
import { Ledger } from './ledger-records';

/**
 * Funding at the fold (docs/settlement.md): what the operator's gateway runs after settling —
 * FoldCharges funds the charges settlement left awaiting funding, PublishDenials gives double-spent
 * media their deny-list versions — and the list of charges still waiting. Called as
 * `funding:<Transaction>`. Every other write to an account folds it first on its own.
 */
@Info({ title: 'Funding at the fold', description: 'Funds settled charges: wallet, credit line, advance; points; deny-list versions of double spends' })
export class FundingContract extends Contract {
  constructor() {
    super('funding');
  }

  @Transaction()
  @Param('charges', 'string', 'JSON [[account, paymentId], ...]: 1..2000 charges of at most 500 accounts')
  @Returns('string')
  async FoldCharges(ctx: Context, charges: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['gateway'], 'FoldCharges');
    return JSON.stringify(await foldChargePairs(new Ledger(ctx), parseChargePairs(charges)));
  }

  /** Gives the media found double-spent since the last call their deny-list versions. */
  @Transaction()
  @Returns('string')
  async PublishDenials(ctx: Context): Promise<string> {
    requireRole(ctx.clientIdentity, ['gateway'], 'PublishDenials');
    return JSON.stringify(await publishDenials(new Ledger(ctx)));
  }

  @Transaction(false)
  @Param('limit', 'string', 'most charges to list, 1..5000')
  @Returns('string')
  async ListPendingCharges(ctx: Context, limit: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'ListPendingCharges');
    return JSON.stringify(await pendingChargeList(new Ledger(ctx), limit));
  }
}
