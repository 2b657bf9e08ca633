/**
 * Settlement across hosts (issue 23). `npm run bench:multihost` (root): makes the hosts of a topology
 * (network namespaces and their bridge), brings the network up across them from the control host
 * (timed, from nothing to committed chaincode), runs the measurement there, and removes it all; the
 * same burst on a loopback network in the same run gives the figure to compare. The measurement
 * (`--dir`, inside the control namespace): settled payments/s at one batch size over the bridge,
 * the same with every organisation's link capped (tc tbf), and two link cuts during a burst:
 * CampusOrg's (endorsement impossible: batches wait and settle after) and AuditOrg's (it falls
 * behind and catches up). Every batch is submitted by the product's own Fabric adapter and retried
 * until it settles; then the ledger is read back: lost 0 and double-counted 0, or it fails.
 * Then each organisation's gateway API on its own host, and the canteen hour (`npm run scenario`)
 * through them from the control host: once as it is, once with CampusOrg's link cut for the cut's
 * length as the terminals upload; the same hour through gateways on the loopback network too.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SettlementClient } from '@dol/gateway-api';
import {
  blockHeight, capLink, down, findBinaries, layout, makeHosts, namespacesUnavailable, readState, readTopology, removeHosts, setLink, stopGateways, up, type Layout, type OrgHost, type OrgKey,
} from '@dol/network';
import { benchLedger, setUpBenchWorld, signBatches, type BenchWorld } from './bench-setup';
import { textOption, wholeOption } from './options';

const USAGE = `usage: npm run bench:multihost [-- options]        (root: it makes network namespaces)
  Each organisation on its own host: the network from a topology file across network namespaces
  (time from nothing to committed chaincode), settled payments/s over the bridge and with every
  link capped, beside a loopback network in the same run, and link cuts of CampusOrg and AuditOrg
  during a burst, reconciled (lost 0, double-counted 0). Everything it made is removed.
  Then the gateway APIs on their hosts and the canteen hour through them (as is, and with
  CampusOrg's link cut as the terminals upload), beside the same hour on loopback.
  --topology FILE (network/topologies/namespaces.example.json)  --terminals 8  --batch-size 200
  --batches 3  --cap-mbit 10  --cut-s 30  --students 2000 (the canteen hour's)  --json FILE
  --dir D: only the measurement, on the network in D (run inside the topology's control namespace)
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'network', 'dist', 'cli.js');
const SELF = join(ROOT, 'bench', 'dist', 'multihost.js');
const SCENARIO = join(ROOT, 'scripts', 'dist', 'sim', 'cli.js');

const say = (line: string): void => {
  process.stderr.write(`[multihost] ${line}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The network in `dir` as `network:up` left it (with its topology's hosts, or on loopback). */
function networkIn(dir: string): Layout {
  const state = readState(layout(dir, 7000, 1));
  if (state === undefined) throw new Error(`no network in ${dir}`);
  return layout(dir, state.portBase, state.orderers, state.hosts);
}

interface Burst {
  readonly payments: number;
  readonly seconds: number;
  /** Submissions that failed and were tried again. */
  readonly retries: number;
}

/** Every terminal submits its batches in order, concurrently with the others; a failed one is tried again until it settles. */
async function burst(client: SettlementClient, batches: readonly (readonly string[])[], size: number): Promise<Burst> {
  let retries = 0;
  const started = Date.now();
  await Promise.all(batches.map(async (list) => {
    for (const jws of list) {
      const deadline = Date.now() + 600_000;
      for (;;) {
        try {
          await client.submitBatches([jws]);
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          retries += 1;
          await sleep(1000);
        }
      }
    }
  }));
  return { payments: batches.flat().length * size, seconds: (Date.now() - started) / 1000, retries };
}

/** What the ledger holds for the world's terminals: settled records (over every submission), and duplicates answered to retries. */
async function settledOnLedger(client: SettlementClient, w: BenchWorld): Promise<{ settled: number; duplicates: number }> {
  let settled = 0;
  let duplicates = 0;
  for (const t of w.terminals) {
    for (const entry of await client.batchChain(t.terminalId)) {
      const counts = typeof entry.counts === 'object' && entry.counts !== null ? entry.counts : {};
      settled += Number(Reflect.get(counts, 'settled') ?? 0);
      duplicates += Number(Reflect.get(counts, 'duplicate') ?? 0);
    }
  }
  return { settled, duplicates };
}

/** Runs a node script inside a namespace (or here), its stderr passed on (and its lines to `onLine`); resolves with its stdout. */
function node(namespace: string | undefined, args: readonly string[], onLine?: (line: string) => void): Promise<string> {
  return new Promise((done, fail) => {
    const [cmd, argv] = namespace === undefined ? [process.execPath, args] : ['ip', ['netns', 'exec', namespace, process.execPath, ...args]];
    const child = spawn(cmd, [...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      process.stderr.write(c);
      if (onLine !== undefined) for (const line of c.toString().split('\n')) onLine(line);
    });
    child.once('exit', (code) => {
      if (code === 0) done(out);
      else fail(new Error(`${args.join(' ')} exited ${String(code)}`));
    });
  });
}

