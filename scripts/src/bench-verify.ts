/**
 * Micro-benchmark: records verified per second on one core by the domain core, next to raw
 * node:crypto verification of the same signatures in the same run (goal: core ≥ 0.7 × raw).
 * Usage: npm run bench:verify [-- --records 3000 --rounds 5]
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { cpus } from 'node:os';
import {
  decodeBatch, parseIssuerKey, parseRiskPolicy, parseSaleRecord, verifyBatch, verifyRecord, type IssuerKey, type VerifyContext,
} from '@dol/chaincode';
import { Issuer, PayerMedium, Terminal, type WireRecord } from './signer';
import { positiveIntOption } from './options';

const USAGE = `usage: npm run bench:verify [-- --records N --rounds N]
  Records verified per second on one core by the domain core, beside raw node:crypto verification
  of the same signatures in the same run (goal: core >= 0.7 x raw).
  --records N   signed records per round (default 3000)   --rounds N   rounds (default 5)
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const arg = positiveIntOption;
const COUNT = arg('records', 3000);
const ROUNDS = arg('rounds', 5);
const NOW = Date.now();
const issuer = Issuer.generate('issuer-bench', 'ES256', NOW - 1e10, NOW + 1e10);
const registry = new Map<string, IssuerKey>([[issuer.keyId, parseIssuerKey(issuer.registration())]]);
const ctx: VerifyContext = {
  now: NOW,
  issuerKey: (id) => registry.get(id),
  policy: parseRiskPolicy({ maxClockSkewMs: 300_000, tapMaxAgeMs: 120_000, faceCapPerPayment: '3000', faceMinScore: 900 }),
};

function makeRecords(terminalId: string, n: number): { terminal: Terminal; records: WireRecord[] } {
  const terminal = Terminal.generate(terminalId);
  const records: WireRecord[] = [];
  for (let i = 0; i < n; i++) {
    const medium = PayerMedium.issue(issuer, {
      mediaId: `${terminalId}-w${i}`, kind: 'wallet', account: `a-${terminalId}-${i}`, group: 'g', capPerPayment: '5000', capTotal: '20000',
      ctrFrom: 1, ctrTo: 100, nbf: NOW - 1e8, exp: NOW + 1e8,
    });
    records.push(terminal.record(NOW - 60_000, '1200', 'code', medium.payCode(NOW - 61_000)));
  }
  return { terminal, records };
}

/** What raw verification needs per record: the two signing inputs, signatures and parsed keys. */
interface RawItem { input: Buffer; sig: Buffer; key: KeyObject }
function rawItems(records: WireRecord[]): RawItem[] {
  const issuerKey = createPublicKey({ key: { ...issuer.key.jwk }, format: 'jwk' });
  return records.flatMap((r) => {
    const [cert = '', code = ''] = String(r.credential).split('~');
    const certPayload = JSON.parse(Buffer.from(cert.split('.')[1] ?? '', 'base64url').toString('utf8')) as { jwk: object };
    const mediaKey = createPublicKey({ key: { ...certPayload.jwk }, format: 'jwk' });
    return [cert, code].map((jws, i) => {
      const [h, p, s = ''] = jws.split('.');
      return { input: Buffer.from(`${h}.${p}`), sig: Buffer.from(s, 'base64url'), key: i === 0 ? issuerKey : mediaKey };
    });
  });
}

function rate(n: number, fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return n / seconds;
}

function main(): void {
  process.stdout.write(`preparing ${COUNT} records with distinct ES256 wallets (plus a warm-up set)...\n`);
  const warm = makeRecords('pos-warm', 500);
  const { terminal, records } = makeRecords('pos-bench', COUNT);
  const raw = rawItems(records);
  const batchJws: string[] = [];
  for (let i = 0; i < records.length; i += 500) batchJws.push(terminal.batch(records.slice(i, i + 500)));

  const runRaw = (): void => {
    for (const item of raw) if (!verify('sha256', item.input, { key: item.key, dsaEncoding: 'ieee-p1363' }, item.sig)) throw new Error('raw verify failed');
  };
  const runCore = (list: WireRecord[]) => (): void => {
    for (const r of list) if (!verifyRecord(parseSaleRecord(r), ctx).ok) throw new Error('core verify failed');
  };
  const runBatches = (): void => {
    for (const jws of batchJws) {
      const batch = decodeBatch(jws);
      verifyBatch(batch, terminal.key.jwk);
      for (const r of batch.records) if (!verifyRecord(r, ctx).ok) throw new Error('batch record failed');
    }
  };
  runCore(warm.records)();
  rawItems(warm.records);

  // First sight of every wallet key (parses each JWK): can only be measured once.
  const coreCold = rate(COUNT, runCore(records));
  // The rest in interleaved rounds; the median of each is reported, so a noisy neighbour on the
  // other core moves all figures alike and the ratios stay comparable.
  const rounds = { raw: [] as number[], warm: [] as number[], batch: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    rounds.raw.push(rate(COUNT, runRaw));
    rounds.warm.push(rate(COUNT, runCore(records)));
    rounds.batch.push(rate(COUNT, runBatches));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const rawBest = median(rounds.raw);
  const coreWarm = median(rounds.warm);
  const batchRate = median(rounds.batch);
  const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
  process.stdout.write(
    [
      `command: npm run bench:verify -- --records ${COUNT} --rounds ${ROUNDS}   (medians of ${ROUNDS} interleaved rounds)`,
      `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown cpu'}, node ${process.version}, one core used`,
      `raw node:crypto (2 ES256 verifies per record):     ${fmt(rawBest)} records/s`,
      `domain core, keys already parsed (parse + verdict): ${fmt(coreWarm)} records/s   ratio ${(coreWarm / rawBest).toFixed(2)}`,
      `domain core, first sight of each wallet key:        ${fmt(coreCold)} records/s   ratio ${(coreCold / rawBest).toFixed(2)}`,
      `whole 500-record batches (decode + terminal sig + verdicts): ${fmt(batchRate)} records/s   ratio ${(batchRate / rawBest).toFixed(2)}`,
      '',
    ].join('\n'),
  );
}

main();
