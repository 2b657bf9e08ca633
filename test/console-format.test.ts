import { formatFunding, formatMoney, formatOnBook, formatPoints, formatTime, minuteOf, sumMinor } from '../console/src/format';

describe('console formatting', () => {
  it.each([['0', '0.00'], ['5', '0.05'], ['-5', '-0.05'], ['1250', '12.50'], ['123456789', '1,234,567.89'], ['-100000', '-1,000.00'], ['999999999999999999', '9,999,999,999,999,999.99']])(
    'formatMoney(%s) is %s, exactly, from the string', (minor, shown) => {
      expect(formatMoney(minor)).toBe(shown);
    });

  it.each([['12.5'], ['1e3'], [''], ['01'], ['-0.1']])('formatMoney refuses %j', (bad) => {
    expect(() => formatMoney(bad)).toThrow('not an amount');
  });

  it('sums beyond 2^53 without losing a fen', () => {
    expect(sumMinor(['9007199254740993', '1'])).toBe('9007199254740994');
  });

  it('shows times in the campus time zone', () => {
    expect(formatTime(Date.UTC(2026, 11, 1, 4, 3, 4), 'Asia/Shanghai')).toBe('2026-12-01 12:03:04 UTC+8');
    expect(formatTime(Date.UTC(2026, 11, 1, 4, 3, 4), 'UTC')).toBe('2026-12-01 04:03:04 UTC');
    expect(minuteOf(Date.UTC(2026, 11, 1, 4, 3, 59), 'Asia/Shanghai')).toBe('12:03');
  });

  it('shows points as points, never as money', () => {
    expect(formatPoints('37')).toBe('37 points');
    expect(formatPoints('1234567')).toBe('1,234,567 points');
    expect(formatOnBook('points:s00008', '37')).toBe('37 points');
    expect(formatOnBook('points', '10')).toBe('10 points');
    expect(formatOnBook('wallet:s00008', '37')).toBe('0.37');
    expect(formatOnBook('merchant:canteen-north', '1200')).toBe('12.00');
    expect(() => formatPoints('1.5')).toThrow('not a number of points');
  });

  it("shows a payment's funding: pending until the fold, then where the money came from, the split, points and the fold's flags", () => {
    expect(formatFunding({ payment: {}, funding: 'pending' })).toBe('pending (decided at the fold, seconds after settlement)');
    expect(formatFunding({ payment: {}, funding: { kind: 'wallet', wallet: '1250', credit: '0', advance: '0', points: '25', flags: [], foldedAt: 1 } }))
      .toBe('by the wallet: wallet 12.50, credit line 0.00, advance 0.00; 25 points');
    expect(formatFunding({ payment: {}, funding: { kind: 'advance', wallet: '300', credit: '200', advance: '450', points: '0', flags: ['cap-total-exceeded'], foldedAt: 1 } }))
      .toBe('by an advance: wallet 3.00, credit line 2.00, advance 4.50; 0 points; flags cap-total-exceeded');
    // A closed account's sale: the guarantee fund paid at settlement, no fold.
    expect(formatFunding({ payment: {}, funding: { kind: 'advance', wallet: '0', credit: '0', advance: '900', points: '0', flags: ['post-closure-referred'], foldedAt: null } }))
      .toBe('by an advance: wallet 0.00, credit line 0.00, advance 9.00; 0 points; flags post-closure-referred');
    expect(formatFunding({ payment: {}, funding: null })).toBe('not paid');
    // Nothing said of funding (a failed read): nothing shown; a field left out is '?', never a made-up zero.
    expect(formatFunding(null)).toBe('');
    expect(formatFunding({ payment: {}, funding: { kind: 'credit', wallet: '0', advance: '0', points: '0', flags: [] } })).toBe('by the credit line: wallet 0.00, credit line ?, advance 0.00; 0 points');
  });
});
