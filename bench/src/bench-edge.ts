/**
 * The site edge node (docs/edge.md), measured:
 * 1. one edge process pinned to one core (taskset), its store on disk: a sale's round trip at the
 *    terminal and the edge's approvals per second, with many stalls asking at once;
 * 2. 1,000 screenshot replays at a second stall through the reference terminal library: stopped
 *    with the edge up; with it killed, how many get through (each marked: the terminal decided alone);
 * 3. the canteen hour (2,000 students, same seed) on the EMBEDDED LEDGER through the real gateway,
 *    three times: no edges, edges whose slices allow a flagged advance, edges that refuse beyond the
 *    slice: advances the operator fronted, double spends found by settlement, replays stopped.
 * Usage: npm run bench:edge [-- --approvals 20000 --stalls 32 --replays 1000 --students 2000]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { Amount, parseIssuerKey, parseRiskPolicy } from '@dol/chaincode';
import { EdgeClient, Journal, OfflineTerminal, memoryJournalStore, type OfflineConfig } from '@dol/terminal';
import { GatewayClient, Issuer, PayerMedium, Terminal, buildScenario, formatReport, percentile, positiveIntOption, runScenario, type RunReport } from '@dol/scripts';
import { startTestGateway } from './test-gateway';

const USAGE = `usage: npm run bench:edge [-- options]
  The edge node: approval round trip and throughput (edge pinned to one core), screenshot replays
  stopped at the second stall, and the canteen hour with and without edge slices (embedded ledger).
  --approvals N (20000)  --stalls N (32)  --replays N (1000)  --students N (2000)
  environment: DOL_DATABASE_URL
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const ROOT = join(__dirname, '..', '..');
const NOW = Date.now();
const AT = NOW - 600_000;

// The site's terminals: each signs its approval requests with its registered key, which the edge knows (docs/edge.md).
const SITE = new Map([...Array.from({ length: 64 }, (_, s) => `pos-${s}`), 'pos-a-up', 'pos-b-up', 'pos-a-down', 'pos-b-down'].map((id) => [id, Terminal.generate(id, 'EdDSA')]));
const site = (id: string): Terminal => {
  const t = SITE.get(id);
  if (t === undefined) throw new Error(`${id} is not a terminal of the bench's site`);
  return t;
};

function startEdge(dir: string, pinned: boolean): Promise<{ child: ChildProcess; url: string }> {
  const main = join(ROOT, 'edge', 'dist', 'main.js');
  const [cmd, args] = pinned ? ['taskset', ['-c', '0', process.execPath, main]] : [process.execPath, [main]];
  const seed = join(dir, 'site-terminals.json');
  writeFileSync(seed, JSON.stringify([...SITE.values()].map((t) => ({ terminalId: t.terminalId, publicKey: t.key.jwk }))));
  const child = spawn(cmd, [...args, '--edge-id', 'edge-bench', '--store', dir, '--site-terminals', seed], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1] !== undefined) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => {
      reject(new Error(`edge exited ${String(code)}: ${out}`));
    });
  });
}

async function stopEdge(child: ChildProcess): Promise<void> {
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

/** Many stalls asking at once: each its own sequence of distinct codes. */
async function approvalLoad(url: string, approvals: number, stalls: number): Promise<{ ms: number[]; seconds: number; refused: number }> {
  const client = new EdgeClient('edge-bench', url);
  const ms: number[] = [];
  let refused = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: stalls }, async (_, s) => {
    while (next < approvals) {
      const i = next++;
      const t = performance.now();
      const answer = await client.approve({ terminalId: `pos-${s}`, medium: 'code', payer: `w-load-${i % 5000}`, account: `acct-${i % 5000}`, ctr: Math.floor(i / 5000) + 1, amount: Amount.parse('800'), at: AT }, 10_000, site(`pos-${s}`).key);
      ms.push(performance.now() - t);
      if (answer.kind !== 'approved') refused += 1;
    }
  }));
  return { ms, seconds: (performance.now() - started) / 1000, refused };
}

/** Open loop at a fixed rate, as a rush's sales arrive: each request starts on time whatever the ones before are doing. */
async function pacedLoad(url: string, perSecond: number, count: number, offset: number): Promise<number[]> {
  const client = new EdgeClient('edge-bench', url);
  const ms: number[] = [];
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const k = offset + i;
    const t = performance.now();
    inFlight.push(client.approve({ terminalId: `pos-${k % 20}`, medium: 'face', payer: `acct-p-${k}`, account: `acct-p-${k}`, ctr: 0, amount: Amount.parse('800'), at: AT + k }, 10_000, site(`pos-${k % 20}`).key).then(() => {
      ms.push(performance.now() - t);
    }));
  }
  await Promise.all(inFlight);
  return ms;
}

function offlineConfig(terminalId: string, issuer: Issuer): OfflineConfig {
  return {
    terminalId, merchantId: 'canteen-bench', role: 'terminal', asOf: NOW, denyListVersion: 0, edges: [],
    policy: parseRiskPolicy({ maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900, edgeTimeoutMs: 2000 }),
    issuerKeys: [parseIssuerKey(issuer.registration())],
  };
}

