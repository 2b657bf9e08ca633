import fc from 'fast-check';
import { Amount } from '../core/amount';
import { parseMerchantId } from '../core/ids';
import { balancesOf, book, posting } from './books';
import { merchantCredit } from './merchant-credit';

const m1 = parseMerchantId('m1');

describe('merchantCredit', () => {
  it('sums only the postings into the merchant book', () => {
    const postings = [
      posting('wallet:s1', book.merchant(m1), Amount.parse('350'), 't:1'),
      posting('advance:s2', book.merchant(m1), Amount.parse('125'), 't:2'),
      posting('wallet:s3', 'merchant:m2', Amount.parse('9'), 't:3'),
      posting(book.pointsIssued, 'points:s1', Amount.parse('4'), 't:1'),
    ];
    expect(merchantCredit(postings, m1).toString()).toBe('475');
    expect(merchantCredit([], m1).isZero()).toBe(true);
  });

  it('equals the merchant book\'s balance recomputed from postings when nothing leaves the book', () => {
    const arb = fc.array(fc.tuple(fc.constantFrom('m1', 'm2'), fc.integer({ min: 1, max: 100_000 })), { maxLength: 30 });
    fc.assert(fc.property(arb, (moves) => {
      const postings = moves.map(([m, n], i) => posting(`wallet:s${i}`, `merchant:${m}`, Amount.of(BigInt(n)), `t:${i}`));
      expect(merchantCredit(postings, m1).equals(balancesOf(postings).get(book.merchant(m1)) ?? Amount.ZERO)).toBe(true);
    }));
  });
});
