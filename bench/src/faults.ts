/**
 * `npm run faults -- --trials N --seed S`: faults chosen and timed at random (seeded) over canteen
 * bursts on a network with three Raft orderers, each trial reconciled against the simulator's
 * model; a table at the end, and docs/faults.json for tools.
 *
 *   npm run faults -- --trials 20 --seed 2026 [--students 300] [--json docs/faults.json] [--across-hosts]
 *
 * `--across-hosts` (root) adds the faults across hosts after the trials: the network over network
 * namespaces (bench:multihost), CampusOrg's and AuditOrg's links cut for 30 s mid-burst and every
 * link capped at 10 Mbit/s, reconciled the same way.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { down, findBinaries, layout } from '@dol/network';
import { formatReport, type RunReport } from '@dol/scripts';
import { FAULTS, burstWithFault, type FaultKind } from './fault-kit';
import { textOption, wholeOption } from './options';

const USAGE = `usage: npm run faults [-- --trials N --seed S --students N --json FILE --across-hosts]
  Faults chosen and timed at random (seeded) over canteen bursts on a network with three Raft
  orderers (network/fault-run), each trial reconciled against the simulator's model; a table at the
  end and FILE (default docs/faults.json). --across-hosts (root): then the link cuts and capped
  links across network namespaces (npm run bench:multihost), reconciled too.
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const ROOT = resolve(__dirname, '..', '..');

/** mulberry32: the same seed chooses the same faults at the same moments. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Outage length ranges per fault, in ms. */
const OUTAGE: Readonly<Record<FaultKind, readonly [number, number]>> = {
  'gateway-sigkill': [0, 3_000],
  'one-of-two-gateways': [0, 0],
  'raft-leader': [3_000, 20_000],
  'campus-peer': [3_000, 20_000],
  'contract-server': [1_000, 10_000],
  'all-orderers': [10_000, 30_000],
};

const numbers = (text: string): number[] => (text.match(/\d+/g) ?? []).map(Number);

/** What a reconciliation says was lost (acknowledged, never settled) and counted twice. */
function tally(report: RunReport): { batches: number; lost: number; doubleCounted: number } {
  const check = (prefix: string) => report.checks.find((c) => c.name.startsWith(prefix));
  const settled = check('batches settled');
  const [expected = 0] = numbers(settled?.expected ?? '');
  const [got = 0] = numbers(settled?.ledger ?? '');
  const dup = numbers(check('duplicates reaching the ledger')?.ledger ?? '0')[0] ?? 0;
  const balances = check('student balances');
  const [students = 0] = numbers(balances?.expected ?? '');
  const [matching = 0] = numbers(balances?.ledger ?? '');
  return { batches: expected, lost: Math.max(0, expected - got), doubleCounted: dup + (balances?.ok === false ? Math.max(0, students - matching) : 0) };
}