const lastJson = (out: string): Record<string, unknown> => {
  const line = out.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line) as Record<string, unknown>;
};

/** The canteen hour's reconnect burst as `npm run scenario` reports it. */
interface Hour { readonly sales: number; readonly batches: number; readonly seconds: number }

/**
 * The gateway APIs of the network in `dir` (on its hosts), then the canteen hour through them from
 * `namespace`; with `cut`, that organisation's link is cut for `cutMs` as the terminals upload.
 */
async function hourThroughGateways(namespace: string | undefined, dir: string, students: number, cut?: { hosts: Readonly<Record<string, OrgHost>>; org: OrgKey; ms: number }): Promise<Hour> {
  const started = lastJson(await node(namespace, [CLI, 'gateways', '--dir', dir, '--schema-prefix', 'dol_bench_mh_']));
  let healed: Promise<void> | undefined;
  const out = await node(namespace, [SCENARIO, '--tokens-file', String(started.tokensFile), '--students', String(students), '--terminals', '20'], (line) => {
    if (cut === undefined || healed !== undefined || !line.startsWith('uploads')) return;
    setLink(cut.hosts, cut.org, 'down');
    say(`${cut.org}'s link cut for ${cut.ms / 1000} s as the terminals upload through the gateways`);
    healed = sleep(cut.ms).then(() => {
      setLink(cut.hosts, cut.org, 'up');
      say(`${cut.org}'s link healed`);
    });
  });
  await healed;
  if (!out.includes('RECONCILED')) throw new Error(`the canteen hour through the gateways did not reconcile:\n${out.slice(-3000)}`);
  const m = /reconnect burst: (\d+) sales in (\d+) batches, first upload to last commit ([\d.]+) s/.exec(out);
  if (m === null) throw new Error('the scenario printed no reconnect burst line');
  const hour = { sales: Number(m[1]), batches: Number(m[2]), seconds: Number(m[3]) };
  say(`canteen hour through the gateways${cut === undefined ? '' : `, ${cut.org} cut`}: ${hour.sales} sales in ${hour.batches} batches, first upload to last commit ${hour.seconds.toFixed(1)} s; reconciled`);
  return hour;
}

