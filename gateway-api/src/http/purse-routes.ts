/**
 * The card's electronic purse at the gateway (docs/settlement.md, "The card's electronic purse"):
 * a load machine loads a card online (the ledger moves the money, then this gateway's issuer key
 * signs the authorisation the card checks), the operator refunds a lost card's purse after the
 * wait, and staff read a card's shadow. Purchases come with terminals' batches like any sale.
 */
import { z } from 'zod';
import { ApiError } from '../errors';
import { SETTLEMENT } from '../ledger/settlement-transactions';
import { amount, evaluate, id, param, route, submit, type Route } from './route-kit';

export const PURSE_ROUTES: readonly Route[] = [
  route({ id: 'loadPurse', method: 'post', path: '/v1/purse-loads', roles: ['operator'], ok: [201],
    summary: "Load a purse card (圈存): the ledger moves the amount from the account's wallet to the card's purse under its next load counter, then the issuer key signs the authorisation the card checks; idempotent on loadId",
    body: z.strictObject({ loadId: id, certificate: z.string().min(1).max(4096), amount }),
    handle: async (call) => {
      const issuer = call.deps.issuer;
      if (issuer === undefined) throw new ApiError('LEDGER_UNAVAILABLE', 'this gateway runs no issuer service: it signs no load authorisations');
      const out = await submit(call, SETTLEMENT.LoadPurse(call.body), 201);
      const body = out.body as { result: { mediaId: string; loadCtr: number; amount: string; txId: string } };
      const authorisation = await issuer.signPurseLoad(body.result);
      return { status: 201, body: { ...body, authorisation } };
    } }),
  route({ id: 'refundPurse', method: 'post', path: '/v1/purses/{mediaId}/refund', roles: ['operator'], ok: [200],
    summary: "Refund a lost purse card's balance to the account's wallet, once purseRefundWaitMs has passed since its loss report and no purchase waits behind a gap",
    body: z.strictObject({}), handle: (call) => submit(call, SETTLEMENT.RefundPurse({ mediaId: param(call, 'mediaId') })) }),
  { id: 'getPurse', method: 'get', path: '/v1/purses/{mediaId}', roles: ['operator', 'auditor'], ok: [200],
    summary: "A purse card's shadow: loads, the balance the ledger counts, the next purchase counter it expects, purchases held behind a gap, a refund or a broken chain",
    handle: (call) => evaluate(call, SETTLEMENT.GetPurse(param(call, 'mediaId'))) },
];