async function main(): Promise<void> {
  const trials = wholeOption('trials', 20);
  const seed = wholeOption('seed', 2026);
  const students = wholeOption('students', 300);
  const json = textOption('json', join(ROOT, 'docs', 'faults.json'));
  const b = findBinaries();
  const l = layout(join(ROOT, 'network', 'fault-run'), 28000, 3);
  const random = rng(seed);
  const rows: { trial: number; fault: FaultKind; at: number; outageMs: number; batches: number; lost: number; doubleCounted: number; reconciled: boolean; seconds: number }[] = [];
  try {
    for (let trial = 1; trial <= trials; trial++) {
      const fault = FAULTS[Math.floor(random() * FAULTS.length)] ?? 'gateway-sigkill';
      const at = 0.15 + random() * 0.6;
      const [lo, hi] = OUTAGE[fault];
      const outageMs = Math.round(lo + random() * (hi - lo));
      process.stderr.write(`[faults] trial ${trial}/${trials}: ${fault} after ${(at * 100).toFixed(0)} % of the uploads, outage ${(outageMs / 1000).toFixed(1)} s\n`);
      const started = Date.now();
      const { report } = await burstWithFault(l, b, fault, { students, seed: seed + trial, at, outageMs });
      const t = tally(report);
      rows.push({ trial, fault, at, outageMs, ...t, reconciled: report.ok, seconds: (Date.now() - started) / 1000 });
      if (!report.ok) process.stderr.write(`${formatReport(report)}\n`);
      process.stderr.write(`[faults] trial ${trial}: ${t.batches} batches, lost ${t.lost}, double-counted ${t.doubleCounted}, ${report.ok ? 'reconciled' : 'NOT RECONCILED'}\n`);
    }
  } finally {
    await down(l);
  }
  let hosts: { sent?: number; lost?: number; doubleCounted?: number; invariant?: boolean; campusCut?: { batches?: number }; auditCut?: { batches?: number; catchUpSeconds?: number }; capped?: { paymentsPerSecond?: number } } | undefined;
  if (process.argv.includes('--across-hosts')) {
    process.stderr.write('[faults] across hosts: CampusOrg and AuditOrg links cut for 30 s, every link capped, over network namespaces (bench:multihost)\n');
    const out = execFileSync(process.execPath, [join(ROOT, 'bench', 'dist', 'multihost.js'), '--cut-s', '30'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    hosts = JSON.parse(out.trim().split('\n').pop() ?? '{}') as typeof hosts;
  }
  const byKind = Object.fromEntries(FAULTS.map((k) => [k, rows.filter((r) => r.fault === k).length]));
  const total = rows.reduce((s, r) => ({ batches: s.batches + r.batches, lost: s.lost + r.lost, doubleCounted: s.doubleCounted + r.doubleCounted }), { batches: 0, lost: 0, doubleCounted: 0 });
  const command = `npm run faults -- --trials ${trials} --seed ${seed}${students === 300 ? '' : ` --students ${students}`}${hosts === undefined ? '' : ' --across-hosts'}`;
  process.stdout.write([
    '',
    `command: ${command}`,
    `network: 3 Raft orderers, 3 peers, a contract server per org, AND(Operator, Campus); each trial a fresh network, a canteen burst of ${students} students through the gateway process`,
    '',
    'trial  fault            at    outage s  batches  lost  double-counted  reconciled',
    ...rows.map((r) => `${String(r.trial).padStart(5)}  ${r.fault.padEnd(15)}  ${(r.at * 100).toFixed(0).padStart(3)} %  ${(r.outageMs / 1000).toFixed(1).padStart(8)}  ${String(r.batches).padStart(7)}  ${String(r.lost).padStart(4)}  ${String(r.doubleCounted).padStart(14)}  ${r.reconciled ? 'yes' : 'NO'}`),
    '',
    `trials ${rows.length}; faults ${FAULTS.map((k) => `${k} ${byKind[k] ?? 0}`).join(', ')}; batches ${total.batches}; lost ${total.lost}; double-counted ${total.doubleCounted}`,
    ...(hosts === undefined ? [] : [
      '',
      `across hosts (network namespaces): campus-link-cut 30 s over ${String(hosts.campusCut?.batches ?? '?')} batches, audit-link-cut 30 s over ${String(hosts.auditCut?.batches ?? '?')} batches (caught up ${String(hosts.auditCut?.catchUpSeconds ?? '?')} s after), capped-links at ${String(hosts.capped?.paymentsPerSecond ?? '?')} payments/s; ${String(hosts.sent ?? '?')} payments, lost ${String(hosts.lost ?? '?')}, double-counted ${String(hosts.doubleCounted ?? '?')}, invariant ${hosts.invariant === true ? 'holds' : 'BROKEN'}`,
    ]),
    '',
  ].join('\n'));
  writeFileSync(json, `${JSON.stringify({ ledger: 'fabric', orderers: 3, trials: rows.length, faults: byKind, batches: total.batches, lost: total.lost, double_counted: total.doubleCounted, seed, command, rows, ...(hosts === undefined ? {} : { across_hosts: hosts }) }, null, 2)}\n`);
  const hostsBad = hosts !== undefined && (hosts.lost !== 0 || hosts.doubleCounted !== 0 || hosts.invariant !== true);
  if (total.lost > 0 || total.doubleCounted > 0 || rows.some((r) => !r.reconciled) || hostsBad) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`faults failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
