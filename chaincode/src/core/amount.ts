import { DomainError } from './errors';

/** Largest magnitude an Amount may hold: 10^18 - 1 minor units, so every value fits a signed 64-bit integer. */
export const AMOUNT_MAX = 999_999_999_999_999_999n;

const DECIMAL = /^-?(0|[1-9][0-9]{0,17})$/;
/** A canonical decimal integer of any length (up to 40 characters are looked at). */
const LONG_DECIMAL = /^-?[1-9][0-9]{18,38}$/;

/**
 * An immutable count of minor units (fen). Built only by its parsers; every operation checks range.
 * Never a float: the wire form is a decimal string, the code form a bigint.
 */
export class Amount {
  /** Zero minor units. */
  static readonly ZERO = new Amount(0n);

  private constructor(readonly minor: bigint) {}

  /** Wraps a bigint, throwing AMOUNT_OUT_OF_RANGE beyond ±AMOUNT_MAX. */
  static of(minor: bigint): Amount {
    if (minor > AMOUNT_MAX || minor < -AMOUNT_MAX) {
      throw new DomainError('AMOUNT_OUT_OF_RANGE', `amount beyond ±${AMOUNT_MAX}`);
    }
    return minor === 0n ? Amount.ZERO : new Amount(minor);
  }

  /**
   * Strictly parses the canonical decimal form: optional minus, no leading zeros, no "-0",
   * no plus sign, exponent, fraction, spaces or separators, at most 18 digits.
   */
  static parse(value: unknown, field = 'amount'): Amount {
    if (typeof value !== 'string') {
      throw new DomainError('INVALID_AMOUNT', `${field} must be a decimal string of minor units`, { field });
    }
    if (LONG_DECIMAL.test(value)) {
      throw new DomainError('AMOUNT_OUT_OF_RANGE', `${field} has more than 18 digits (at most ±${AMOUNT_MAX} minor units)`, { field });
    }
    if (value.length > 19 || !DECIMAL.test(value) || value === '-0') {
      throw new DomainError('INVALID_AMOUNT', `${field} is not a canonical decimal integer`, { field });
    }
    return Amount.of(BigInt(value));
  }

  /** Parses an amount that must be strictly greater than zero (a payment, a top-up). */
  static parsePositive(value: unknown, field = 'amount'): Amount {
    const amount = Amount.parse(value, field);
    if (amount.minor <= 0n) {
      throw new DomainError('INVALID_AMOUNT', `${field} must be greater than zero`, { field });
    }
    return amount;
  }

  /** Parses an amount that must be zero or more (a cap, a limit). */
  static parseNonNegative(value: unknown, field = 'amount'): Amount {
    const amount = Amount.parse(value, field);
    if (amount.minor < 0n) {
      throw new DomainError('INVALID_AMOUNT', `${field} must not be negative`, { field });
    }
    return amount;
  }

  /** Sum, range-checked. */
  add(other: Amount): Amount {
    return Amount.of(this.minor + other.minor);
  }

  /** Difference, range-checked. */
  sub(other: Amount): Amount {
    return Amount.of(this.minor - other.minor);
  }

  /** The additive inverse. */
  neg(): Amount {
    return Amount.of(-this.minor);
  }

  /** -1, 0 or 1. */
  cmp(other: Amount): -1 | 0 | 1 {
    return this.minor < other.minor ? -1 : this.minor > other.minor ? 1 : 0;
  }

  /** True when this is less than the other. */
  lt(other: Amount): boolean {
    return this.minor < other.minor;
  }

  /** True when this is greater than the other. */
  gt(other: Amount): boolean {
    return this.minor > other.minor;
  }

  /** True when both hold the same number of minor units. */
  equals(other: Amount): boolean {
    return this.minor === other.minor;
  }

  /** True for zero. */
  isZero(): boolean {
    return this.minor === 0n;
  }

  /** True below zero. */
  isNegative(): boolean {
    return this.minor < 0n;
  }

  /** The smaller of two amounts. */
  min(other: Amount): Amount {
    return this.lt(other) ? this : other;
  }

  /** The larger of two amounts. */
  max(other: Amount): Amount {
    return this.gt(other) ? this : other;
  }

  /**
   * this × numerator / denominator with explicit integer rounding; used for points and fees.
   * `floor` rounds toward minus infinity, `half-up` rounds halves away from zero.
   */
  mulRatio(numerator: bigint, denominator: bigint, rounding: 'floor' | 'ceil' | 'half-up'): Amount {
    if (denominator <= 0n) {
      throw new DomainError('INVALID_AMOUNT', 'ratio denominator must be positive');
    }
    const product = this.minor * numerator;
    let quotient = product / denominator;
    const remainder = product % denominator;
    if (rounding === 'floor') {
      if (remainder !== 0n && product < 0n) quotient -= 1n;
    } else if (rounding === 'ceil') {
      if (remainder !== 0n && product > 0n) quotient += 1n;
    } else {
      const twice = (remainder < 0n ? -remainder : remainder) * 2n;
      if (twice >= denominator) quotient += product < 0n ? -1n : 1n;
    }
    return Amount.of(quotient);
  }

  /** The canonical wire form. */
  toString(): string {
    return this.minor.toString();
  }

  /** Amounts serialise as their decimal string, never as a number. */
  toJSON(): string {
    return this.toString();
  }
}
