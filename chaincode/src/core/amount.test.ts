import fc from 'fast-check';
import { Amount, AMOUNT_MAX } from './amount';
import { errorCodeOf } from '../testing/error-code';

const code = errorCodeOf;

describe('Amount', () => {
  it.each(['0', '1', '1250', '-5', '999999999999999999', '-999999999999999999'])('parse accepts canonical %s and prints it back', (text) => {
    expect(Amount.parse(text).toString()).toBe(text);
  });

  it.each([
    ['-0'], ['01'], ['+1'], ['1.0'], ['1e3'], [' 1'], ['1 '], ['1_000'], ['0x10'], [''], ['-'], ['１２'], ['9'.repeat(400)], ['01000000000000000000'],
  ])('parse refuses %j with INVALID_AMOUNT', (text) => {
    expect(code(() => Amount.parse(text))).toBe('INVALID_AMOUNT');
  });

  it.each([['1000000000000000000'], ['-1000000000000000000'], ['9'.repeat(39)]])('parse refuses the well-formed but too long %j with AMOUNT_OUT_OF_RANGE', (text) => {
    expect(code(() => Amount.parse(text))).toBe('AMOUNT_OUT_OF_RANGE');
  });

  it.each([[12], [1.5], [null], [undefined], [12n], [{}]])('parse refuses the non-string %p', (value) => {
    expect(code(() => Amount.parse(value))).toBe('INVALID_AMOUNT');
  });

  it('parsePositive refuses zero and negatives; parseNonNegative refuses only negatives', () => {
    expect(code(() => Amount.parsePositive('0'))).toBe('INVALID_AMOUNT');
    expect(code(() => Amount.parsePositive('-1'))).toBe('INVALID_AMOUNT');
    expect(Amount.parseNonNegative('0').isZero()).toBe(true);
    expect(code(() => Amount.parseNonNegative('-1'))).toBe('INVALID_AMOUNT');
  });

  it('add and sub throw AMOUNT_OUT_OF_RANGE beyond the bound instead of wrapping', () => {
    const max = Amount.of(AMOUNT_MAX);
    expect(code(() => max.add(Amount.of(1n)))).toBe('AMOUNT_OUT_OF_RANGE');
    expect(code(() => max.neg().sub(Amount.of(1n)))).toBe('AMOUNT_OUT_OF_RANGE');
  });

  it('mulRatio rounds explicitly: floor toward minus infinity, half-up away from zero', () => {
    expect(Amount.of(15n).mulRatio(1n, 10n, 'floor').toString()).toBe('1');
    expect(Amount.of(-15n).mulRatio(1n, 10n, 'floor').toString()).toBe('-2');
    expect(Amount.of(15n).mulRatio(1n, 10n, 'half-up').toString()).toBe('2');
    expect(Amount.of(14n).mulRatio(1n, 10n, 'half-up').toString()).toBe('1');
    expect(Amount.of(-15n).mulRatio(1n, 10n, 'half-up').toString()).toBe('-2');
    expect(code(() => Amount.of(1n).mulRatio(1n, 0n, 'floor'))).toBe('INVALID_AMOUNT');
  });

  it('serialises to JSON as a decimal string, never a number', () => {
    expect(JSON.stringify({ a: Amount.parse('1250') })).toBe('{"a":"1250"}');
  });

  const inRange = fc.bigInt(-AMOUNT_MAX, AMOUNT_MAX);

  it('property: parse(toString(x)) is x for every amount in range', () => {
    fc.assert(fc.property(inRange, (n) => Amount.parse(Amount.of(n).toString()).minor === n));
  });

  it('property: add then sub returns the original, or add throws AMOUNT_OUT_OF_RANGE', () => {
    fc.assert(
      fc.property(inRange, inRange, (a, b) => {
        const x = Amount.of(a);
        const y = Amount.of(b);
        const c = code(() => x.add(y));
        if (c !== 'OK') return c === 'AMOUNT_OUT_OF_RANGE' && (a + b > AMOUNT_MAX || a + b < -AMOUNT_MAX);
        return x.add(y).sub(y).equals(x);
      }),
    );
  });

  it('property: any string either parses to its canonical self or fails with INVALID_AMOUNT', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^-?[0-9]{1,25}$/)), (s) => {
        const c = code(() => Amount.parse(s));
        return c === 'OK' ? Amount.parse(s).toString() === s : c === 'INVALID_AMOUNT';
      }),
    );
  });

  it('property: mulRatio floor never exceeds the exact product, and is within one unit of it', () => {
    fc.assert(
      fc.property(fc.bigInt(0n, 10n ** 12n), fc.bigInt(0n, 1000n), fc.bigInt(1n, 1000n), (a, n, d) => {
        const r = Amount.of(a).mulRatio(n, d, 'floor').minor;
        return r * d <= a * n && (r + 1n) * d > a * n;
      }),
    );
  });
});
