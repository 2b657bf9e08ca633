/**
 * Settlement cost inside the chaincode process: the real contract's SubmitBatch on the in-memory
 * stub, for batch sizes 1, 50, 200 and 500 with distinct payers, on one core. It measures the
 * contract's own CPU (decode, verify, settle, encode state), not Fabric: no endorsement, ordering,
 * validation or gRPC. Use it to see what batching saves inside the chaincode. After settling, the
 * charges are funded by FoldCharges in folds of 500 accounts (funding at the fold), timed apart.
 * Usage: npm run bench:settle [-- --payments 2000]
 */
import { cpus } from 'node:os';
import { FundingContract } from '@dol/chaincode/contract';
import { BENCH_IDS, benchLedger } from './bench-stub';
import { PayerMedium, type WireRecord } from './signer';
import { positiveIntOption } from './options';

const USAGE = `usage: npm run bench:settle [-- --payments N]
  The contract's own CPU per batch size (1, 50, 200, 500) on the in-memory stub, one core; not Fabric.
  --payments N   payments per size (default 2000)
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const arg = positiveIntOption;
const PAYMENTS = arg('payments', 2000);
const NOW = Date.now();
const { operator, finance, gateway } = BENCH_IDS;

interface Row { size: number; paymentsPerSec: number; txPerSec: number; callsPerPayment: number; foldedPerSec: number; foldCallsPerCharge: number }

async function measure(size: number): Promise<Row> {
  const { stub, contract, issuer, pos, run } = await benchLedger(NOW, 'issuer-b', 'pos-b');
  const records: WireRecord[] = [];
  for (let i = 0; i < PAYMENTS; i++) {
    await run(finance, (ctx) => contract.OpenAccount(ctx, JSON.stringify({ account: `a${i}`, group: 'g', creditLine: '0' })));
    await run(operator, (ctx) => contract.TopUp(ctx, JSON.stringify({ topUpId: `t${i}`, account: `a${i}`, amount: '5000' })));
    const w = PayerMedium.issue(issuer, { mediaId: `w${i}`, kind: 'wallet', account: `a${i}`, group: 'g', capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 100, nbf: NOW - 1e8, exp: NOW + 1e8 }, 'ES256');
    records.push(pos.record(NOW - 60_000 + i, '100', 'code', w.payCode(NOW - 61_000)));
  }
  const batches: { jws: string; records: number }[] = [];
  for (let i = 0; i < records.length; i += size) batches.push({ jws: pos.batch(records.slice(i, i + size)), records: records.slice(i, i + size).length });
  let calls = 0;
  const charges: [string, string][] = [];
  const started = process.hrtime.bigint();
  for (const { jws, records: count } of batches) {
    const out = JSON.parse(String(await run(gateway, (ctx) => contract.SubmitBatch(ctx, jws)))) as { counts: { settled: number }; outcomes: { account?: string; paymentId: string; funding?: unknown }[] };
    if (out.counts.settled !== count) throw new Error('not all settled');
    calls += stub.lastStateCalls;
    for (const o of out.outcomes) if (o.funding === 'pending' && o.account !== undefined) charges.push([o.account, o.paymentId]);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  let foldCalls = 0;
  const foldStarted = process.hrtime.bigint();
  for (let i = 0; i < charges.length; i += 500) {
    const slice = charges.slice(i, i + 500);
    const out = JSON.parse(String(await run(gateway, (ctx) => new FundingContract().FoldCharges(ctx, JSON.stringify(slice))))) as { folded: number };
    if (out.folded !== slice.length) throw new Error('not all folded');
    foldCalls += stub.lastStateCalls;
  }
  const foldSeconds = Number(process.hrtime.bigint() - foldStarted) / 1e9;
  return {
    size, paymentsPerSec: PAYMENTS / seconds, txPerSec: batches.length / seconds, callsPerPayment: calls / PAYMENTS,
    foldedPerSec: charges.length / foldSeconds, foldCallsPerCharge: foldCalls / Math.max(1, charges.length),
  };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const size of [1, 50, 200, 500]) {
    process.stderr.write(`batch size ${size}...\n`);
    rows.push(await measure(size));
  }
  const base = rows[0]?.paymentsPerSec ?? 1;
  const f = (x: number): string => Math.round(x).toLocaleString('en-US');
  process.stdout.write([
    `command: npm run bench:settle -- --payments ${PAYMENTS}`,
    `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, node ${process.version}; one core; contract on the in-memory stub (no Fabric)`,
    'batch size | payments/s | transactions/s | state calls/payment | ratio to size 1 | folded charges/s (folds of 500 accounts) | fold state calls/charge',
    ...rows.map((r) => `${String(r.size).padStart(10)} | ${f(r.paymentsPerSec).padStart(10)} | ${f(r.txPerSec).padStart(14)} | ${r.callsPerPayment.toFixed(2).padStart(19)} | ${(r.paymentsPerSec / base).toFixed(1).padStart(15)} | ${f(r.foldedPerSec).padStart(40)} | ${r.foldCallsPerCharge.toFixed(2)}`),
    '',
  ].join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
