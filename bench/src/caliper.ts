/**
 * `npm run bench:caliper`: the settlement workload of `npm run bench:fabric` driven by Hyperledger
 * Caliper 0.6.0 with its Fabric connector (peer gateway binding, @hyperledger/fabric-gateway),
 * so that the figures read like published Fabric results. It creates the benchmark network
 * (network/bench-run, ports 29000+, below Linux's ephemeral range; never run beside bench:fabric), sets up the same issuer,
 * terminals and students, signs the batches before Caliper starts, writes Caliper's network and
 * benchmark configuration, runs `caliper launch manager`, prints Caliper's own table with the
 * payments per second it implies, and stops the network.
 *
 *   npm run bench:caliper [-- --sizes 1,200 --terminals 16 --payments 4000 --payments-size1 400 --workers 2 --load 16]
 *
 * Caliper lives in bench/caliper (installed there on first use with `npm ci`, from its own lock
 * file), outside the workspaces, so that the product's install does not carry it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { clientIdentity, down, findBinaries, layout, peerEndpoint, up } from '@dol/network';
import { benchLedger, setUpBenchWorld, signBatches } from './bench-setup';
import { givenArguments, textOption, wholeOption } from './options';

const USAGE = `usage: npm run bench:caliper [-- --sizes 1,200 --terminals 16 --payments 4000 --payments-size1 400 --workers 2 --load 16]
  The bench:fabric settlement workload driven by Hyperledger Caliper 0.6.0 (installed in
  bench/caliper on first use) on the benchmark network; never run beside bench:fabric.
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const ROOT = resolve(__dirname, '..', '..');
const CALIPER = join(ROOT, 'bench', 'caliper');
const SIZES = textOption('sizes', '1,200').split(',').map(Number);
const TERMINALS = wholeOption('terminals', 16);
const PAYMENTS = wholeOption('payments', 4000);
const PAYMENTS_SIZE1 = wholeOption('payments-size1', 400);
const WORKERS = wholeOption('workers', 2);
const LOAD = wholeOption('load', 16);
const say = (line: string): void => {
  process.stderr.write(`[bench:caliper] ${line}\n`);
};

function ensureCaliper(): void {
  if (existsSync(join(CALIPER, 'node_modules', '@hyperledger', 'caliper-cli'))) return;
  say('installing Caliper 0.6.0 and the fabric-gateway binding into bench/caliper (npm ci, once)');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: CALIPER, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm ci in bench/caliper failed: Caliper cannot be installed (is the npm registry reachable?)');
}

function runCaliper(networkConfig: string, benchConfig: string, reportPath: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(CALIPER, 'node_modules', '@hyperledger', 'caliper-cli', 'caliper.js'), 'launch', 'manager',
      '--caliper-workspace', CALIPER, '--caliper-networkconfig', networkConfig, '--caliper-benchconfig', benchConfig,
      '--caliper-flow-only-test', '--caliper-report-path', reportPath, '--caliper-logging-targets-console-options-level', 'info'], { cwd: CALIPER, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      process.stderr.write(chunk);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolvePromise(out);
      else reject(new Error(`caliper exited with ${String(code)}`));
    });
  });
}

async function main(): Promise<void> {
  ensureCaliper();
  const binaries = findBinaries();
  const l = layout(join(ROOT, 'network', 'bench-run'), 29000, 1);
  say(`creating a network in ${l.dir} (Fabric ${binaries.fabricVersion})`);
  await up(l, { purge: true, binaries, progress: say });
  const ledger = benchLedger(l);
  try {
    const world = await setUpBenchWorld(ledger, TERMINALS, 50);
    ledger.close();
    const dir = join(l.dir, 'caliper');
    mkdirSync(dir, { recursive: true });

    const rounds = SIZES.map((size) => {
      const perTerminal = Math.max(1, Math.round((size === 1 ? PAYMENTS_SIZE1 : PAYMENTS) / size / TERMINALS));
      const batchesFile = join(dir, `batches-${size}.json`);
      writeFileSync(batchesFile, JSON.stringify(signBatches(world, size, perTerminal)));
      return {
        label: `SubmitBatch-size-${size}`, description: `${size} code payments per transaction, ${TERMINALS} terminals`,
        txNumber: perTerminal * TERMINALS, rateControl: { type: 'fixed-load', opts: { transactionLoad: LOAD } },
        workload: { module: 'workload/submit-batch.js', arguments: { batchesFile } },
      };
    });
    const benchConfig = join(dir, 'benchmark.json');
    writeFileSync(benchConfig, JSON.stringify({ test: { name: 'dual-offline settlement', description: 'SubmitBatch under AND(Operator, Campus)', workers: { number: WORKERS }, rounds } }, null, 2));

    const peer = peerEndpoint(l, 'operator');
    const profile = join(dir, 'connection-operator.json');
    writeFileSync(profile, JSON.stringify({
      name: 'campus-operator', version: '1.0.0', client: { organization: 'Operator' },
      organizations: { Operator: { mspid: 'OperatorMSP', peers: [peer.hostAlias] } },
      peers: { [peer.hostAlias]: { url: `grpcs://${peer.endpoint}`, tlsCACerts: { path: peer.tlsRootCert }, grpcOptions: { 'ssl-target-name-override': peer.hostAlias } } },
    }, null, 2));
    const gateway = clientIdentity(l, 'operator', 'gateway');
    const networkConfig = join(dir, 'network.json');
    writeFileSync(networkConfig, JSON.stringify({
      name: 'campus', version: '2.0.0', caliper: { blockchain: 'fabric' },
      channels: [{ channelName: 'campus', contracts: [{ id: 'settlement' }] }],
      organizations: [{ mspid: 'OperatorMSP', identities: { certificates: [{ name: 'gateway', clientPrivateKey: { path: gateway.privateKey }, clientSignedCert: { path: gateway.certificate } }] }, connectionProfile: { path: profile, discover: true } }],
    }, null, 2));

    say(`caliper launch manager: ${rounds.length} rounds, ${WORKERS} workers, fixed load ${LOAD}`);
    const out = await runCaliper(networkConfig, benchConfig, join(dir, 'report.html'));
    // Caliper's summary table: | Name | Succ | Fail | Send Rate (TPS) | Max Latency (s) | Min Latency (s) | Avg Latency (s) | Throughput (TPS) |
    const rows = [...out.matchAll(/\|\s*SubmitBatch-size-(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|/g)]
      .map((m) => ({ size: Number(m[1]), succ: Number(m[2]), fail: Number(m[3]), sendTps: Number(m[4]), maxS: Number(m[5]), avgS: Number(m[7]), tps: Number(m[8]) }));
    const seen = new Set<number>();
    const summary = rows.filter((r) => (seen.has(r.size) ? false : (seen.add(r.size), true)));
    process.stdout.write([
      '',
      `command: npm run bench:caliper -- ${givenArguments().join(' ')}`.trim(),
      `Caliper 0.6.0, Fabric connector (peer gateway, @hyperledger/fabric-gateway 1.5.0), ${WORKERS} workers, fixed load ${LOAD}, ${TERMINALS} terminals; network: 1 Raft orderer, 3 peers, AND(OperatorMSP.peer, CampusMSP.peer)`,
      '',
      'batch size  succ  fail  throughput tx/s  payments/s  avg latency s  max latency s',
      ...summary.map((r) => `${String(r.size).padStart(10)}  ${String(r.succ).padStart(4)}  ${String(r.fail).padStart(4)}  ${r.tps.toFixed(1).padStart(15)}  ${(r.tps * r.size).toFixed(0).padStart(10)}  ${r.avgS.toFixed(2).padStart(13)}  ${r.maxS.toFixed(2).padStart(13)}`),
      '',
      `Caliper's report: ${join(dir, 'report.html')}`,
      '',
    ].join('\n'));
    // Failures are reported, not hidden: Caliper's connector does not re-endorse when the CampusOrg
    // peer is a block behind the OperatorOrg peer (ABORTED, endorsements differ), as our adapter does.
    if (summary.length !== SIZES.length) process.exitCode = 1;
  } finally {
    ledger.close();
    await down(l);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:caliper failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