/** Each replay: a code sold at stall A, its screenshot shown at stall B, both through the terminal library. */
interface Replays {
  readonly stopped: number;
  readonly through: number;
  readonly marked: number;
  readonly issuer: Issuer;
  readonly terminals: readonly OfflineTerminal[];
  readonly keys: readonly Terminal[];
  readonly accounts: readonly string[];
}

async function replays(url: string, n: number, tag: string): Promise<Replays> {
  const issuer = Issuer.generate(`issuer-${tag}`, 'EdDSA', NOW - 1e10, NOW + 1e10);
  const keys = [`pos-a-${tag}`, `pos-b-${tag}`].map(site);
  const [a, b] = keys.map((k) => {
    const t = new OfflineTerminal(k.terminalId, k.key, new Journal(memoryJournalStore()), new EdgeClient('edge-bench', url));
    t.sync(offlineConfig(k.terminalId, issuer), { version: 0, media: new Set(), accounts: new Set() }, AT - 60_000);
    return t;
  });
  const accounts: string[] = [];
  if (a === undefined || b === undefined) throw new Error('no terminals');
  let stopped = 0;
  let through = 0;
  let marked = 0;
  for (let i = 0; i < n; i++) {
    const w = PayerMedium.issue(issuer, {
      mediaId: `w-${tag}-${i}`, kind: 'wallet', account: `acct-${tag}-${i}`, group: 'g', capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 100, nbf: NOW - 86_400_000, exp: NOW + 86_400_000,
    }, 'EdDSA');
    accounts.push(w.fields.account);
    const code = w.payCode(AT - 5000);
    const first = await a.sell({ medium: 'code', credential: code }, Amount.parse('900'), AT);
    if (!first.ok) throw new Error(`the first use was refused: ${first.code}`);
    const again = await b.sell({ medium: 'code', credential: code }, Amount.parse('900'), AT + 30_000);
    if (again.ok) {
      through += 1;
      if (again.edge === 'unreachable') marked += 1;
    } else if (again.code === 'ALREADY_USED') stopped += 1;
  }
  return { stopped, through, marked, issuer, terminals: [a, b], keys, accounts };
}

/** Settles the replays that got through on the embedded ledger: how many settlement finds as double spends. */
async function settleReplays(r: Replays): Promise<{ doubleSpends: number; flagged: number }> {
  const pool = new Pool({ connectionString: process.env.DOL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 8 });
  const schema = `bench_edge_${randomBytes(4).toString('hex')}`;
  const gateway = await startTestGateway({ pool, schema, now: NOW, runWorker: true, workers: 2 });
  try {
    const api = new GatewayClient(gateway.url, gateway.tokens);
    await api.must('POST', '/v1/issuer-keys', 'operator', r.issuer.registration());
    await api.must('POST', '/v1/merchants', 'operator', { merchantId: 'canteen-bench', name: 'bench' });
    for (const k of r.keys) await api.must('POST', '/v1/terminals', 'operator', { terminalId: k.terminalId, merchantId: 'canteen-bench', publicKey: k.key.jwk });
    await api.must('PUT', '/v1/risk-policy', 'operator', { maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900 });
    for (let i = 0; i < r.accounts.length; i += 500) {
      const chunk = r.accounts.slice(i, i + 500);
      await api.must('POST', '/v1/accounts/import', 'finance', { accounts: chunk.map((account) => ({ account, group: 'g', creditLine: '0' })) });
      await api.must('POST', '/v1/top-ups/import', 'operator', { topUps: chunk.map((account) => ({ topUpId: `tu-${account}`, account, amount: '5000' })) });
    }
    const receipts: string[] = [];
    for (const t of r.terminals) {
      t.seal(500);
      await t.upload({ url: gateway.url });
      receipts.push(...t.receipts());
    }
    while ((await gateway.store.depth()) > 0) await new Promise((res) => setTimeout(res, 50));
    let doubleSpends = 0;
    let flagged = 0;
    for (const receipt of receipts) {
      const b = (await api.must('GET', `/v1/batches/${receipt}`, 'auditor')) as { result?: { outcomes?: { code: string; flags?: string[] }[] } };
      for (const o of b.result?.outcomes ?? []) {
        if (o.code === 'double-spend') {
          doubleSpends += 1;
          if (o.flags?.includes('edge-unreachable') === true) flagged += 1;
        }
      }
    }
    return { doubleSpends, flagged };
  } finally {
    await gateway.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  }
}

async function hour(students: number, edges: boolean, overflow: 'refuse' | 'advance'): Promise<RunReport> {
  const pool = new Pool({ connectionString: process.env.DOL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 16 });
  const schema = `bench_edge_${randomBytes(4).toString('hex')}`;
  const gateway = await startTestGateway({ pool, schema, now: NOW, runWorker: true, workers: 2 });
  try {
    const scenario = buildScenario({ students, terminals: 20, seed: 2026, now: NOW, batchSize: 200, edges, edgeOverflow: overflow });
    const settle = async (): Promise<void> => {
      while ((await gateway.store.depth()) > 0) await new Promise((r) => setTimeout(r, 50));
    };
    return await runScenario(scenario, new GatewayClient(gateway.url, gateway.tokens), settle);
  } finally {
    await gateway.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  }
}

