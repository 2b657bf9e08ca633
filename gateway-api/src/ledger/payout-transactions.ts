/**
 * The payouts contract's transactions (`payouts:`, chaincode/src/contract/payout-contract.ts), the
 * daily close: each name and its arguments. The gateway forwards their answers to the API caller.
 */
import { forwarded, jsonArg, noArgs, oneArg, query, storedWrite, write } from './transaction';

const P = 'payouts';

/** Every transaction of the payouts contract the gateway calls. */
export const PAYOUTS = {
  GetMerchantBalances: query(P, 'GetMerchantBalances', noArgs, forwarded),
  RunPayouts: write(P, 'RunPayouts', (run: { runId: string }) => jsonArg(run), forwarded),
  /** A payout run; read as an idempotent write, it names the transaction that made it. */
  GetPayoutRun: query(P, 'GetPayoutRun', oneArg, storedWrite('payouts:GetPayoutRun')),
  ListPayoutRuns: query(P, 'ListPayoutRuns', noArgs, forwarded),
  GetMerchantPayouts: query(P, 'GetMerchantPayouts', oneArg, forwarded),
  CheckPayouts: query(P, 'CheckPayouts', noArgs, forwarded),
} as const;
