import fc from 'fast-check';
import {
  DomainError, MAX_BATCH_JWS_CHARS, MAX_BATCH_RECORDS, canonicalJson, decodeBatch, parseIssuerKey, parseRiskPolicy, verifyBatch, verifyRecord,
  type IssuerKey, type VerifyContext,
} from '@dol/chaincode';
import { Issuer, PayerMedium, Terminal, algNone, faceCredential, hs256, signJws, signJwsRaw, tamperPayload, withHeader, withPayload, type CertFields } from './signer';

const NOW = 1_767_225_600_000;
const AT = NOW - 60_000;
const issuer = Issuer.generate('issuer-1', 'ES256', NOW - 1e10, NOW + 1e10);
const retired = Issuer.generate('issuer-retired', 'ES256', NOW - 1e10, NOW - 1e9);
const stranger = Issuer.generate('issuer-stranger', 'ES256', NOW - 1e10, NOW + 1e10);
const issuers = new Map<string, IssuerKey>([issuer, retired].map((i) => [i.keyId, parseIssuerKey(i.registration())]));
const ctx: VerifyContext = {
  now: NOW,
  issuerKey: (id) => issuers.get(id),
  policy: parseRiskPolicy({ maxClockSkewMs: 300_000, tapMaxAgeMs: 120_000, faceCapPerPayment: '3000', faceMinScore: 900 }),
};
const certFields = (mediaId: string, o: Partial<CertFields> = {}): CertFields => ({
  mediaId, kind: 'wallet', account: `acct-${mediaId}`, group: 'g1', capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 1000, nbf: NOW - 1e8, exp: NOW + 1e8, ...o,
});
const wallet = PayerMedium.issue(issuer, certFields('w1'));
const terminal = Terminal.generate('pos-1');
const otherTerminal = Terminal.generate('pos-2');

/** A fresh valid record from a fresh terminal chain; override fields to break it. */
function record(overrides: Record<string, unknown> = {}, credential: unknown = wallet.payCode(AT - 1000)): Record<string, unknown> {
  return { ...Terminal.generate('pos-1').record(AT, '1000', 'code', credential), terminalId: 'pos-1', ...overrides };
}
function sealed(records: unknown[], o: Record<string, unknown> = {}): string {
  return terminal.signAny({ typ: 'batch', v: 1, terminalId: 'pos-1', batchSeq: 1, prevBatch: '0'.repeat(64), firstSeq: 1, lastSeq: records.length, count: records.length, total: '1000', records, ...o });
}
const good = sealed([record()]);

