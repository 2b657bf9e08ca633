/**
 * Settlement on the real Fabric network (AND(Operator, Campus) endorsement), in one run:
 *  1. settled payments/s and Fabric transactions/s per batch size (size 1 is the baseline), with
 *     commit latency percentiles, submitted by the product's own Fabric adapter as the gateway
 *     identity, one sequence of batches per terminal, terminals concurrently;
 *  2. the canteen reconnect burst through the gateway API (HTTP, PostgreSQL intake, worker),
 *     from first upload to last commit, reconciled against the simulator's model;
 *  3. CPU seconds per process per 1,000 payments (each peer, orderer, contract server, CA, this
 *     process — the gateway and its load generator — and PostgreSQL).
 * It creates its own network (network/bench-run, ports 29000+, below Linux's ephemeral range) and stops it at the end.
 *
 * Usage: npm run bench:fabric [-- --sizes 1,50,200,500 --terminals 16 --payments 8000
 *        --payments-size1 400 --compare-size 200 --burst-students 30000 --burst-terminals 100 --workers 4
 *        --contended-size 200 --gateways 2 --group-batches 32 --group-records 4000 --json docs/benchmarks.json]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { LedgerError, SettlementClient } from '@dol/gateway-api';
import { startTestGateway } from './test-gateway';
import { benchLedger, setUpBenchWorld, signBatches, signSharedBatches } from './bench-setup';
import { down, findBinaries, layout, peerEndpoint, readState, restartContracts, up, type Layout } from '@dol/network';
import { GatewayClient, buildScenario, formatReport, progressBar, runScenario } from '@dol/scripts';
import { givenArguments, textOption, wholeOption } from './options';

const USAGE = `usage: npm run bench:fabric [-- options]
  Settlement on a real Fabric network of its own (network/bench-run, ports 29000+): payments/s per
  batch size, the canteen burst through the gateway API, CPU per process; writes docs/benchmarks.json.
  --sizes 1,50,200,500  --terminals 16  --payments 8000  --payments-size1 400  --compare-size 200
  --burst-students 30000  --burst-terminals 100  --workers 4  --contended-size 200  --gateways 2
  --group-batches 32  --group-records 4000  --json docs/benchmarks.json
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const ROOT = resolve(__dirname, '..', '..');
const SIZES = textOption('sizes', '1,50,200,500').split(',').map(Number);
const TERMINALS = wholeOption('terminals', 16);
const PAYMENTS = wholeOption('payments', 8000);
const PAYMENTS_SIZE1 = wholeOption('payments-size1', 400);
const BURST_STUDENTS = wholeOption('burst-students', 30000, 0);
const BURST_TERMINALS = wholeOption('burst-terminals', 100);
const WORKERS = wholeOption('workers', 4);
const JSON_OUT = textOption('json', join(ROOT, 'docs', 'benchmarks.json'));
const STUDENTS_PER_TERMINAL = wholeOption('students-per-terminal', 50);
const COMPARE_SIZE = wholeOption('compare-size', 200, 0);
const CONTENDED_SIZE = wholeOption('contended-size', 200, 0);
const GATEWAYS = wholeOption('gateways', 2);
const GROUPS = { maxBatches: wholeOption('group-batches', 32), maxRecords: wholeOption('group-records', 4000) };

const say = (line: string): void => {
  process.stderr.write(`[bench:fabric] ${line}\n`);
};

/** CPU seconds (user + system) of a process so far, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

const postgresPids = (): number[] => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
  } catch {
    return false;
  }
});

/** CPU per named process: the network's (from its state), this process, and PostgreSQL's together. */
function cpuSnapshot(l: Layout): Map<string, number> {
  const snap = new Map<string, number>();
  for (const [name, pid] of Object.entries(readState(l)?.pids ?? {})) snap.set(name, cpuSeconds(pid));
  snap.set('gateway+load (this process)', cpuSeconds(process.pid));
  snap.set('postgresql', postgresPids().reduce((s, pid) => s + cpuSeconds(pid), 0));
  return snap;
}

