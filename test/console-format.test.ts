import { formatMoney, formatOnBook, formatPoints, formatTime, minuteOf, sumMinor } from '../console/src/format';

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
});
