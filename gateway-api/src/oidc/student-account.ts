import { DomainError, parseAccountId, type AccountId } from '@dol/chaincode';
import { ContractClient } from '../ledger/contract-client';
import { LedgerError, type LedgerPort } from '../ledger/ledger-port';
import { SETTLEMENT } from '../ledger/settlement-transactions';
import { SignInFailure } from './sign-in-failure';

/**
 * The account a provider's claim names, once the ledger confirms it is open there: a claim that is
 * no account id fails as 'claim', an account the ledger does not know as 'unknown-account' (as an
 * activation code is issued only for an account finance opened).
 */
export async function studentAccount(claim: unknown, ledger: LedgerPort): Promise<AccountId> {
  let account: AccountId;
  try {
    account = parseAccountId(claim);
  } catch (error) {
    if (error instanceof DomainError) throw new SignInFailure('claim', { cause: error });
    throw error;
  }
  try {
    await new ContractClient(ledger).evaluate('operator', SETTLEMENT.GetAccount(account));
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    const because = { cause: error };
    if (error.failure === 'refused' && error.code === 'NOT_FOUND') throw new SignInFailure('unknown-account', because);
    if (error.failure !== 'refused') throw new SignInFailure('ledger', because);
    throw error; // another refusal of a read by the operator's identity is a defect: the API answers it as such
  }
  return account;
}
