import fc from 'fast-check';
import { canonicalJson } from './canonical-json';
import { errorCodeOf } from '../testing/error-code';
import { parseStrictJson } from './strict-json';

const code = errorCodeOf;

describe('parseStrictJson', () => {
  it('parses ordinary protocol JSON into prototype-free objects', () => {
    const value = parseStrictJson('{"a":[1,"x",true,null,{"b":-2}]}');
    expect(canonicalJson(value)).toBe('{"a":[1,"x",true,null,{"b":-2}]}');
    expect(Object.getPrototypeOf(value)).toBeNull();
  });

  it.each([
    ['{"a":1,"a":2}', 'DUPLICATE_KEY'],
    ['{"__proto__":{"admin":true}}', 'FORBIDDEN_KEY'],
    ['{"constructor":{}}', 'FORBIDDEN_KEY'],
    ['{"prototype":1}', 'FORBIDDEN_KEY'],
    ['{"a":1.5}', 'INVALID_NUMBER'],
    ['{"a":1e3}', 'INVALID_NUMBER'],
    ['{"a":01}', 'INVALID_NUMBER'],
    ['{"a":-0}', 'INVALID_NUMBER'],
    ['{"a":9007199254740992}', 'INTEGER_OUT_OF_RANGE'],
    ['{"a":' + '9'.repeat(500) + '}', 'INTEGER_OUT_OF_RANGE'],
    ['{"a":"\\ud800"}', 'INVALID_UTF8'],
    ['{"a":"x\u0001"}', 'MALFORMED_JSON'],
    ['{"a":1,}', 'MALFORMED_JSON'],
    ['{"a":1} x', 'MALFORMED_JSON'],
    ["{'a':1}", 'MALFORMED_JSON'],
    ['{"a":NaN}', 'MALFORMED_JSON'],
    ['', 'MALFORMED_JSON'],
    ['[' .repeat(100) + ']'.repeat(100), 'TOO_DEEP'],
  ])('refuses %j with %s', (text, expected) => {
    expect(code(() => parseStrictJson(text))).toBe(expected);
  });

  it('refuses bytes that are not UTF-8 with INVALID_UTF8', () => {
    expect(code(() => parseStrictJson(Uint8Array.from([0x22, 0xff, 0x22])))).toBe('INVALID_UTF8');
  });

  it('refuses input above the byte limit before parsing it', () => {
    expect(code(() => parseStrictJson(' '.repeat(101), { maxBytes: 100 }))).toBe('BATCH_TOO_LARGE');
  });

  it('property: for JSON of strings, safe integers and nesting, strict parse agrees with JSON.parse', () => {
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.string(), fc.maxSafeInteger(), fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string().filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k)), tie('v'), { maxKeys: 4 })),
    })).v;
    fc.assert(fc.property(value, (v) => canonicalJson(parseStrictJson(JSON.stringify(v))) === canonicalJson(JSON.parse(JSON.stringify(v)))));
  });

  it('property: arbitrary text never crashes the parser: it returns a value or a DomainError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => { code(() => parseStrictJson(s)); return true; }));
  });
});

describe('canonicalJson (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units as in RFC 8785 §3.2.3', () => {
    const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    const text = canonicalJson(input);
    const positions = ['Carriage', 'One', 'Control', 'Latin', 'Euro', 'Emoji', 'Hebrew'].map((word) => text.indexOf(word));
    expect(positions.every((p, i) => p > (positions[i - 1] ?? -1))).toBe(true);
  });

  it('escapes strings as JSON.stringify does and writes integers plainly', () => {
    expect(canonicalJson({ b: 'line\n"q"', a: [3, -0, 0] })).toBe('{"a":[3,0,0],"b":"line\\n\\"q\\""}');
  });

  it('refuses floats, bigints and lone surrogates', () => {
    expect(code(() => canonicalJson({ a: 1.5 }))).toBe('INVALID_NUMBER');
    expect(code(() => canonicalJson({ a: 1n }))).toBe('INVALID_FIELD');
    expect(code(() => canonicalJson('\ud800'))).toBe('INVALID_UTF8');
  });
});

describe('parseStrictJson strings (property)', () => {
  it('agrees with JSON.parse on any well-formed string, escaped or not', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.boolean(), (text, escapeAll) => {
        const json = escapeAll
          ? `"${Array.from({ length: text.length }, (_, i) => `\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')}"`
          : JSON.stringify(text);
        expect(parseStrictJson(json)).toBe(JSON.parse(json));
      }),
    );
  });
});
