/**
 * The operator's daily close (docs/gateway.md, "Paying merchants"): what each merchant is owed,
 * a payout run over every merchant with credits, the runs with their bank payment files, each
 * merchant's payout history, and the auditor's check. The ledger side is the `payouts` contract.
 */
import { z } from 'zod';
import type { CallerRole } from '../config';
import { PAYOUTS } from '../ledger/payout-transactions';
import { evaluate, id, param, route, submitIdempotent, type Route } from './route-kit';

const CLOSE_READ: readonly CallerRole[] = ['operator', 'auditor'];

export const PAYOUT_ROUTES: readonly Route[] = [
  { id: 'getMerchantBalances', method: 'get', path: '/v1/merchant-balances', roles: CLOSE_READ, ok: [200], csv: 'merchantBalances',
    summary: 'What each merchant is owed now: its unpaid credits (settled batches not yet paid out), their count and the oldest; a payout run pays exactly these',
    handle: (call) => evaluate(call, PAYOUTS.GetMerchantBalances()) },
  route({ id: 'runPayouts', method: 'post', path: '/v1/payout-runs', roles: ['operator'], ok: [201, 200],
    summary: "The daily close: pay every merchant its unpaid credits in one transaction, each as a payout statement named by the run's id; idempotent on runId (the same run again answers the original, replayed: true)",
    body: z.strictObject({ runId: id }),
    handle: (call) => {
      return submitIdempotent(call, PAYOUTS.GetPayoutRun(call.body.runId), PAYOUTS.RunPayouts(call.body), 201);
    } }),
  { id: 'listPayoutRuns', method: 'get', path: '/v1/payout-runs', roles: CLOSE_READ, ok: [200], summary: 'Every payout run, newest first, with each merchant it paid',
    handle: (call) => evaluate(call, PAYOUTS.ListPayoutRuns()) },
  { id: 'getPayoutRun', method: 'get', path: '/v1/payout-runs/{runId}', roles: CLOSE_READ, ok: [200], csv: 'payoutRun',
    summary: 'One payout run and who ran it; as CSV (?format=csv) it is the bank payment file: one transfer per merchant, amount in minor units and in yuan, the reference <runId>/<merchantId>',
    handle: (call) => evaluate(call, PAYOUTS.GetPayoutRun(param(call, 'runId'))) },
  { id: 'getMerchantPayouts', method: 'get', path: '/v1/merchants/{merchantId}/payouts', roles: CLOSE_READ, ok: [200],
    summary: "A merchant's payout history (each statement's head, newest first), what it was paid in all, and what is unpaid now",
    handle: (call) => evaluate(call, PAYOUTS.GetMerchantPayouts(param(call, 'merchantId'))) },
  { id: 'checkPayouts', method: 'get', path: '/v1/payout-check', roles: CLOSE_READ, ok: [200],
    summary: "The auditor's check of the daily close: each merchant's book equals its unpaid credits, each statement's lines its total, the payouts book every statement, each run its payouts",
    handle: (call) => evaluate(call, PAYOUTS.CheckPayouts()) },
];