/** The whole run from this machine's own namespace: hosts, network, measurement, loopback comparison, clean-up. */
async function orchestrate(): Promise<void> {
  const why = namespacesUnavailable();
  if (why !== undefined) throw new Error(`cannot make network namespaces: ${why}`);
  const file = resolve(textOption('topology', join(ROOT, 'network', 'topologies', 'namespaces.example.json')));
  const t = readTopology(file);
  if (t.control?.namespace === undefined) throw new Error(`${file} names no control host with a namespace: the measurement runs there`);
  const hosts = { ...t.hosts, control: t.control };
  const work = mkdtempSync(join(tmpdir(), 'dol-bench-multihost-'));
  const passOn = ['--terminals', '--batch-size', '--batches', '--cap-mbit', '--cut-s'].flatMap((o) => (process.argv.includes(o) ? [o, textOption(o.slice(2), '')] : []));
  const loopback = layout(join(work, 'loopback'), 29600, 1);
  try {
    say(`hosts of ${file}: ${Object.values(hosts).map((h) => `${h.namespace ?? '?'} ${h.address}`).join(', ')}`);
    makeHosts(hosts);
    const started = Date.now();
    await node(t.control.namespace, [CLI, 'up', '--topology', file, '--dir', join(work, 'net')]);
    const upSeconds = (Date.now() - started) / 1000;
    say(`network:up --topology: from nothing to committed chaincode across namespaces in ${upSeconds.toFixed(1)} s`);
    const across = lastJson(await node(t.control.namespace, [SELF, '--dir', join(work, 'net'), ...passOn]));
    const students = wholeOption('students', 2000);
    say('the gateway APIs on their hosts, and the canteen hour through them from the control host');
    const hour = await hourThroughGateways(t.control.namespace, join(work, 'net'), students);
    const cutMs = wholeOption('cut-s', 30) * 1000;
    const hourCut = await hourThroughGateways(t.control.namespace, join(work, 'net'), students, { hosts, org: 'campus', ms: cutMs });
    await node(t.control.namespace, [CLI, 'down', '--purge', '--dir', join(work, 'net')]);
    say('the same burst on a loopback network, in the same run');
    const loopStarted = Date.now();
    await up(loopback, { purge: true });
    const loopUp = (Date.now() - loopStarted) / 1000;
    const onLoopback = lastJson(await node(undefined, [SELF, '--dir', loopback.dir, '--bridge-only', ...passOn]));
    const loopHour = await hourThroughGateways(undefined, loopback.dir, students);
    const report = { ...across, upSeconds, hour: { students, acrossHosts: hour, campusCut: { cutSeconds: cutMs / 1000, ...hourCut }, loopback: loopHour }, loopback: { upSeconds: loopUp, ...onLoopback.bridge as object }, command: `npm run bench:multihost -- ${process.argv.slice(2).join(' ')}`.trim() };
    process.stdout.write(`${JSON.stringify(report)}\n`);
    const json = textOption('json', '');
    if (json !== '') writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
    process.exitCode = across.lost === 0 && across.doubleCounted === 0 && across.invariant === true ? 0 : 1;
  } finally {
    await stopGateways(loopback, { purge: true }).catch(() => undefined);
    await down(loopback, { purge: true }).catch(() => undefined);
    removeHosts(hosts);
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dir = textOption('dir', '');
  if (dir === '') return orchestrate();
  const l = networkIn(resolve(dir));
  const b = findBinaries();
  const terminals = wholeOption('terminals', 8);
  const size = wholeOption('batch-size', 200);
  const perTerminal = wholeOption('batches', 3);
  const mbit = wholeOption('cap-mbit', 10);
  const cutMs = wholeOption('cut-s', 30) * 1000;
  const ledger = benchLedger(l);
  const client = new SettlementClient(ledger);
  const orgs: OrgKey[] = ['orderer', 'operator', 'campus', 'audit'];
  try {
    say(`set-up: ${terminals} terminals, their students, over the bridge`);
    const w = await setUpBenchWorld(ledger, terminals, 20);
    const rate = (r: Burst): string => `${r.payments} payments in ${r.seconds.toFixed(1)} s = ${(r.payments / r.seconds).toFixed(0)} payments/s${r.retries > 0 ? `, ${r.retries} submissions retried` : ''}`;
    let sent = 0;
    const phase = async (label: string, during?: () => Promise<void>): Promise<Burst> => {
      const batches = signBatches(w, size, perTerminal);
      sent += batches.flat().length * size;
      say(`${label}: burst starts`);
      const running = burst(client, batches, size);
      if (during !== undefined) await during();
      const r = await running;
      say(`${label}: ${rate(r)}`);
      return r;
    };

    const bridge = await phase(`${l.hosts.operator.namespace === undefined ? 'on loopback' : 'over the bridge'}, batch size ${size}`);
    if (process.argv.includes('--bridge-only')) {
      process.stdout.write(`${JSON.stringify({ bridge: { paymentsPerSecond: Math.round(bridge.payments / bridge.seconds) } })}\n`);
      return;
    }
    for (const org of orgs) capLink(l.hosts, org, mbit);
    let capped: Burst;
    try {
      capped = await phase(`every link capped at ${mbit} Mbit/s (tc tbf)`);
    } finally {
      for (const org of orgs) capLink(l.hosts, org, undefined);
    }
    const cut = async (org: OrgKey): Promise<void> => {
      await sleep(1000);
      setLink(l.hosts, org, 'down');
      say(`${org}'s link cut for ${cutMs / 1000} s`);
      await sleep(cutMs);
      setLink(l.hosts, org, 'up');
      say(`${org}'s link healed`);
    };
    const campus = await phase('CampusOrg cut mid-burst (no endorsement while it lasts)', () => cut('campus'));
    const auditBefore = (await blockHeight(l, b, 'audit')) ?? 0;
    const audit = await phase('AuditOrg cut mid-burst', () => cut('audit'));
    const healed = Date.now();
    const target = (await blockHeight(l, b, 'operator')) ?? 0;
    for (;;) {
      const h = await blockHeight(l, b, 'audit');
      if (h !== undefined && h >= target) break;
      if (Date.now() - healed > 600_000) throw new Error(`AuditOrg's peer did not catch up to block ${target}`);
      await sleep(500);
    }
    const catchUp = (Date.now() - healed) / 1000;
    say(`AuditOrg's peer caught up from block ${auditBefore} to ${target} ${catchUp.toFixed(1)} s after its link healed`);

    const onLedger = await settledOnLedger(client, w);
    const invariant = JSON.parse(await ledger.evaluate('auditor', 'CheckInvariant', [])) as { ok?: boolean };
    const report = {
      command: `node bench/dist/multihost.js --dir ${dir} --terminals ${terminals} --batch-size ${size} --batches ${perTerminal} --cap-mbit ${mbit} --cut-s ${cutMs / 1000}`,
      bridge: { paymentsPerSecond: Math.round(bridge.payments / bridge.seconds) },
      capped: { mbit, paymentsPerSecond: Math.round(capped.payments / capped.seconds) },
      campusCut: { batches: terminals * perTerminal, seconds: campus.seconds, retries: campus.retries },
      auditCut: { batches: terminals * perTerminal, seconds: audit.seconds, catchUpSeconds: catchUp },
      sent, settled: onLedger.settled, lost: sent - onLedger.settled, doubleCounted: Math.max(0, onLedger.settled - sent), duplicatesAnswered: onLedger.duplicates,
      invariant: invariant.ok === true,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
    const json = textOption('json', '');
    if (json !== '') writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
    process.exitCode = report.lost === 0 && report.doubleCounted === 0 && report.invariant ? 0 : 1;
  } finally {
    ledger.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`multihost failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
