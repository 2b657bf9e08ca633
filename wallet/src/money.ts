/**
 * Money and points for the student. Amounts arrive as decimal strings of minor units (fen) and are
 * shown by moving the decimal point in the string or by bigint arithmetic: never through a float.
 */

const INTEGER = /^(-?)(0|[1-9][0-9]*)$/;

function digitsOf(minor: string, what: string): { negative: boolean; digits: string } {
  const m = INTEGER.exec(minor);
  if (m === null) throw new Error(`not ${what}: ${JSON.stringify(minor)}`);
  const digits = m[2] ?? '0';
  return { negative: m[1] === '-' && digits !== '0', digits };
}

const grouped = (digits: string): string => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** Minor units as yuan with two decimals and thousands separators: "-123456" → "-1,234.56". */
export function formatYuan(minor: string): string {
  const { negative, digits } = digitsOf(minor, 'an amount of minor units');
  const padded = digits.padStart(3, '0');
  return `${negative ? '-' : ''}${grouped(padded.slice(0, -2))}.${padded.slice(-2)}`;
}

/** Minor units with the currency sign: "1250" → "¥12.50", "-5" → "-¥0.05". */
export function yuan(minor: string): string {
  const shown = formatYuan(minor);
  return shown.startsWith('-') ? `-¥${shown.slice(1)}` : `¥${shown}`;
}

/** Points are a count, not money: "1234" → "1,234 points", "1" → "1 point". */
export function formatPoints(count: string): string {
  const { negative, digits } = digitsOf(count, 'a number of points');
  return `${negative ? '-' : ''}${grouped(digits)} ${digits === '1' ? 'point' : 'points'}`;
}

/** `a - b` of two minor-unit strings, exactly. */
export function subtractMinor(a: string, b: string): string {
  digitsOf(a, 'an amount of minor units');
  digitsOf(b, 'an amount of minor units');
  return (BigInt(a) - BigInt(b)).toString();
}

/** Whether `used` is more than half of `total` (both minor-unit strings), exactly: 2·used > total. */
export function moreThanHalf(used: string, total: string): boolean {
  digitsOf(used, 'an amount of minor units');
  digitsOf(total, 'an amount of minor units');
  return 2n * BigInt(used) > BigInt(total);
}

/** Whether the amount is above zero. */
export function isPositive(minor: string): boolean {
  return digitsOf(minor, 'an amount of minor units').digits !== '0' && !minor.startsWith('-');
}