const cpuDelta = (before: Map<string, number>, after: Map<string, number>): Map<string, number> =>
  new Map([...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)]));

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

interface SizeResult {
  readonly size: number;
  readonly payments: number;
  readonly transactions: number;
  readonly seconds: number;
  readonly paymentsPerS: number;
  readonly txPerS: number;
  readonly latencyMs: { p50: number; p90: number; p99: number; max: number };
  readonly cpu: Map<string, number>;
  readonly invalidated?: string;
}

async function main(): Promise<void> {
  const binaries = findBinaries();
  const l = layout(join(ROOT, 'network', 'bench-run'), 29000, 1);
  say(`creating a network in ${l.dir} (Fabric ${binaries.fabricVersion})`);
  const created = await up(l, { purge: true, binaries, progress: say });
  say(`network up from nothing in ${created.seconds.toFixed(1)} s`);
  const peer = peerEndpoint(l, 'operator');
  const ledger = benchLedger(l);
  const pool = new Pool({ connectionString: process.env.DOL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 40 });
  const schema = `bench_fabric_${randomBytes(4).toString('hex')}`;
  try {
    // ---- set-up: one issuer, one merchant, the terminals, their students (disjoint per terminal: no hot keys) ----
    const world = await setUpBenchWorld(ledger, TERMINALS, STUDENTS_PER_TERMINAL);
    const { now } = world;
    say(`set-up: ${world.setupTransactions / 2} accounts opened and topped up (${world.setupTransactions} transactions) in ${world.setupSeconds.toFixed(1)} s = ${(world.setupTransactions / world.setupSeconds).toFixed(0)} tx/s`);

    // ---- 1. batch sizes ----
    const results: SizeResult[] = [];
    const measure = async (size: number, label: string, contended?: { grouped: boolean }): Promise<SizeResult> => {
      const payments = size === 1 ? PAYMENTS_SIZE1 : PAYMENTS;
      const perTerminal = Math.max(1, Math.round(payments / size / TERMINALS));
      // Signed before the clock starts: signing is the terminals' work, not the ledger's.
      const plans = contended ? signSharedBatches(world, size, perTerminal) : signBatches(world, size, perTerminal);
      ledger.invalidated.clear();
      let retried = 0;
      const txCount = perTerminal * TERMINALS;
      const latencies: number[] = [];
      let settled = 0;
      let done = 0;
      let lastOutcome = '';
      const before = cpuSnapshot(l);
      const started = performance.now();
      // As the intake worker does: what the ledger hands back as retryable is proposed again.
      const retrying = async <T>(call: () => Promise<T>): Promise<T> => {
        for (;;) {
          try {
            return await call();
          } catch (error) {
            if (!(error instanceof LedgerError) || error.failure === 'refused') throw error;
            retried += 1;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      };
      if (contended?.grouped === true) {
        // Group commit: round k settles every terminal's k-th batch in one SubmitBatches transaction.
        const client = new SettlementClient(ledger);
        for (let k = 0; k < perTerminal; k++) {
          const round = plans.flatMap((batches) => (batches[k] === undefined ? [] : [batches[k] ?? '']));
          const t0 = performance.now();
          const group = await retrying(() => client.submitBatches(round));
          for (const b of group.batches) settled += b.counts.settled ?? 0;
          latencies.push(performance.now() - t0);
          done += round.length;
          progressBar(label, done, txCount);
        }
      } else {
        await Promise.all(plans.map(async (batches) => {
          for (const jws of batches) {
            const t0 = performance.now();
            const r = await retrying(() => ledger.submit('gateway', 'SubmitBatch', [jws]));
            latencies.push(performance.now() - t0);
            lastOutcome = r.result.slice(r.result.indexOf('"outcomes"'), r.result.indexOf('"outcomes"') + 300);
            const outcome = JSON.parse(r.result) as { counts: Record<string, number> };
            settled += outcome.counts.settled ?? 0;
            progressBar(label, ++done, txCount);
          }
        }));
      }
      const seconds = (performance.now() - started) / 1000;
      const cpu = cpuDelta(before, cpuSnapshot(l));
      if (settled !== txCount * size) throw new Error(`size ${size}: ${settled} settled of ${txCount * size}; last outcome ${lastOutcome}`);
      latencies.sort((a, b) => a - b);
      const r: SizeResult = {
        size, payments: settled, transactions: txCount, seconds, paymentsPerS: settled / seconds, txPerS: txCount / seconds, cpu,
        latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 },
      };
      const invalidated = [...[...ledger.invalidated].map(([code, n]) => `${code} ${n}`), ...(retried > 0 ? [`handed back for a retry ${retried}`] : [])].join(', ') || 'none';
      say(`${label}: ${settled} payments in ${txCount} transactions, ${seconds.toFixed(1)} s: ${r.paymentsPerS.toFixed(0)} payments/s, ${r.txPerS.toFixed(1)} tx/s, commit latency p50 ${r.latencyMs.p50.toFixed(0)} ms p99 ${r.latencyMs.p99.toFixed(0)} ms; invalidated by the peers: ${invalidated}`);
      return { ...r, invalidated };
    };
    for (const size of SIZES) results.push(await measure(size, `size ${size}`));

    // ---- 1b. one optimisation, before and after in this run: the contract servers' proven-certificate cache ----
    const compare: { off: SizeResult; on: SizeResult } | undefined = COMPARE_SIZE > 0 ? await (async () => {
      // Each setting gets a fresh contract server and one warm-up run (JIT), then the measured run.
      await restartContracts(l, { DOL_CERT_CACHE: 'off' }, say);
      await measure(COMPARE_SIZE, `size ${COMPARE_SIZE}, certificate cache off, warming`);
      const off = await measure(COMPARE_SIZE, `size ${COMPARE_SIZE}, certificate cache off`);
      await restartContracts(l, {}, say);
      await measure(COMPARE_SIZE, `size ${COMPARE_SIZE}, certificate cache on, warming`);
      const on = await measure(COMPARE_SIZE, `size ${COMPARE_SIZE}, certificate cache on`);
      return { off, on };
    })() : undefined;

    // ---- 1c. the write path under contention, before and after in this run: group commit ----
    // Batches of different terminals charging some of the same students (payers drawn from all of
    // them): one transaction per batch, all terminals at once, is endorsed against versions other
    // batches in flight are about to change (MVCC, retried); group commit settles every terminal's
    // next batch in one SubmitBatches transaction, where the shared payers meet in a fixed order.
    const contention: { off: SizeResult; on: SizeResult } | undefined = CONTENDED_SIZE > 0 ? {
      off: await measure(CONTENDED_SIZE, `size ${CONTENDED_SIZE}, shared payers, one transaction per batch`, { grouped: false }),
      on: await measure(CONTENDED_SIZE, `size ${CONTENDED_SIZE}, shared payers, group commit`, { grouped: true }),
    } : undefined;

    // ---- 2. the reconnect burst through the gateway API ----
    let topUps: { statuses: Record<string, number>; seconds: number; wallet: string } | undefined;
    let burst: {
      seconds: number; fundedSeconds: number; sales: number; batches: number; reconciled: boolean; cpu: Map<string, number>; table: string;
      invalidated: number; invalidatedByCode: Record<string, number>; doubleSpends: number;
    } | undefined;
    if (BURST_STUDENTS > 0) {
      // GATEWAYS OperatorOrg gateway instances over one intake schema, each accepting uploads and settling from the shared queue.
      const cli = { ordererAddress: `127.0.0.1:${l.ports.orderer(0)}`, peerAddress: peer.endpoint };
      const gateways = await Promise.all(Array.from({ length: GATEWAYS }, () => startTestGateway({ pool, schema, now, ledger, workers: WORKERS, runWorker: true, cli, groups: GROUPS })));
      const gateway = gateways[0];
      if (gateway === undefined) throw new Error('--gateways must be at least 1');
      ledger.invalidated.clear();
      try {
        const scenario = buildScenario({ students: BURST_STUDENTS, terminals: BURST_TERMINALS, seed: 2026, now, batchSize: 200 }, (d, t) => {
          progressBar('students', d, t);
        });
        let before = cpuSnapshot(l);
        let after = before;
        const settle = async (): Promise<void> => {
          while ((await gateway.store.depth()) > 0) await new Promise((r) => setTimeout(r, 50));
          after = cpuSnapshot(l);
        };
        const report = await runScenario(scenario, new GatewayClient(gateway.url, gateway.tokens, gateways.map((g) => g.url)), settle, (label, d, t) => {
          if (label === 'uploads' && d === 0) before = cpuSnapshot(l);
          if (label === 'funded') after = cpuSnapshot(l); // settlement and the folds, not the reconciliation's reads
          progressBar(label, d, t);
        }, 64);
        const seconds = (report.lastSettledMs - report.firstUploadMs) / 1000;
        const fundedSeconds = (report.lastFundedMs - report.firstUploadMs) / 1000;
        const invalidatedByCode = Object.fromEntries(ledger.invalidated);
        const invalidated = [...ledger.invalidated.values()].reduce((a, n) => a + n, 0);
        burst = {
          seconds, fundedSeconds, sales: report.sales, batches: report.uploads, reconciled: report.ok, cpu: cpuDelta(before, after), table: formatReport(report),
          invalidated, invalidatedByCode, doubleSpends: report.outcomes['double-spend'] ?? 0,
        };
        say(`burst: ${report.sales} sales in ${report.uploads} batches from ${BURST_TERMINALS} terminals, first upload to last commit ${seconds.toFixed(1)} s, every charge funded ${fundedSeconds.toFixed(1)} s, ${report.ok ? 'RECONCILED' : 'NOT RECONCILED'}`);
        // ---- 3. parallel writes to one account: 16 top-ups at once, through both gateways ----
        const account = 'hot-topups';
        await new GatewayClient(gateway.url, gateway.tokens).must('POST', '/v1/accounts', 'finance', { account, group: 'ug-2026', creditLine: '0' });
        const t0 = performance.now();
        const answers = await Promise.all(Array.from({ length: 16 }, async (_, i) => {
          const g = gateways[i % gateways.length] ?? gateway;
          const r = await fetch(`${g.url}/v1/top-ups`, { method: 'POST', headers: { authorization: `Bearer ${g.tokens.operator}`, 'content-type': 'application/json' }, body: JSON.stringify({ topUpId: `hot-${i}`, account, amount: '100' }) });
          await r.text();
          return r.status;
        }));
        const byStatus = answers.reduce<Record<string, number>>((m, st) => ({ ...m, [String(st)]: (m[String(st)] ?? 0) + 1 }), {});
        const wallet = (await new GatewayClient(gateway.url, gateway.tokens).must('GET', `/v1/accounts/${account}`, 'auditor')) as { wallet?: string };
        topUps = { statuses: byStatus, seconds: (performance.now() - t0) / 1000, wallet: wallet.wallet ?? '?' };
        say(`16 parallel top-ups to one account over ${gateways.length} gateways: ${JSON.stringify(byStatus)} in ${topUps.seconds.toFixed(1)} s, wallet ${topUps.wallet}`);
      } finally {
        for (const g of gateways) await g.close();
      }
    }

    // ---- report ----
    const base = results.find((r) => r.size === 1);
    const best = results.reduce<SizeResult | undefined>((b, r) => (b === undefined || r.paymentsPerS > b.paymentsPerS ? r : b), undefined);
    const machine = `${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, Fabric ${binaries.fabricVersion}`;
    const command = `npm run bench:fabric -- ${givenArguments().join(' ')}`.trim();
    const names = [...new Set(results.flatMap((r) => [...r.cpu.keys()]))].filter((n) => !n.startsWith('ca.'));
    const lines = [
      '',
      `command: ${command}`,
      `machine: ${machine}; network: 1 Raft orderer, 3 peers, a contract server per org, AND(OperatorMSP.peer, CampusMSP.peer); ${TERMINALS} terminals submitting concurrently, each its batches in sequence`,
      '',
      'batch size  payments  tx    seconds  payments/s  tx/s    ratio  p50 ms  p90 ms  p99 ms',
      ...results.map((r) => `${String(r.size).padStart(10)}  ${String(r.payments).padStart(8)}  ${String(r.transactions).padStart(4)}  ${r.seconds.toFixed(1).padStart(7)}  ${r.paymentsPerS.toFixed(0).padStart(10)}  ${r.txPerS.toFixed(1).padStart(6)}  ${(base ? r.paymentsPerS / base.paymentsPerS : 0).toFixed(1).padStart(5)}  ${r.latencyMs.p50.toFixed(0).padStart(6)}  ${r.latencyMs.p90.toFixed(0).padStart(6)}  ${r.latencyMs.p99.toFixed(0).padStart(6)}`),
      '',
      ...(compare ? [
        `proven-certificate cache in the contract servers, size ${COMPARE_SIZE}, same run: off ${compare.off.paymentsPerS.toFixed(0)} payments/s, on ${compare.on.paymentsPerS.toFixed(0)} payments/s (x${(compare.on.paymentsPerS / compare.off.paymentsPerS).toFixed(2)}); contract CPU per 1,000 payments (operator, campus): off ${((compare.off.cpu.get('contract.operator') ?? 0) / (compare.off.payments / 1000)).toFixed(2)} / ${((compare.off.cpu.get('contract.campus') ?? 0) / (compare.off.payments / 1000)).toFixed(2)} s, on ${((compare.on.cpu.get('contract.operator') ?? 0) / (compare.on.payments / 1000)).toFixed(2)} / ${((compare.on.cpu.get('contract.campus') ?? 0) / (compare.on.payments / 1000)).toFixed(2)} s`,
        '',
      ] : []),
      ...(contention ? [
        `group commit, size ${CONTENDED_SIZE} with payers shared across terminals, same run: one transaction per batch ${contention.off.paymentsPerS.toFixed(0)} payments/s (invalidated: ${contention.off.invalidated ?? '?'}), grouped ${contention.on.paymentsPerS.toFixed(0)} payments/s (invalidated: ${contention.on.invalidated ?? '?'}) (x${(contention.on.paymentsPerS / contention.off.paymentsPerS).toFixed(2)})`,
        '',
      ] : []),
      `CPU seconds per 1,000 payments, by process and batch size${burst ? ' (and the burst)' : ''}:`,
      `${'process'.padEnd(28)}${results.map((r) => `size ${r.size}`.padStart(10)).join('')}${burst ? 'burst'.padStart(10) : ''}`,
      ...names.map((n) => `${n.padEnd(28)}${results.map((r) => ((r.cpu.get(n) ?? 0) / (r.payments / 1000)).toFixed(2).padStart(10)).join('')}${burst ? ((burst.cpu.get(n) ?? 0) / (burst.sales / 1000)).toFixed(2).padStart(10) : ''}`),
      '',
      topUps ? `16 parallel top-ups of 100 to one account over ${GATEWAYS} gateways: ${JSON.stringify(topUps.statuses)} (status: count) in ${topUps.seconds.toFixed(1)} s; wallet after ${topUps.wallet}` : '',
      burst ? `reconnect burst: ${burst.sales} sales from ${BURST_STUDENTS} students in ${burst.batches} batches of ≤200 from ${BURST_TERMINALS} terminals through the gateway API (${GATEWAYS} OperatorOrg gateway instances over one intake schema, ${WORKERS} workers each, groups of at most ${GROUPS.maxBatches} batches / ${GROUPS.maxRecords} records): first upload to last commit ${burst.seconds.toFixed(1)} s = ${(burst.sales / burst.seconds).toFixed(0)} sales/s, every charge funded (the last fold) ${burst.fundedSeconds.toFixed(1)} s, ${burst.reconciled ? 'reconciled exactly' : 'NOT RECONCILED'}, invalidated by the peers: ${burst.invalidated} ${JSON.stringify(burst.invalidatedByCode)} (double spends in the burst: ${burst.doubleSpends}; two uses of one code settling at once is a genuine conflict, and so is a fold racing another of the same account)` : 'reconnect burst: not run (--burst-students 0)',
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n${burst?.table ?? ''}\n`);
    const perProcess = (cpu: Map<string, number>, payments: number): Record<string, number> => Object.fromEntries([...cpu].filter(([n]) => !n.startsWith('ca.')).map(([n, s]) => [n, Number((s / (payments / 1000)).toFixed(3))]));
    writeFileSync(JSON_OUT, `${JSON.stringify({
      ledger: 'fabric', machine, command, date: new Date().toISOString().slice(0, 10),
      payments_per_s: Object.fromEntries(results.map((r) => [String(r.size), Math.round(r.paymentsPerS)])),
      tx_per_s: Object.fromEntries(results.map((r) => [String(r.size), Number(r.txPerS.toFixed(1))])),
      commit_latency_ms: Object.fromEntries(results.map((r) => [String(r.size), { p50: Math.round(r.latencyMs.p50), p90: Math.round(r.latencyMs.p90), p99: Math.round(r.latencyMs.p99) }])),
      group_commit: contention ? { size: CONTENDED_SIZE, payments_per_s_one_per_tx: Math.round(contention.off.paymentsPerS), payments_per_s_grouped: Math.round(contention.on.paymentsPerS), invalidated_one_per_tx: contention.off.invalidated ?? null, invalidated_grouped: contention.on.invalidated ?? null } : null,
      certificate_cache: compare ? { size: COMPARE_SIZE, payments_per_s_off: Math.round(compare.off.paymentsPerS), payments_per_s_on: Math.round(compare.on.paymentsPerS) } : null,
      ratio_best_to_size1: base && best ? Number((best.paymentsPerS / base.paymentsPerS).toFixed(1)) : null,
      burst_30000_s: burst && BURST_STUDENTS === 30000 ? Number(burst.seconds.toFixed(1)) : null,
      burst: burst ? {
        students: BURST_STUDENTS, sales: burst.sales, batches: burst.batches, seconds: Number(burst.seconds.toFixed(1)), reconciled: burst.reconciled,
        settled_s: Number(burst.seconds.toFixed(1)), funded_s: Number(burst.fundedSeconds.toFixed(1)), gateways: GATEWAYS,
        invalidated: burst.invalidated, invalidated_by_code: burst.invalidatedByCode, double_spends: burst.doubleSpends,
        cpu_s_per_1000_payments: perProcess(burst.cpu, burst.sales),
      } : null,
      gateways: burst ? GATEWAYS : null,
      parallel_topups_16: topUps ?? null,
      invalidated: burst ? burst.invalidated : null,
      cpu_s_per_1000_payments: Object.fromEntries([...results.map((r) => [`size_${r.size}`, perProcess(r.cpu, r.payments)] as const), ...(burst ? [['burst', perProcess(burst.cpu, burst.sales)] as const] : [])]),
    }, null, 2)}\n`);
    say(`wrote ${JSON_OUT}`);
    if (burst && !burst.reconciled) process.exitCode = 1;
  } finally {
    ledger.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pool.end();
    await down(l);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:fabric failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
