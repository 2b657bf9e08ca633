import { Amount } from '../core/amount';
import { posting } from './books';
import { statementMismatches } from './statement-proof';

const a = (v: string): Amount => Amount.parse(v);

describe('statementMismatches', () => {
  const lines = [
    posting('topup-clearing', 'wallet:s1', a('10'), 'topup-1'),
    posting('wallet:s1', 'merchant:m1', a('4'), 't:1'),
    posting('advance:s1', 'merchant:m1', a('2'), 't:2'),
  ];

  it('finds none when every stored balance is what its postings add up to', () => {
    expect(statementMismatches([['wallet:s1', a('6')], ['advance:s1', a('-2')], ['credit:s1', a('0')]], lines)).toEqual([]);
  });

  it('names each book whose stored balance the postings do not explain, in the order stored', () => {
    const found = statementMismatches([['wallet:s1', a('7')], ['advance:s1', a('-2')], ['points:s1', a('1')]], lines);
    expect(found.map((m) => [m.book, m.stored.toString(), m.fromPostings.toString()])).toEqual([['wallet:s1', '7', '6'], ['points:s1', '1', '0']]);
  });
});
