import { formatMoney, formatTime, minuteOf, sumMinor } from '../console/src/format';

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
    expect(formatTime(Date.UTC(2026, 11, 1, 4, 3, 4), 'Asia/Shanghai')).toBe('2026-12-01 12:03:04');
    expect(minuteOf(Date.UTC(2026, 11, 1, 4, 3, 59), 'Asia/Shanghai')).toBe('12:03');
  });
});
