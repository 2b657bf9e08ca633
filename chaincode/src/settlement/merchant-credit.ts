import { Amount } from '../core/amount';
import type { MerchantId } from '../core/ids';
import { book, type Posting } from './books';

/**
 * What a settled batch credits its merchant: the sum of its postings into the merchant's book.
 * The payout run pays exactly these credits, so an auditor recomputes them from the postings.
 */
export function merchantCredit(postings: Iterable<Posting>, merchantId: MerchantId): Amount {
  const merchantBook = book.merchant(merchantId);
  let credit = Amount.ZERO;
  for (const p of postings) if (p.to === merchantBook) credit = credit.add(p.amount);
  return credit;
}
