/** Reads what the API answered (`unknown`) into typed values, naming the field that is wrong. */

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const MINOR = /^-?(0|[1-9][0-9]*)$/;

/** An answer was not what the wallet expects: the field and what was wrong. */
export class AnswerError extends Error {}

/** A JSON object from outside, read field by field; every getter throws `AnswerError` on a wrong type. */
export class Fields {
  private constructor(
    private readonly value: Record<string, unknown>,
    private readonly what: string,
  ) {}

  /** Starts reading `value`, which must be a JSON object; `what` names it in errors. */
  static of(value: unknown, what: string): Fields {
    if (!isRecord(value)) throw new AnswerError(`${what} is not an object`);
    return new Fields(value, what);
  }

  /** Whether the field is present and not null. */
  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  /** The raw value of a field, for the caller to parse. */
  raw(key: string): unknown {
    return this.value[key];
  }

  /** A string field. */
  string(key: string): string {
    const v = this.value[key];
    if (typeof v !== 'string') throw new AnswerError(`${this.what}.${key} is not a string`);
    return v;
  }

  /** A string field, or undefined when absent. */
  optString(key: string): string | undefined {
    return this.has(key) ? this.string(key) : undefined;
  }

  /** A safe integer field (times in ms, counters, versions). */
  int(key: string): number {
    const v = this.value[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new AnswerError(`${this.what}.${key} is not an integer`);
    return v;
  }

  /** An integer field, or undefined when absent. */
  optInt(key: string): number | undefined {
    return this.has(key) ? this.int(key) : undefined;
  }

  /** A time: milliseconds since the epoch, or an ISO 8601 string. */
  time(key: string): number {
    const v = this.value[key];
    if (typeof v === 'string') {
      const ms = Date.parse(v);
      if (Number.isNaN(ms)) throw new AnswerError(`${this.what}.${key} is not a time`);
      return ms;
    }
    return this.int(key);
  }

  /** An amount of minor units as a decimal integer string ("5000" is 50.00): never a float. */
  minor(key: string): string {
    const v = this.value[key];
    if (typeof v !== 'string' || !MINOR.test(v)) throw new AnswerError(`${this.what}.${key} is not an amount of minor units`);
    return v;
  }

  /** A count (points): an integer given as a string or a number, kept as a decimal string. */
  count(key: string): string {
    const v = this.value[key];
    if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
    if (typeof v === 'string' && MINOR.test(v)) return v;
    throw new AnswerError(`${this.what}.${key} is not a whole number`);
  }

  /** A boolean field, false when absent. */
  flag(key: string): boolean {
    const v = this.value[key];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw new AnswerError(`${this.what}.${key} is not true or false`);
    return v;
  }

  /** A nested object field. */
  object(key: string): Fields {
    return Fields.of(this.value[key], `${this.what}.${key}`);
  }

  /** A nested object field, or undefined when absent or null. */
  optObject(key: string): Fields | undefined {
    return this.has(key) ? this.object(key) : undefined;
  }

  /** A list field, each item read by `item`; at most `limit` items are read (a bound on outside input). */
  list<T>(key: string, item: (value: unknown, what: string) => T, limit = 10_000): T[] {
    const v = this.value[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new AnswerError(`${this.what}.${key} is not a list`);
    return v.slice(0, limit).map((x: unknown, i) => item(x, `${this.what}.${key}[${String(i)}]`));
  }

  /** A list of strings. */
  strings(key: string, limit = 100): string[] {
    return this.list(key, (x, what) => {
      if (typeof x !== 'string') throw new AnswerError(`${what} is not a string`);
      return x;
    }, limit);
  }
}

/** Parses JSON text from outside as `unknown`. */
export function parseJson(text: string): unknown {
  return JSON.parse(text) as unknown;
}
