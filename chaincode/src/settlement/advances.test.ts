import fc from 'fast-check';
import { Amount } from '../core/amount';
import { parseAccountId } from '../core/ids';
import { advanceBooks } from './advances';
import { balancesOf, posting, type Posting } from './books';

const a = (v: string): Amount => Amount.parse(v);

describe('advanceBooks', () => {
  const postings: Posting[] = [
    posting('advance:s2', 'merchant:m1', a('5'), 't:1'),
    posting('advance:s1', 'merchant:m1', a('3'), 't:2'),
    posting('wallet:s1', 'merchant:m1', a('1'), 't:3'),
    posting('topup-clearing', 'advance:s1', a('2'), 'topup-1'),
  ];

  it('groups advances and recoveries per account in name order, lines in posting order', () => {
    const books = advanceBooks(postings);
    expect(books.map((b) => [b.account, b.advanced.toString(), b.recovered.toString(), b.outstanding.toString(), b.lines.map((l) => `${l.kind}:${l.posting.ref}`)])).toEqual([
      ['s1', '3', '2', '1', ['advance:t:2', 'recovery:topup-1']],
      ['s2', '5', '0', '5', ['advance:t:1']],
    ]);
  });

  it('keeps only the account asked for, and nothing for an account never advanced', () => {
    expect(advanceBooks(postings, parseAccountId('s2')).map((b) => b.account)).toEqual(['s2']);
    expect(advanceBooks(postings, parseAccountId('s9'))).toEqual([]);
  });

  it('advanced = recovered + outstanding, and outstanding is what the advance book\'s balance owes', () => {
    const move = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.integer({ min: 1, max: 50_000 }));
    fc.assert(fc.property(fc.array(move, { maxLength: 40 }), (moves) => {
      const list = moves.map(([s, fronted, n], i) =>
        fronted ? posting(`advance:s${s}`, 'merchant:m1', Amount.of(BigInt(n)), `t:${i}`) : posting('topup-clearing', `advance:s${s}`, Amount.of(BigInt(n)), `u:${i}`));
      const balances = balancesOf(list);
      for (const b of advanceBooks(list)) {
        expect(b.advanced.equals(b.recovered.add(b.outstanding))).toBe(true);
        expect(b.outstanding.equals((balances.get(`advance:${b.account}`) ?? Amount.ZERO).neg())).toBe(true);
      }
      expect(advanceBooks(list).reduce((n, b) => n + b.lines.length, 0)).toBe(list.length);
    }));
  });
});