async function main(): Promise<void> {
  const approvals = positiveIntOption('approvals', 20000);
  const stalls = positiveIntOption('stalls', 32);
  const n = positiveIntOption('replays', 1000);
  const students = positiveIntOption('students', 2000);
  const pinned = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const dir = mkdtempSync(join(tmpdir(), 'dol-bench-edge-'));
  const lines: string[] = [];
  const say = (line: string): void => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  try {
    let edge = await startEdge(dir, pinned);
    const load = await approvalLoad(edge.url, approvals, stalls);
    say(`edge approvals (${pinned ? 'edge pinned to core 0' : 'edge not pinned: taskset missing'}; SQLite WAL synchronous=FULL on disk; ${stalls} stalls at once over loopback HTTP):`);
    say(`  ${approvals} approvals in ${load.seconds.toFixed(1)} s = ${(approvals / load.seconds).toFixed(0)} approvals/s; round trip p50 ${percentile(load.ms, 0.5).toFixed(2)} ms, p99 ${percentile(load.ms, 0.99).toFixed(2)} ms, max ${percentile(load.ms, 1).toFixed(1)} ms; refused ${load.refused}`);
    const single = await approvalLoad(edge.url, 2000, 1);
    say(`  one stall alone: round trip p50 ${percentile(single.ms, 0.5).toFixed(2)} ms, p99 ${percentile(single.ms, 0.99).toFixed(2)} ms`);
    // The rush as it arrives: 30,000 students' ~48,000 sales in an hour over 4 canteens is ~3 a second
    // at one edge; 50/s is the noon peak many times over, 400/s a site far larger than a canteen.
    for (const [rate, count] of [[50, 1500], [400, 6000]] as const) {
      const paced = await pacedLoad(edge.url, rate, count, rate * 100_000);
      say(`  at ${rate} sales/s arriving (open loop, ${count} sales): round trip p50 ${percentile(paced, 0.5).toFixed(2)} ms, p99 ${percentile(paced, 0.99).toFixed(2)} ms`);
    }
    const up = await replays(edge.url, n, 'up');
    say(`screenshot replays at a second stall, edge up: ${up.stopped} of ${n} stopped at the stall, ${up.through} got through`);
    await stopEdge(edge.child);
    const down = await replays(edge.url, n, 'down');
    const found = await settleReplays(down);
    say(`the same with the edge killed: ${down.stopped} stopped, ${down.through} got through (${down.marked} marked edge-unreachable); settled on the embedded ledger: ${found.doubleSpends} found as double spends, ${found.flagged} of them flagged edge-unreachable`);
    edge = await startEdge(dir, pinned);
    await stopEdge(edge.child);

    const runs: [string, RunReport][] = [];
    for (const [label, withEdges, overflow] of [['no edges', false, 'advance'], ['edges, advance beyond the slice', true, 'advance'], ['edges, refuse beyond the slice', true, 'refuse']] as const) {
      process.stdout.write(`canteen hour: ${label} ...\n`);
      runs.push([label, await hour(students, withEdges, overflow)]);
    }
    say(`canteen hour, ${students} students, seed 2026, embedded ledger (same seed each run; the first canteen's edge killed at 40 % of the sales, restarted at 60 %):`);
    say('  run                               | sales | advanced (fen) | double spends at settlement | replays stopped at the stall | refused beyond the slice | reconciled');
    for (const [label, r] of runs) {
      say(`  ${label.padEnd(33)} | ${String(r.sales).padStart(5)} | ${r.advanced.toString().padStart(14)} | ${String(r.outcomes['double-spend'] ?? 0).padStart(27)} | ${`${r.stall.replaysStopped} of ${r.stall.replays}`.padStart(28)} | ${String(r.stall.refused.OVER_SLICE ?? 0).padStart(24)} | ${r.ok ? 'yes' : 'NO'}`);
    }
    for (const [label, r] of runs) {
      if (r.stall.edgeMs.length > 0) say(`  ${label}: a sale's round trip to its edge during the hour p50 ${percentile(r.stall.edgeMs, 0.5).toFixed(2)} ms, p99 ${percentile(r.stall.edgeMs, 0.99).toFixed(2)} ms (${r.stall.edgeMs.length} sales; the killed edge's refused connections included)`);
    }
    for (const [label, r] of runs) if (!r.ok) process.stdout.write(`\n${label}:\n${formatReport(r)}\n`);
    say(`command: npm run bench:edge -- --approvals ${approvals} --stalls ${stalls} --replays ${n} --students ${students}`);
    say(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
    process.exitCode = runs.every(([, r]) => r.ok) && up.stopped >= Math.ceil(n * 0.999) ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
