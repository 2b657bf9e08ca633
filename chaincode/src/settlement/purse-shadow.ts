import { Amount } from '../core/amount';
import type { AccountId, Digest, MediaId } from '../core/ids';
import { ZERO_DIGEST } from '../core/encoding';
import type { PursePurchase } from '../core/purse';
import { book, posting, type Posting } from './books';
import type { FoldFlag, FundedPayment, PendingCharge, PurseCharge } from './fold';

/**
 * The ledger's shadow of a card's electronic purse (docs/settlement.md, "The card's electronic
 * purse"): the loads the ledger made, the purchases it applied, in the card's counter order whatever
 * order they arrived in. A gap holds the purchases after it until the missing one arrives; a
 * purchase whose `prev` or `before` does not follow the chain is a tampered purse. Pure.
 */

export const purseChargeOf = (p: PursePurchase, hash: Digest): PurseCharge => ({ mediaId: p.mediaId, ctr: p.ctr, loadCtr: p.loadCtr, before: p.before, after: p.after, prev: p.prev, hash });

/** One card's purse as the ledger sees it (`purse/<mediaId>`). */
export interface PurseShadow {
  readonly mediaId: MediaId;
  readonly account: AccountId;
  /** Each load's amount by its load counter (1, 2, …). */
  readonly loads: Readonly<Record<string, Amount>>;
  readonly loadCtr: number;
  /** Applied purchases: their total, the next counter expected and the hash of the last. */
  readonly spent: Amount;
  readonly nextCtr: number;
  readonly lastHash: Digest;
  /** Refunded to the account after a loss (the purse is then closed). */
  readonly refunded?: { readonly amount: Amount; readonly at: number; readonly txId: string };
  /** Set once a purchase broke the balance chain. */
  readonly tamperedAt?: number;
}

export const newPurse = (mediaId: MediaId, account: AccountId): PurseShadow => ({ mediaId, account, loads: {}, loadCtr: 0, spent: Amount.ZERO, nextCtr: 1, lastHash: ZERO_DIGEST as Digest });

/** Money loaded up to and including load counter `k`. */
function loadedThrough(s: PurseShadow, k: number): Amount {
  let total = Amount.ZERO;
  for (const [ctr, amount] of Object.entries(s.loads)) if (Number(ctr) <= k) total = total.add(amount);
  return total;
}

/** What the purse holds by the ledger's count: every load less what it applied and refunded. */
export const shadowBalance = (s: PurseShadow): Amount => loadedThrough(s, s.loadCtr).sub(s.spent).sub(s.refunded?.amount ?? Amount.ZERO);

/** A load: money from the account's wallet into the purse, under the next load counter. */
export function loadPurse(s: PurseShadow, amount: Amount, ref: string): { shadow: PurseShadow; postings: Posting[] } {
  const loadCtr = s.loadCtr + 1;
  return {
    shadow: { ...s, loadCtr, loads: { ...s.loads, [String(loadCtr)]: amount } },
    postings: [posting(book.wallet(s.account), book.purse(s.mediaId), amount, ref)],
  };
}

/** A purchase that broke the chain: a fraud case and the card's denial follow. */
export interface TamperFinding {
  readonly paymentId: string;
  readonly ctr: number;
  readonly detail: string;
}

/**
 * Applies a card's pending purchases in counter order, from the next one expected, as far as they
 * run without a gap; the rest is held. A purchase that follows the chain is paid from the purse
 * (`purse:<mediaId> → charges-awaiting-funding`); one that does not (its `prev` is not the last
 * purchase's hash, it names a load the ledger never made, or its `before` is not what the card held)
 * is paid by the guarantee fund and reported, and the chain goes on from it.
 */
export function applyPurchases(shadow: PurseShadow, charges: readonly PendingCharge[], now: number): {
  shadow: PurseShadow; funded: FundedPayment[]; postings: Posting[]; held: PendingCharge[]; tampered: TamperFinding[];
} {
  const byCtr = new Map<number, PendingCharge>();
  for (const c of charges) if (c.purse !== undefined) byCtr.set(c.purse.ctr, c);
  let s = shadow;
  const funded: FundedPayment[] = [];
  const postings: Posting[] = [];
  const tampered: TamperFinding[] = [];
  for (let c = byCtr.get(s.nextCtr); c?.purse !== undefined; c = byCtr.get(s.nextCtr)) {
    const p = c.purse;
    byCtr.delete(p.ctr);
    const expected = loadedThrough(s, p.loadCtr).sub(s.spent);
    const broken = p.prev !== s.lastHash ? 'does not chain to the last purchase applied'
      : p.loadCtr > s.loadCtr ? `names load ${p.loadCtr}, the ledger made ${s.loadCtr}`
        : !p.before.equals(expected) ? `says the purse held ${p.before.toString()}, the ledger counts ${expected.toString()}` : undefined;
    if (broken === undefined) {
      postings.push(posting(book.purse(s.mediaId), book.chargesPending, c.amount, c.paymentId));
      s = { ...s, spent: s.spent.add(c.amount) };
    } else {
      postings.push(posting(book.guaranteeFund, book.chargesPending, c.amount, c.paymentId));
      tampered.push({ paymentId: c.paymentId, ctr: p.ctr, detail: `purchase ${p.ctr} ${broken}` });
      s = { ...s, tamperedAt: s.tamperedAt ?? now };
    }
    s = { ...s, nextCtr: p.ctr + 1, lastHash: p.hash };
    const flags: FoldFlag[] = [];
    if (broken !== undefined) flags.push('purse-tampered');
    funded.push({
      paymentId: c.paymentId, account: c.account, points: Amount.ZERO, foldedAt: now, flags,
      funding: broken === undefined ? { wallet: Amount.ZERO, credit: Amount.ZERO, advance: Amount.ZERO, purse: c.amount } : { wallet: Amount.ZERO, credit: Amount.ZERO, advance: c.amount },
    });
  }
  return { shadow: s, funded, postings, held: [...byCtr.values()], tampered };
}

/** A lost card's purse back to the account's wallet: what the shadow holds once every purchase that arrived is applied. */
export function refundPurse(s: PurseShadow, now: number, txId: string): { shadow: PurseShadow; amount: Amount; postings: Posting[] } {
  const amount = shadowBalance(s);
  return {
    shadow: { ...s, refunded: { amount, at: now, txId } },
    amount,
    postings: amount.gt(Amount.ZERO) ? [posting(book.purse(s.mediaId), book.wallet(s.account), amount, `purse-refund:${s.mediaId}`)] : [],
  };
}
