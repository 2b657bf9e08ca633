/**
 * Writes chaincode/test-vectors/protocol-v1.json: keys, artefacts, expected digests and verdicts for
 * every rule of protocol v1. Run once and commit; tests in every package check the committed file.
 * Usage: npm run vectors
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, recordDigest, sha256Hex } from '@dol/chaincode';
import { Issuer, PayerMedium, Terminal, faceCredential, privateJwkOf, signJws, tamperPayload, algNone, hs256, withHeader, withPayload, type CertFields, type WireRecord } from './signer';

const NOW = 1_767_225_600_000; // 2026-01-01T00:00:00Z, the ledger clock of every vector
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const POLICY = { maxClockSkewMs: 300_000, tapMaxAgeMs: 120_000, faceCapPerPayment: '3000', faceMinScore: 900 };

const issuer = Issuer.generate('issuer-es256', 'ES256', NOW - 365 * DAY, NOW + 365 * DAY);
const issuerEd = Issuer.generate('issuer-ed25519', 'EdDSA', NOW - 365 * DAY, NOW + 365 * DAY);
const revoked = Issuer.generate('issuer-revoked', 'ES256', NOW - 365 * DAY, NOW + 365 * DAY);
const retired = Issuer.generate('issuer-retired', 'ES256', NOW - 365 * DAY, NOW - 30 * DAY);
const stranger = Issuer.generate('issuer-unknown', 'ES256', NOW - 365 * DAY, NOW + 365 * DAY);
const terminal = Terminal.generate('pos-canteen1-01', 'ES256');
const otherTerminal = Terminal.generate('pos-canteen1-02', 'EdDSA');

function fields(mediaId: string, overrides: Partial<CertFields> = {}): CertFields {
  return {
    mediaId, kind: 'wallet', account: `acct-${mediaId}`, group: 'undergrad-2026', capPerPayment: '5000', capTotal: '20000',
    ctrFrom: 1, ctrTo: 100, nbf: NOW - 2 * DAY, exp: NOW + 5 * DAY, ...overrides,
  };
}

const at = NOW - HOUR;
const wallet = PayerMedium.issue(issuer, fields('wallet-0001'));
const card = PayerMedium.issue(issuerEd, fields('card-0001', { kind: 'card' }), 'EdDSA');

interface RecordCase { name: string; rule: string; record: WireRecord; expect: { ok: true; account: string } | { reason: string } }
const records: RecordCase[] = [];
function addRecord(name: string, rule: string, amount: string, medium: WireRecord['medium'], credential: unknown, expect: RecordCase['expect'], when = at): void {
  records.push({ name, rule, record: terminal.record(when, amount, medium, credential), expect });
}

addRecord('code-valid', '§4.3 a fresh code within caps settles', '1250', 'code', wallet.payCode(at - 5_000), { ok: true, account: 'acct-wallet-0001' });
addRecord('tap-valid-eddsa', '§4.4 a tap signed for the exact amount and terminal', '800', 'tap', card.tap('800', terminal.terminalId, at - 1_000, 'bm9uY2UtMDAwMQ'), { ok: true, account: 'acct-card-0001' });
addRecord('face-valid', '§4.5 a face match above the score, within the face cap', '1500', 'face', faceCredential('acct-face-0001', 950), { ok: true, account: 'acct-face-0001' });
addRecord('malformed-credential', '§5 the credential is not <cert>~<JWS>', '100', 'code', 'not-a-credential', { reason: 'MALFORMED_CREDENTIAL' });
addRecord('unknown-issuer', '§5 unknown issuer', '100', 'code', PayerMedium.issue(stranger, fields('wallet-0002')).payCode(at - 1_000), { reason: 'UNKNOWN_ISSUER' });
addRecord('issuer-revoked', '§5 revoked issuer key', '100', 'code', PayerMedium.issue(revoked, fields('wallet-0003')).payCode(at - 1_000), { reason: 'ISSUER_REVOKED' });
addRecord('issuer-not-valid', '§4.1 issuer key outside validFrom..validTo at the sale', '100', 'code', PayerMedium.issue(retired, fields('wallet-0004')).payCode(at - 1_000), { reason: 'ISSUER_NOT_VALID' });
{
  const m = PayerMedium.issue(issuer, fields('wallet-0005'));
  const forgedCert = tamperPayload(m.cert, (p) => { p.capPerPayment = '999999'; });
  const code = m.payCode(at - 1_000).split('~')[1] ?? '';
  addRecord('bad-cert-signature', '§5 certificate payload changed after the issuer signed it', '100', 'code', `${forgedCert}~${code}`, { reason: 'BAD_CERT_SIGNATURE' });
}
{
  const m = PayerMedium.issue(issuer, fields('wallet-0006'));
  const thief = PayerMedium.issue(issuer, fields('wallet-0006'));
  addRecord('bad-payer-signature', '§5 code signed by a key the certificate does not name', '100', 'code', `${m.cert}~${thief.payCode(at - 1_000).split('~')[1] ?? ''}`, { reason: 'BAD_PAYER_SIGNATURE' });
}
addRecord('cert-not-yet-valid', '§4.2 sale before the certificate nbf', '100', 'code', PayerMedium.issue(issuer, fields('wallet-0007', { nbf: NOW - HOUR / 2 })).payCode(at - 1_000), { reason: 'CERT_NOT_YET_VALID' });
addRecord('cert-expired', '§5 expired certificate', '100', 'code', PayerMedium.issue(issuer, fields('wallet-0008', { nbf: NOW - 9 * DAY, exp: NOW - 2 * DAY })).payCode(at - 1_000), { reason: 'CERT_EXPIRED' });
addRecord('medium-mismatch', '§4.6 medium says code but the payer JWS is a tap', '100', 'code', wallet.tap('100', terminal.terminalId, at - 1_000, 'bm9uY2UtMDAwMg'), { reason: 'MEDIUM_MISMATCH' });
{
  const m = PayerMedium.issue(issuer, fields('wallet-0009'));
  const code = signJws(m.key, { typ: 'pay-code', v: 1, mediaId: 'wallet-other', ctr: 1, iat: at - 1_000, ttl: 60_000 });
  addRecord('media-mismatch', '§5 code and certificate naming different media', '100', 'code', `${m.cert}~${code}`, { reason: 'MEDIA_MISMATCH' });
}
addRecord('stale-code', '§5 code older than its ttl at the sale', '100', 'code', wallet.payCode(at - 120_000, 60_000), { reason: 'STALE_CODE' });
addRecord('code-from-future', '§4.3 code issued after the sale (beyond skew)', '100', 'code', wallet.payCode(at + 600_000), { reason: 'CODE_FROM_FUTURE' });
addRecord('tap-amount-mismatch', '§4.4 payer signed another amount', '900', 'tap', card.tap('800', terminal.terminalId, at - 1_000, 'bm9uY2UtMDAwMw'), { reason: 'TAP_AMOUNT_MISMATCH' });
addRecord('tap-terminal-mismatch', '§4.4 payer signed for another terminal', '800', 'tap', card.tap('800', 'pos-elsewhere', at - 1_000, 'bm9uY2UtMDAwNA'), { reason: 'TAP_TERMINAL_MISMATCH' });
addRecord('over-cap-code', '§5 amount over the certificate per-payment cap', '5001', 'code', wallet.payCode(at - 1_000), { reason: 'OVER_CAP' });
addRecord('over-cap-face', '§4.5 face payment over the face cap', '3001', 'face', faceCredential('acct-face-0002', 990), { reason: 'OVER_CAP' });
addRecord('counter-out-of-range', '§5 counter outside ctrFrom..ctrTo', '100', 'code', wallet.payCode(at - 1_000, 60_000, 101), { reason: 'COUNTER_OUT_OF_RANGE' });
addRecord('face-score-low', '§4.5 face match below the minimum score', '100', 'face', faceCredential('acct-face-0003', 899), { reason: 'FACE_SCORE_LOW' });
addRecord('future-timestamp', '§4 sale dated beyond the ledger clock and skew', '100', 'code', wallet.payCode(NOW + HOUR - 1_000), { reason: 'FUTURE_TIMESTAMP' }, NOW + HOUR);

// Batches: one honest batch of every record above, then structural forgeries of it.
const honest = terminal.batch(records.map((c) => c.record));
const honestText = Buffer.from(honest.split('.')[1] ?? '', 'base64url').toString('utf8');
const small = Terminal.generate('pos-canteen1-03', 'EdDSA');
const r1 = small.record(at, '100', 'face', faceCredential('acct-face-0001', 950));
const r2 = small.record(at + 1_000, '200', 'face', faceCredential('acct-face-0001', 950));
const smallPayload = small.manifest([r1, r2]);
const smallBatch = small.seal(smallPayload);
const sign = (p: unknown): string => small.signAny(p);

const batches: { name: string; terminal: string; jws: string; expect: { error: string } | { digest: string; records: number; anomalies: string[] } }[] = [
  { name: 'batch-honest', terminal: terminal.terminalId, jws: honest, expect: { digest: '', records: records.length, anomalies: [] } },
  { name: 'batch-eddsa', terminal: small.terminalId, jws: smallBatch, expect: { digest: '', records: 2, anomalies: [] } },
  { name: 'batch-out-of-balance', terminal: small.terminalId, jws: sign({ ...smallPayload, total: '999' }), expect: { digest: '', records: 2, anomalies: ['out-of-balance'] } },
  { name: 'batch-signed-by-other-terminal', terminal: small.terminalId, jws: otherTerminal.signAny(smallPayload), expect: { error: 'BAD_SIGNATURE' } },
  { name: 'batch-payload-changed', terminal: small.terminalId, jws: tamperPayload(smallBatch, (p) => { p.total = '1'; }), expect: { error: 'BAD_SIGNATURE' } },
  { name: 'batch-alg-none', terminal: small.terminalId, jws: algNone(honestText), expect: { error: 'UNSUPPORTED_ALG' } },
  { name: 'batch-hs256', terminal: small.terminalId, jws: hs256(honestText, JSON.stringify(small.key.jwk)), expect: { error: 'UNSUPPORTED_ALG' } },
  { name: 'batch-header-crit', terminal: small.terminalId, jws: withHeader(smallBatch, '{"alg":"EdDSA","crit":["exp"]}'), expect: { error: 'UNKNOWN_FIELD' } },
  { name: 'batch-truncated', terminal: small.terminalId, jws: smallBatch.slice(0, smallBatch.length - 10), expect: { error: 'MALFORMED_JWS' } },
  { name: 'batch-two-parts', terminal: small.terminalId, jws: smallBatch.split('.').slice(0, 2).join('.'), expect: { error: 'MALFORMED_JWS' } },
  { name: 'batch-duplicate-key', terminal: small.terminalId, jws: withPayload(smallBatch, canonicalJson(smallPayload).replace('{', '{"batchSeq":1,')), expect: { error: 'DUPLICATE_KEY' } },
  { name: 'batch-proto-key', terminal: small.terminalId, jws: withPayload(smallBatch, canonicalJson(smallPayload).replace('{', '{"__proto__":{},')), expect: { error: 'FORBIDDEN_KEY' } },
  { name: 'batch-not-utf8', terminal: small.terminalId, jws: withPayload(smallBatch, Buffer.concat([Buffer.from('{"typ":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])), expect: { error: 'INVALID_UTF8' } },
  { name: 'batch-seq-beyond-2^53', terminal: small.terminalId, jws: withPayload(smallBatch, canonicalJson(smallPayload).replace(`"batchSeq":1`, `"batchSeq":9007199254740993`)), expect: { error: 'INTEGER_OUT_OF_RANGE' } },
  { name: 'batch-negative-amount', terminal: small.terminalId, jws: sign({ ...smallPayload, records: [{ ...r1, amount: '-100' }] }), expect: { error: 'INVALID_AMOUNT' } },
  { name: 'batch-fractional-amount', terminal: small.terminalId, jws: sign({ ...smallPayload, records: [{ ...r1, amount: '1.50' }] }), expect: { error: 'INVALID_AMOUNT' } },
  { name: 'batch-exponent-amount', terminal: small.terminalId, jws: sign({ ...smallPayload, records: [{ ...r1, amount: '1e3' }] }), expect: { error: 'INVALID_AMOUNT' } },
  { name: 'batch-leading-zero-amount', terminal: small.terminalId, jws: sign({ ...smallPayload, records: [{ ...r1, amount: '0100' }] }), expect: { error: 'INVALID_AMOUNT' } },
  { name: 'batch-numeric-amount', terminal: small.terminalId, jws: sign({ ...smallPayload, records: [{ ...r1, amount: 100 }] }), expect: { error: 'INVALID_AMOUNT' } },
  { name: 'batch-absurd-amount', terminal: small.terminalId, jws: sign({ ...smallPayload, records: [{ ...r1, amount: '9'.repeat(40) }] }), expect: { error: 'INVALID_AMOUNT' } },
  { name: 'batch-out-of-sequence', terminal: small.terminalId, jws: sign({ ...smallPayload, records: [r2, r1] }), expect: { error: 'RECORDS_OUT_OF_SEQUENCE' } },
  { name: 'batch-foreign-record', terminal: small.terminalId, jws: sign({ ...smallPayload, records: [{ ...r1, terminalId: 'pos-other' }] }), expect: { error: 'TERMINAL_MISMATCH' } },
  { name: 'batch-wrong-typ', terminal: small.terminalId, jws: sign({ ...smallPayload, typ: 'pay-code' }), expect: { error: 'WRONG_TYPE' } },
  { name: 'batch-version-2', terminal: small.terminalId, jws: sign({ ...smallPayload, v: 2 }), expect: { error: 'UNSUPPORTED_VERSION' } },
  { name: 'batch-unknown-field', terminal: small.terminalId, jws: sign({ ...smallPayload, note: 'hi' }), expect: { error: 'UNKNOWN_FIELD' } },
  { name: 'batch-missing-field', terminal: small.terminalId, jws: sign({ ...smallPayload, total: undefined }), expect: { error: 'MISSING_FIELD' } },
  { name: 'batch-empty', terminal: small.terminalId, jws: sign({ ...smallPayload, records: [] }), expect: { error: 'INVALID_FIELD' } },
];
for (const b of batches) {
  if ('digest' in b.expect) {
    const text = Buffer.from(b.jws.split('.')[1] ?? '', 'base64url');
    b.expect.digest = sha256Hex(text);
  }
}

const vectors = {
  description: 'Protocol v1 test vectors. Test keys only: never use them for money. Regenerate with `npm run vectors`.',
  now: NOW,
  policy: POLICY,
  issuerKeys: [issuer.registration(), issuerEd.registration(), revoked.registration('revoked'), retired.registration()],
  terminals: [
    { terminalId: terminal.terminalId, publicKey: terminal.key.jwk },
    { terminalId: small.terminalId, publicKey: small.key.jwk },
  ],
  privateKeys: {
    [issuer.keyId]: privateJwkOf(issuer.key),
    [issuerEd.keyId]: privateJwkOf(issuerEd.key),
    'card-0001': privateJwkOf(card.key),
    [small.terminalId]: privateJwkOf(small.key),
  },
  records: records.map((c) => ({ ...c, jcs: canonicalJson(c.record), digest: recordDigest(c.record) })),
  batches,
};

const out = join(__dirname, '..', '..', 'chaincode', 'test-vectors', 'protocol-v1.json');
writeFileSync(out, `${JSON.stringify(vectors, null, 2)}\n`);
process.stdout.write(`wrote ${records.length} record vectors and ${batches.length} batch vectors to ${out}\n`);
