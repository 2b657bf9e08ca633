import { Amount } from './amount';
import { DomainError } from './errors';
import type { JsonValue } from './strict-json';

/** A parsed JSON object. */
export type JsonObject = { readonly [key: string]: JsonValue };

/** True for a plain (non-array, non-null) JSON object. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the fields of one protocol object: refuses unknown and missing keys, and gives each
 * field a typed reader whose failures name the field.
 */
export class FieldReader {
  private constructor(
    private readonly obj: JsonObject,
    private readonly what: string,
  ) {}

  /** Checks that value is an object with exactly the required keys (plus any of the optional ones). */
  static of(value: unknown, what: string, required: readonly string[], optional: readonly string[] = []): FieldReader {
    if (!isJsonObject(value)) throw new DomainError('INVALID_FIELD', `${what} must be a JSON object`, { field: what });
    for (const key of Object.keys(value)) {
      if (!required.includes(key) && !optional.includes(key)) {
        throw new DomainError('UNKNOWN_FIELD', `${what} has unknown field "${key}"`, { field: key });
      }
    }
    for (const key of required) {
      if (!(key in value)) throw new DomainError('MISSING_FIELD', `${what} lacks field "${key}"`, { field: key });
    }
    return new FieldReader(value, what);
  }

  /** The raw value of a field (possibly undefined for an optional one). */
  raw(key: string): JsonValue | undefined {
    return this.obj[key];
  }

  /** True when the field is present. */
  has(key: string): boolean {
    return key in this.obj;
  }

  /** A string matching the pattern. */
  string(key: string, pattern: RegExp, hint: string): string {
    const value = this.obj[key];
    if (typeof value !== 'string' || !pattern.test(value)) {
      throw new DomainError('INVALID_FIELD', `${this.what}.${key} must be ${hint}`, { field: key });
    }
    return value;
  }

  /** A safe integer within [min, max]. */
  int(key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.obj[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new DomainError('INVALID_FIELD', `${this.what}.${key} must be an integer`, { field: key });
    }
    if (value < min || value > max) {
      throw new DomainError('INTEGER_OUT_OF_RANGE', `${this.what}.${key} must be within ${min}..${max}`, { field: key });
    }
    return value;
  }

  /** One of a closed set of strings. */
  oneOf<T extends string>(key: string, values: readonly T[]): T {
    const value = this.obj[key];
    const found = values.find((v) => v === value);
    if (found === undefined) {
      throw new DomainError('INVALID_FIELD', `${this.what}.${key} must be one of ${values.join(', ')}`, { field: key });
    }
    return found;
  }

  /** The protocol type tag: a mismatch is WRONG_TYPE. */
  typ(expected: string): void {
    if (this.obj.typ !== expected) {
      throw new DomainError('WRONG_TYPE', `${this.what}.typ must be "${expected}"`, { field: 'typ' });
    }
  }

  /** The protocol version: only 1 exists. */
  version(): 1 {
    if (this.obj.v !== 1) throw new DomainError('UNSUPPORTED_VERSION', `${this.what}.v must be 1`, { field: 'v' });
    return 1;
  }

  /** An amount greater than zero. */
  positiveAmount(key: string): Amount {
    return Amount.parsePositive(this.obj[key], key);
  }

  /** An amount of zero or more. */
  nonNegativeAmount(key: string): Amount {
    return Amount.parseNonNegative(this.obj[key], key);
  }

  /** A field parsed by the given parser (the parsers name the field themselves). */
  parsed<T>(key: string, parse: (value: unknown, field: string) => T): T {
    return parse(this.obj[key], key);
  }
}