/** The code a batch earns: the batch-level refusal, else the first record's verdict. */
function judge(jws: unknown): string {
  try {
    const batch = decodeBatch(jws);
    verifyBatch(batch, terminal.key.jwk);
    const first = batch.records[0];
    if (first === undefined) return 'EMPTY';
    const verdict = verifyRecord(first, ctx);
    return verdict.ok ? 'OK' : verdict.reason;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

const payloadText = Buffer.from(good.split('.')[1] ?? '', 'base64url').toString('utf8');
const [goodHeader = '', goodPayload = '', goodSig = ''] = good.split('.');
const codeWith = (p: Record<string, unknown>): string => `${wallet.cert}~${signJws(wallet.key, { typ: 'pay-code', v: 1, mediaId: 'w1', ctr: 5, iat: AT - 1000, ttl: 60_000, ...p })}`;
const badCertKey = (): string => {
  const key = { kty: 'EC', crv: 'P-256', x: Buffer.alloc(32, 1).toString('base64url'), y: Buffer.alloc(32, 2).toString('base64url') };
  const cert = signJws(issuer.key, { typ: 'media-cert', v: 1, ...certFields('w9'), jwk: key }, { kid: issuer.keyId });
  return `${cert}~${wallet.payCode(AT - 1000).split('~')[1] ?? ''}`;
};

const cases: [string, () => unknown, string][] = [
  ['an honest batch settles its record', () => good, 'OK'],
  ['a truncated JWS', () => good.slice(0, good.length - 30), 'MALFORMED_JWS'],
  ['an empty string', () => '', 'MALFORMED_JWS'],
  ['a number instead of a JWS', () => 42, 'MALFORMED_JWS'],
  ['four dot-separated parts', () => `${good}.x`, 'MALFORMED_JWS'],
  ['base64 padding in the payload', () => `${goodHeader}.${goodPayload}==.${goodSig}`, 'MALFORMED_JWS'],
  ['standard base64 alphabet in the signature', () => `${goodHeader}.${goodPayload}.${goodSig.replace(/-|_/g, '+')}${/[-_]/.test(goodSig) ? '' : '+'}`, 'MALFORMED_JWS'],
  ['an over-long JWS', () => 'a'.repeat(MAX_BATCH_JWS_CHARS + 1), 'JWS_TOO_LARGE'],
  ['megabytes of whitespace padding in the payload', () => withPayload(good, payloadText + ' '.repeat(3 * 1024 * 1024)), 'JWS_TOO_LARGE'],
  ['alg none', () => algNone(payloadText), 'UNSUPPORTED_ALG'],
  ['alg HS256 keyed with the public key', () => hs256(payloadText, JSON.stringify(terminal.key.jwk)), 'UNSUPPORTED_ALG'],
  ['an unknown alg', () => withHeader(good, '{"alg":"ES512"}'), 'UNSUPPORTED_ALG'],
  ['a header that is not JSON', () => withHeader(good, 'alg=ES256'), 'MALFORMED_JSON'],
  ['a key embedded in the header', () => withHeader(good, canonicalJson({ alg: 'ES256', jwk: terminal.key.jwk })), 'UNKNOWN_FIELD'],
  ['a signature by another terminal key', () => otherTerminal.signAny(JSON.parse(payloadText)), 'BAD_SIGNATURE'],
  ['the payload changed after signing', () => tamperPayload(good, (p) => { p.total = '1'; }), 'BAD_SIGNATURE'],
  ['an EdDSA header over an ES256 signature', () => withHeader(good, '{"alg":"EdDSA"}'), 'BAD_SIGNATURE'],
  ['a certificate from an unknown issuer', () => sealed([record({}, PayerMedium.issue(stranger, certFields('w2')).payCode(AT - 1000))]), 'UNKNOWN_ISSUER'],
  ['a certificate from an expired issuer key', () => sealed([record({}, PayerMedium.issue(retired, certFields('w3')).payCode(AT - 1000))]), 'ISSUER_NOT_VALID'],
  ['code and certificate for different media', () => sealed([record({}, codeWith({ mediaId: 'w-other' }))]), 'MEDIA_MISMATCH'],
  ['a payment counter beyond 2^53', () => sealed([record({}, `${wallet.cert}~${signJwsRaw(wallet.key, '{"alg":"ES256"}', `{"ctr":9007199254740993,"iat":${AT - 1000},"mediaId":"w1","ttl":60000,"typ":"pay-code","v":1}`)}`)]), 'MALFORMED_CREDENTIAL'],
  ['a certified key that is not a curve point', () => sealed([record({}, badCertKey())]), 'MALFORMED_CREDENTIAL'],
  ['a credential with three parts', () => sealed([record({}, `${wallet.payCode(AT - 1000)}~x`)]), 'MALFORMED_CREDENTIAL'],
  ['a record seq beyond 2^53', () => withPayload(good, payloadText.replace('"seq":1', '"seq":9007199254740993')), 'INTEGER_OUT_OF_RANGE'],
  ['a fractional seq', () => withPayload(good, payloadText.replace('"seq":1', '"seq":1.0')), 'INVALID_NUMBER'],
  ['a negative amount', () => sealed([record({ amount: '-1000' })]), 'INVALID_AMOUNT'],
  ['a fractional amount', () => sealed([record({ amount: '10.00' })]), 'INVALID_AMOUNT'],
  ['an exponent-written amount', () => sealed([record({ amount: '1e3' })]), 'INVALID_AMOUNT'],
  ['an amount with leading zeros', () => sealed([record({ amount: '01000' })]), 'INVALID_AMOUNT'],
  ['an absurdly long amount', () => sealed([record({ amount: '1'.repeat(5000) })]), 'INVALID_AMOUNT'],
  ['an amount as a JSON number', () => sealed([record({ amount: 1000 })]), 'INVALID_AMOUNT'],
  ['an amount over the certificate cap', () => sealed([record({ amount: '5001' })]), 'OVER_CAP'],
  ['duplicate JSON keys', () => withPayload(good, payloadText.replace('{', '{"v":1,')), 'DUPLICATE_KEY'],
  ['a __proto__ key', () => withPayload(good, payloadText.replace('{', '{"__proto__":{"trusted":true},')), 'FORBIDDEN_KEY'],
  ['a constructor key inside a record', () => withPayload(good, payloadText.replace('"amount"', '"constructor":{},"amount"')), 'FORBIDDEN_KEY'],
  ['non-UTF-8 bytes in the payload', () => withPayload(good, Buffer.concat([Buffer.from(payloadText.slice(0, 20)), Buffer.from([0xff, 0xfe]), Buffer.from(payloadText.slice(20))])), 'INVALID_UTF8'],
  ['a lone surrogate escape', () => withPayload(good, payloadText.replace('"terminalId":"pos-1"', '"terminalId":"\\udc00"')), 'INVALID_UTF8'],
  ['a sale dated a day ahead of the ledger', () => sealed([record({ at: NOW + 86_400_000 }, wallet.payCode(NOW + 86_400_000 - 1000))]), 'FUTURE_TIMESTAMP'],
  ['a time beyond year 2200', () => sealed([record({ at: 9_000_000_000_000 })]), 'INTEGER_OUT_OF_RANGE'],
  ['records out of sequence', () => sealed([record({ seq: 2 }), record({ seq: 1 })]), 'RECORDS_OUT_OF_SEQUENCE'],
  ['a repeated seq inside one batch', () => sealed([record({ seq: 3 }), record({ seq: 3 })]), 'RECORDS_OUT_OF_SEQUENCE'],
  ['thousands of records', () => sealed(Array.from({ length: MAX_BATCH_RECORDS + 1 }, (_, i) => record({ seq: i + 1, medium: 'face' }, faceCredential('a1', 950)))), 'BATCH_TOO_LARGE'],
  ['a record from another terminal', () => sealed([record({ terminalId: 'pos-2' })]), 'TERMINAL_MISMATCH'],
  ['a terminal id with path characters', () => sealed([record()], { terminalId: '../etc/passwd' }), 'INVALID_FIELD'],
  ['an unknown medium', () => sealed([record({ medium: 'iris' })]), 'INVALID_FIELD'],
  ['a face credential given as a string', () => sealed([record({ medium: 'face' }, 'acct-1')]), 'INVALID_FIELD'],
  ['a prev digest that is not hex', () => sealed([record({ prev: 'Z'.repeat(64) })]), 'INVALID_FIELD'],
  ['deeply nested junk', () => sealed([record({}, JSON.parse('['.repeat(40) + ']'.repeat(40)))]), 'TOO_DEEP'],
  ['an unknown record field', () => sealed([record({ tip: '100' })]), 'UNKNOWN_FIELD'],
  ['a missing record field', () => sealed([record({ prev: undefined })]), 'MISSING_FIELD'],
  ['a batch of version 2', () => sealed([record()], { v: 2 }), 'UNSUPPORTED_VERSION'],
  ['a payment code offered as a batch', () => sealed([record()], { typ: 'pay-code' }), 'WRONG_TYPE'],
];

describe('bad input: every malformed or forged batch gets a stable code, never a crash', () => {
  it('has at least 30 distinct malformed or forged inputs', () => {
    expect(cases.filter(([, , c]) => c !== 'OK').length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases.map(([name, make, expected]) => [name, expected, make] as const))('%s → %s', (_name, expected, make) => {
    expect(judge(make())).toBe(expected);
  });

  it('property: flipping any character of an honest batch never yields anything but a code or an honest result', () => {
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.string({ minLength: 1, maxLength: 1 }), (index, ch) => {
        const mutated = good.slice(0, index) + ch + good.slice(index + 1);
        const result = judge(mutated);
        return mutated === good ? result === 'OK' : result !== 'OK';
      }),
      { numRuns: 300 },
    );
  });

  it('property: arbitrary JSON payloads signed by the terminal are refused with a DomainError code', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const jws = signJwsRaw(terminal.key, '{"alg":"ES256"}', JSON.stringify(value));
        return typeof judge(jws) === 'string';
      }),
      { numRuns: 300 },
    );
  });
});
