/**
 * Writes chaincode/test-vectors/protocol-v1.json: keys, artefacts, expected digests and verdicts for
 * every rule of protocol v1. Run once and commit; tests in every package check the committed file.
 * Usage: npm run vectors
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, recordDigest, sha256Hex } from '@dol/chaincode';
import { Terminal, caseIssuers, everyRecordVerdict, faceCredential, privateJwkOf, tamperPayload, algNone, hs256, withHeader, withPayload } from './signer';

const USAGE = `usage: npm run vectors
  Rewrites chaincode/test-vectors/protocol-v1.json (keys, artefacts, digests and verdicts for every
  rule of protocol v1); commit the result. No options.
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const NOW = 1_767_225_600_000; // 2026-01-01T00:00:00Z, the ledger clock of every vector
const HOUR = 3_600_000;
const POLICY = { maxClockSkewMs: 300_000, tapMaxAgeMs: 120_000, faceCapPerPayment: '3000', faceMinScore: 900 };

const issuers = caseIssuers(NOW);
const { issuer, issuerEd, revoked, retired } = issuers;
const terminal = Terminal.generate('pos-canteen1-01', 'ES256');
const otherTerminal = Terminal.generate('pos-canteen1-02', 'EdDSA');
const at = NOW - HOUR;
const { cases: records, card } = everyRecordVerdict(NOW, terminal, issuers);

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
