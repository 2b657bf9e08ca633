import { formatPoints, formatYuan, isPositive, moreThanHalf, subtractMinor, yuan } from '../wallet/src/money';
import { codesLeft, nextCounter, refreshReason } from '../wallet/src/renewal';
import { formatShortTime, formatTime, zoneLabel } from '../wallet/src/time';

/** The wallet's pure rules: money from minor-unit strings without floats, campus times, counters and renewal. */
describe('wallet money', () => {
  it.each([['0', '0.00'], ['5', '0.05'], ['-5', '-0.05'], ['1250', '12.50'], ['5000', '50.00'], ['123456789', '1,234,567.89'], ['999999999999999999', '9,999,999,999,999,999.99']])(
    'formatYuan(%s) is %s, exactly, from the string', (minor, shown) => {
      expect(formatYuan(minor)).toBe(shown);
    });

  it('puts the sign before the currency', () => {
    expect(yuan('1250')).toBe('¥12.50');
    expect(yuan('-700')).toBe('-¥7.00');
    expect(yuan('-0')).toBe('¥0.00');
  });

  it.each([['12.5'], ['1e3'], [''], ['01'], ['-0.1'], [' 5']])('refuses %j as an amount', (bad) => {
    expect(() => formatYuan(bad)).toThrow('not an amount');
  });

  it('does arithmetic beyond 2^53 without losing a fen', () => {
    expect(subtractMinor('9007199254740993', '1')).toBe('9007199254740992');
    expect(moreThanHalf('2501', '5000')).toBe(true);
    expect(moreThanHalf('2500', '5000')).toBe(false);
    expect(isPositive('0')).toBe(false);
    expect(isPositive('-1')).toBe(false);
    expect(isPositive('1')).toBe(true);
  });

  it('shows points as a count, never as money', () => {
    expect(formatPoints('1234')).toBe('1,234 points');
    expect(formatPoints('1')).toBe('1 point');
    expect(formatPoints('0')).toBe('0 points');
    expect(() => formatPoints('1.5')).toThrow('not a number of points');
  });
});

describe('wallet times', () => {
  const at = Date.UTC(2026, 11, 3, 4, 4, 59);
  it('shows times in the campus zone with its offset', () => {
    expect(formatTime(at, 'Asia/Shanghai')).toBe('3 Dec 2026, 12:04 UTC+8');
    expect(formatTime(at, 'UTC')).toBe('3 Dec 2026, 04:04 UTC');
    expect(formatShortTime(at, 'Asia/Shanghai')).toBe('3 Dec 12:04');
    expect(zoneLabel(at, 'Asia/Kolkata')).toBe('UTC+5:30');
  });
});

describe('wallet counters and renewal', () => {
  const cert = { ctrFrom: 51, ctrTo: 100, nbf: 1_000_000, exp: 1_000_000 + 36 * 3_600_000 };

  it('takes the stored counter, never one below the certificate (a refresh moves the range up)', () => {
    expect(nextCounter(undefined, cert)).toBe(51);
    expect(nextCounter(60, cert)).toBe(60);
    expect(nextCounter(3, cert)).toBe(51);
    expect(nextCounter('60', cert)).toBe(51);
    expect(codesLeft(cert, 98)).toBe(3);
    expect(codesLeft(cert, 101)).toBe(0);
  });

  it('refreshes past half the validity or half the counters, and when used up or expired', () => {
    expect(refreshReason(cert, 51, cert.nbf + 1000)).toBeUndefined();
    expect(refreshReason(cert, 76, cert.nbf + 1000)).toBeUndefined();
    expect(refreshReason(cert, 77, cert.nbf + 1000)).toBe('more than half its codes are used');
    expect(refreshReason(cert, 51, cert.nbf + 18 * 3_600_000)).toBe('more than half its validity is gone');
    expect(refreshReason(cert, 101, cert.nbf + 1000)).toBe('all its codes are used');
    expect(refreshReason(cert, 51, cert.exp)).toBe('it has expired');
  });
});
