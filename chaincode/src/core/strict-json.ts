import { DomainError } from './errors';

/** In a `u` regex a surrogate matches only when it is not half of a pair. */
export const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** A JSON value as the strict parser returns it; objects have no prototype. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Limits that keep hostile input from costing more than it is worth. */
export interface JsonLimits {
  readonly maxDepth: number;
  readonly maxBytes: number;
}

const DEFAULT_LIMITS: JsonLimits = { maxDepth: 16, maxBytes: 4 * 1024 * 1024 };
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 bytes, refusing malformed sequences instead of replacing them. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new DomainError('INVALID_UTF8', 'input is not valid UTF-8');
  }
}

/**
 * Parses JSON more strictly than JSON.parse: duplicate keys, prototype-polluting keys, lone
 * surrogates, non-integer numbers and integers beyond 2^53 - 1 are refused; depth and size are capped.
 * The protocol carries money as strings, so it has no use for fractions or exponents.
 */
export function parseStrictJson(input: string | Uint8Array, limits: Partial<JsonLimits> = {}): JsonValue {
  const { maxDepth, maxBytes } = { ...DEFAULT_LIMITS, ...limits };
  const size = typeof input === 'string' ? input.length : input.byteLength;
  if (size > maxBytes) {
    throw new DomainError('BATCH_TOO_LARGE', `JSON of ${size} bytes exceeds ${maxBytes}`, { limit: String(maxBytes) });
  }
  const text = typeof input === 'string' ? input : decodeUtf8(input);
  const parser = new Parser(text, maxDepth);
  const value = parser.value(0);
  parser.end();
  return value;
}

/** A backslash or a control character: the string needs the character-by-character path. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_SLOW_PATH = /[\\\u0000-\u001f]/;

class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  value(depth: number): JsonValue {
    if (depth > this.maxDepth) throw new DomainError('TOO_DEEP', `nesting deeper than ${this.maxDepth}`);
    this.skipSpace();
    const ch = this.text[this.pos];
    switch (ch) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.number();
        throw this.fail(ch === undefined ? 'unexpected end of input' : `unexpected character at ${this.pos}`);
    }
  }

  end(): void {
    this.skipSpace();
    if (this.pos !== this.text.length) throw this.fail(`trailing characters at ${this.pos}`);
  }

  private object(depth: number): { [key: string]: JsonValue } {
    const out = Object.create(null) as { [key: string]: JsonValue };
    const seen = new Set<string>();
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') throw this.fail(`expected a key at ${this.pos}`);
      const key = this.string();
      if (FORBIDDEN_KEYS.has(key)) throw new DomainError('FORBIDDEN_KEY', `key "${key}" is not allowed`, { field: key });
      if (seen.has(key)) throw new DomainError('DUPLICATE_KEY', `key "${key}" appears twice`, { field: key });
      seen.add(key);
      this.skipSpace();
      if (this.text[this.pos] !== ':') throw this.fail(`expected ':' at ${this.pos}`);
      this.pos++;
      out[key] = this.value(depth + 1);
      this.skipSpace();
      const next = this.text[this.pos++];
      if (next === '}') return out;
      if (next !== ',') throw this.fail(`expected ',' or '}' at ${this.pos - 1}`);
    }
  }

  private array(depth: number): JsonValue[] {
    const out: JsonValue[] = [];
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.skipSpace();
      const next = this.text[this.pos++];
      if (next === ']') return out;
      if (next !== ',') throw this.fail(`expected ',' or ']' at ${this.pos - 1}`);
    }
  }

  private string(): string {
    const start = ++this.pos;
    // Fast path: most strings (base64url, ids, amounts) hold no escape or control character.
    const close = this.text.indexOf('"', start);
    if (close >= 0) {
      const plain = this.text.slice(start, close);
      if (!NEEDS_SLOW_PATH.test(plain)) {
        if (LONE_SURROGATE.test(plain)) throw new DomainError('INVALID_UTF8', 'string holds a lone surrogate');
        this.pos = close + 1;
        return plain;
      }
    }
    let out = '';
    let chunkStart = start;
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (Number.isNaN(code)) throw this.fail('unterminated string');
      if (code === 0x22) {
        out += this.text.slice(chunkStart, this.pos);
        this.pos++;
        break;
      }
      if (code < 0x20) throw this.fail(`control character in string at ${this.pos}`);
      if (code === 0x5c) {
        out += this.text.slice(chunkStart, this.pos);
        out += this.escape();
        chunkStart = this.pos;
        continue;
      }
      this.pos++;
    }
    if (LONE_SURROGATE.test(out)) throw new DomainError('INVALID_UTF8', 'string holds a lone surrogate');
    return out;
  }

  private escape(): string {
    const ch = this.text[this.pos + 1];
    this.pos += 2;
    switch (ch) {
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '/':
        return '/';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.fail(`bad \\u escape at ${this.pos}`);
        this.pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      default:
        throw this.fail(`bad escape at ${this.pos - 2}`);
    }
  }

  private number(): number {
    const match = /^-?(0|[1-9][0-9]*)([.eE][-+0-9.eE]*)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (match === null) throw new DomainError('INVALID_NUMBER', `malformed number at ${this.pos}`);
    const literal = match[0];
    if (match[2] !== undefined || /^-?0[0-9]/.test(this.text.slice(this.pos, this.pos + 3)) || literal === '-0') {
      throw new DomainError('INVALID_NUMBER', `only integers without leading zeros, fraction or exponent are allowed (at ${this.pos})`);
    }
    const after = this.text[this.pos + literal.length];
    if (after !== undefined && after >= '0' && after <= '9') {
      throw new DomainError('INTEGER_OUT_OF_RANGE', `integer literal too long at ${this.pos}`);
    }
    const value = Number(literal);
    if (!Number.isSafeInteger(value)) {
      throw new DomainError('INTEGER_OUT_OF_RANGE', `integer beyond 2^53 - 1 at ${this.pos}`);
    }
    this.pos += literal.length;
    return value;
  }

  private literal<T extends JsonValue>(word: string, value: T): T {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return value;
    }
    throw this.fail(`unexpected token at ${this.pos}`);
  }

  private skipSpace(): void {
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t') this.pos++;
      else return;
    }
  }

  private fail(message: string): DomainError {
    return new DomainError('MALFORMED_JSON', message);
  }
}
