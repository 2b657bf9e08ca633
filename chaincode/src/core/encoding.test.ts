import { DomainError } from './errors';
import { base64UrlDecode, base64UrlEncode, sha256Hex } from './encoding';

describe('base64UrlDecode', () => {
  it('round-trips every length from 0 to 40 bytes', () => {
    for (let n = 0; n <= 40; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
      expect(base64UrlDecode(base64UrlEncode(bytes))).toEqual(bytes);
    }
  });

  it.each([
    ['padding', 'QQ=='],
    ['standard alphabet', 'a+b/'],
    ['impossible length', 'QUJDR'],
    ['non-zero unused bits after one byte', 'QR'],
    ['non-zero unused bits after two bytes', 'QUJ'],
  ])('refuses %s with MALFORMED_JWS', (_name, text) => {
    expect(() => base64UrlDecode(text)).toThrow(DomainError);
    expect(() => base64UrlDecode(text)).toThrow(/^MALFORMED_JWS/);
  });
});

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 "abc" digest', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
