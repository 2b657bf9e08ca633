import { Amount } from '../core/amount';
import { book, posting } from './books';
import { pointsSupplyOf } from './points-supply';

const a = (v: string): Amount => Amount.parse(v);

describe('pointsSupplyOf', () => {
  const postings = [
    posting(book.pointsIssued, 'points:s1', a('10'), 't:1'),
    posting(book.pointsIssued, 'points:s2', a('4'), 't:2'),
    posting('points:s1', book.pointsIssued, a('3'), 'expiry-1'),
    posting('wallet:s1', 'merchant:m1', a('99'), 't:1'),
  ];

  it("is issued − redeemed − expired from the postings (an expiry back into points-issued counts as expired), consistent when the accounts hold exactly that", () => {
    const s = pointsSupplyOf(postings, [a('7'), a('4')]);
    expect([s.issued, s.expired, s.supply, s.heldByAccounts].map(String)).toEqual(['14', '3', '11', '11']);
    expect(s.consistent).toBe(true);
  });

  it('is inconsistent when the accounts hold more or less than the supply', () => {
    expect(pointsSupplyOf(postings, [a('7'), a('5')]).consistent).toBe(false);
    expect(pointsSupplyOf(postings, [a('7')]).consistent).toBe(false);
  });

  it('is zero and consistent on an empty ledger', () => {
    const s = pointsSupplyOf([], []);
    expect(s.supply.isZero() && s.heldByAccounts.isZero() && s.consistent).toBe(true);
  });
});
