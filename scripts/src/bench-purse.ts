/**
 * A purse purchase against a tap, in the same run (docs/settlement.md, "The card's electronic
 * purse"): how fast each is verified (the stateless verdict, as a terminal and the contract run
 * it), settled (SubmitBatch) and funded (FoldCharges: a tap's charge from the wallet, a purse
 * purchase applied to the card's shadow in counter order), by the real contract on the in-memory
 * stub, one core, not Fabric. Each card or medium pays PER_CARD times, so the purse's chain runs.
 * Usage: npm run bench:purse [-- --payments 2000]
 */
import { cpus } from 'node:os';
import { parseIssuerKey, parseRiskPolicy, parseSaleRecord, verifyRecord, type VerifyContext } from '@dol/chaincode';
import { FundingContract } from '@dol/chaincode/contract';
import { BENCH_IDS, BENCH_POLICY, benchLedger } from './bench-stub';
import { PayerMedium, PurseCard, type WireRecord } from './signer';
import { positiveIntOption } from './options';

const USAGE = `usage: npm run bench:purse [-- --payments N]
  A purse purchase against a tap in one run: verified, settled and funded per second by the real
  contract on the in-memory stub, one core; not Fabric.
  --payments N   payments per medium (default 2000; 4 per card or medium)
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const PAYMENTS = positiveIntOption('payments', 2000);
const PER_CARD = 4;
const NOW = Date.now();
const { operator, finance, gateway } = BENCH_IDS;

interface Row { medium: 'tap' | 'purse'; verifiedPerSec: number; settledPerSec: number; foldedPerSec: number; settleCalls: number; foldCalls: number }

async function measure(medium: 'tap' | 'purse'): Promise<Row> {
  const { stub, contract, issuer, pos, run } = await benchLedger(NOW, 'issuer-p', 'pos-p');
  const cards = Math.ceil(PAYMENTS / PER_CARD);
  const records: WireRecord[] = [];
  const fields = (i: number, kind: 'card' | 'purse'): Parameters<typeof PayerMedium.issue>[1] => ({
    mediaId: `${kind}-${i}`, kind, account: `a${i}`, group: 'g', capPerPayment: '5000', capTotal: '500000', ctrFrom: 1, ctrTo: 1000, nbf: NOW - 1e8, exp: NOW + 1e8,
  });
  for (let i = 0; i < cards; i++) {
    await run(finance, (ctx) => contract.OpenAccount(ctx, JSON.stringify({ account: `a${i}`, group: 'g', creditLine: '0' })));
    await run(operator, (ctx) => contract.TopUp(ctx, JSON.stringify({ topUpId: `t${i}`, account: `a${i}`, amount: '50000' })));
    const at = (k: number): number => NOW - 60_000 + i * PER_CARD + k;
    if (medium === 'tap') {
      const card = PayerMedium.issue(issuer, fields(i, 'card'), 'EdDSA');
      for (let k = 0; k < PER_CARD; k++) records.push(pos.record(at(k), '100', 'tap', card.tap('100', pos.terminalId, at(k) - 500, `nonce-${i}-${k}-xx`)));
    } else {
      const card = PurseCard.issue(issuer, fields(i, 'purse'));
      const loaded = JSON.parse(String(await run(operator, (ctx) => contract.LoadPurse(ctx, JSON.stringify({ loadId: `l${i}`, certificate: card.cert, amount: '10000' }))))) as { loadCtr: number };
      if (loaded.loadCtr !== 1) throw new Error('load failed');
      card.tamper('10000'); // the secure element as the issuer's authorisation would have left it (no issuer key in this bench)
      for (let k = 0; k < PER_CARD; k++) records.push(pos.record(at(k), '100', 'purse', card.purchase('100', pos.terminalId, records.length + 1, `nonce-${i}-${k}-xx`, at(k) - 500)));
    }
  }
  const ctx: VerifyContext = { now: NOW, issuerKey: (id) => (id === issuer.keyId ? parseIssuerKey(issuer.registration()) : undefined), policy: parseRiskPolicy(BENCH_POLICY) };
  const parsed = records.map((r) => parseSaleRecord(r));
  const verifyStart = process.hrtime.bigint();
  for (const r of parsed) if (!verifyRecord(r, ctx).ok) throw new Error('a record did not verify');
  const verifySeconds = Number(process.hrtime.bigint() - verifyStart) / 1e9;

  let settleCalls = 0;
  const charges: [string, string][] = [];
  const settleStart = process.hrtime.bigint();
  for (let i = 0; i < records.length; i += 200) {
    const slice = records.slice(i, i + 200);
    const out = JSON.parse(String(await run(gateway, (c) => contract.SubmitBatch(c, pos.batch(slice))))) as { counts: { settled: number }; outcomes: { account?: string; paymentId: string }[] };
    if (out.counts.settled !== slice.length) throw new Error(`not all settled: ${JSON.stringify(out.counts)}`);
    settleCalls += stub.lastStateCalls;
    for (const o of out.outcomes) if (o.account !== undefined) charges.push([o.account, o.paymentId]);
  }
  const settleSeconds = Number(process.hrtime.bigint() - settleStart) / 1e9;
  let foldCalls = 0;
  const foldStart = process.hrtime.bigint();
  for (let i = 0; i < charges.length; i += 500) {
    const slice = charges.slice(i, i + 500);
    const out = JSON.parse(String(await run(gateway, (c) => new FundingContract().FoldCharges(c, JSON.stringify(slice))))) as { folded: number };
    if (out.folded !== slice.length) throw new Error(`not all folded: ${out.folded} of ${slice.length}`);
    foldCalls += stub.lastStateCalls;
  }
  const foldSeconds = Number(process.hrtime.bigint() - foldStart) / 1e9;
  const check = JSON.parse(String(await run(gateway, (c) => contract.CheckInvariant(c)))) as { ok: boolean };
  if (!check.ok) throw new Error('the books do not prove after the run');
  return {
    medium, verifiedPerSec: records.length / verifySeconds, settledPerSec: records.length / settleSeconds, foldedPerSec: charges.length / foldSeconds,
    settleCalls: settleCalls / records.length, foldCalls: foldCalls / charges.length,
  };
}

async function main(): Promise<void> {
  process.stderr.write('tap...\n');
  const tap = await measure('tap');
  process.stderr.write('purse...\n');
  const purse = await measure('purse');
  const f = (x: number): string => Math.round(x).toLocaleString('en-US');
  const line = (r: Row): string => `${r.medium.padEnd(6)} | ${f(r.verifiedPerSec).padStart(10)} | ${f(r.settledPerSec).padStart(10)} | ${f(r.foldedPerSec).padStart(10)} | ${r.settleCalls.toFixed(2).padStart(18)} | ${r.foldCalls.toFixed(2)}`;
  process.stdout.write([
    `command: npm run bench:purse -- --payments ${PAYMENTS}`,
    `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, node ${process.version}; one core; contract on the in-memory stub (no Fabric); ${PER_CARD} payments per card, batches of 200, folds of 500 charges`,
    'medium | verified/s | settled/s |  funded/s | settle calls/payment | fold calls/charge',
    line(tap), line(purse),
    `purse ÷ tap: verified ×${(purse.verifiedPerSec / tap.verifiedPerSec).toFixed(2)}, settled ×${(purse.settledPerSec / tap.settledPerSec).toFixed(2)}, funded ×${(purse.foldedPerSec / tap.foldedPerSec).toFixed(2)}`,
    '',
  ].join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
