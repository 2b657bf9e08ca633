/**
 * The reconnect burst of the canteen hour (DESIGN §8) on the EMBEDDED LEDGER: the simulator's
 * students and terminals, every terminal uploading its offline batches at once through the real
 * gateway (HTTP, signature checks, PostgreSQL intake), the intake worker settling them as they
 * arrive through the embedded ledger (the contract through fabric-contract-api's dispatch, MVCC,
 * blocks; stored in PostgreSQL as `npm start` runs it, or in memory), then the full reconciliation
 * against the simulator's model. Not Fabric: bench:fabric measures the network.
 * Usage: npm run bench:burst [-- --students 30000 --terminals 100 --batch-size 200 --store postgres|memory --workers 4 --group-batches 32 --group-records 4000]
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { Pool } from 'pg';
import { GatewayClient, buildScenario, formatReport, progressBar, runScenario, positiveIntOption } from '@dol/scripts';
import { EmbeddedLedger, MemoryBlockStore, PostgresBlockStore } from '@dol/gateway-api';
import { textOption } from './options';
import { startTestGateway } from './test-gateway';

const USAGE = `usage: npm run bench:burst [-- options]
  The canteen reconnect burst on the EMBEDDED LEDGER through the real gateway, then the full
  reconciliation. Not Fabric (bench:fabric measures the network).
  --students N (30000)  --terminals N (100)  --batch-size N (200)  --store postgres|memory
  --workers N (4)  --group-batches N (32)  --group-records N (4000)
  environment: DOL_DATABASE_URL
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const arg = positiveIntOption;

async function main(): Promise<void> {
  const students = arg('students', 30000);
  const terminals = arg('terminals', 100);
  const batchSize = arg('batch-size', 200);
  const workers = arg('workers', 4);
  const groups = { maxBatches: arg('group-batches', 32), maxRecords: arg('group-records', 4000) };
  const storeKind = textOption('store', 'postgres');
  if (storeKind !== 'postgres' && storeKind !== 'memory') throw new Error('--store must be postgres or memory');
  const now = Date.now();
  const pool = new Pool({ connectionString: process.env.DOL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 16 });
  const schema = `bench_burst_${randomBytes(4).toString('hex')}`;
  const ledgerStore = storeKind === 'postgres' ? new PostgresBlockStore(pool, `${schema}_ledger`) : new MemoryBlockStore();
  const ledger = await EmbeddedLedger.open({ store: ledgerStore, clock: () => now });
  const gateway = await startTestGateway({ pool, schema, now, runWorker: true, workers, ledger, groups });
  try {
    const scenario = buildScenario({ students, terminals, seed: 2026, now, batchSize }, (d, t) => {
      progressBar('students', d, t);
    });
    let cpuAtBurst = process.cpuUsage();
    let busyAtBurst = 0;
    const submitBatchMs = (): number => gateway.ledger.busyMs.get('SubmitBatches') ?? 0;
    let cpuAtSettled = process.cpuUsage();
    let busyAtSettled = 0;
    const settle = async (): Promise<void> => {
      while ((await gateway.store.depth()) > 0) await new Promise((r) => setTimeout(r, 50));
      cpuAtSettled = process.cpuUsage();
      busyAtSettled = submitBatchMs();
    };
    const report = await runScenario(scenario, new GatewayClient(gateway.url, gateway.tokens), settle, (label, d, t) => {
      if (label === 'uploads' && d === 0) {
        cpuAtBurst = process.cpuUsage();
        busyAtBurst = submitBatchMs();
      }
      progressBar(label, d, t);
    });
    const seconds = (report.lastSettledMs - report.firstUploadMs) / 1000;
    const fundedSeconds = (report.lastFundedMs - report.firstUploadMs) / 1000;
    const cpuMs = (cpuAtSettled.user + cpuAtSettled.system - cpuAtBurst.user - cpuAtBurst.system) / 1000;
    const contractMs = busyAtSettled - busyAtBurst;
    process.stdout.write([
      '',
      `command: npm run bench:burst -- --students ${students} --terminals ${terminals} --batch-size ${batchSize} --store ${storeKind} --workers ${workers} --group-batches ${groups.maxBatches} --group-records ${groups.maxRecords}`,
      `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, node ${process.version}; one process: load generator, gateway, intake worker (${workers} loops), embedded ledger (${ledgerStore.description}); PostgreSQL local; not Fabric`,
      `embedded ledger: ${ledger.height} blocks; invalidated and simulated again: ${[...ledger.invalidated].map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
      `reconnect burst: ${report.sales} sales in ${report.uploads} batches from ${terminals} terminals, first upload to last settlement ${seconds.toFixed(1)} s: ${(report.sales / seconds).toFixed(0)} sales/s; every charge funded (the last fold) ${fundedSeconds.toFixed(1)} s`,
      `CPU during the burst: ${((cpuMs / 1000 / seconds) * 100).toFixed(0)} % of a core; inside SubmitBatches (contract) ${(contractMs / 1000).toFixed(1)} s = ${((contractMs / cpuMs) * 100).toFixed(0)} % of it`,
      '',
      formatReport(report),
      '',
    ].join('\n'));
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await gateway.close();
    ledger.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_ledger CASCADE`);
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
