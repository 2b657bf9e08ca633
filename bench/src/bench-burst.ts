/**
 * The reconnect burst of the canteen hour (DESIGN §8) WITHOUT Fabric: the simulator's students and
 * terminals, every terminal uploading its offline batches at once through the real gateway (HTTP,
 * signature checks, PostgreSQL intake), the intake worker settling them as they arrive through the
 * real contract on the in-memory stub, then the full reconciliation against the simulator's model.
 * It measures everything but Fabric (endorsement, ordering, validation, gRPC); the figure on the
 * real network is issue 6's and needs the network (README, 'Status of the Fabric network').
 * Usage: npm run bench:burst [-- --students 30000 --terminals 100 --batch-size 200]
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { Pool } from 'pg';
import { GatewayClient, buildScenario, formatReport, progressBar, runScenario, positiveIntOption } from '@dol/scripts';
import { startTestGateway } from './test-gateway';

const arg = positiveIntOption;

async function main(): Promise<void> {
  const students = arg('students', 30000);
  const terminals = arg('terminals', 100);
  const batchSize = arg('batch-size', 200);
  const now = Date.now();
  const pool = new Pool({ connectionString: process.env.DOL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 12 });
  const schema = `bench_burst_${randomBytes(4).toString('hex')}`;
  const gateway = await startTestGateway({ pool, schema, now, runWorker: true });
  try {
    const scenario = buildScenario({ students, terminals, seed: 2026, now, batchSize }, (d, t) => {
      progressBar('students', d, t);
    });
    let cpuAtBurst = process.cpuUsage();
    let busyAtBurst = 0;
    const submitBatchMs = (): number => gateway.ledger.busyMs.get('SubmitBatch') ?? 0;
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
    const cpuMs = (cpuAtSettled.user + cpuAtSettled.system - cpuAtBurst.user - cpuAtBurst.system) / 1000;
    const contractMs = busyAtSettled - busyAtBurst;
    process.stdout.write([
      '',
      `command: npm run bench:burst -- --students ${students} --terminals ${terminals} --batch-size ${batchSize}`,
      `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, node ${process.version}; one process: load generator, gateway, intake worker, contract on the in-memory stub (no Fabric); PostgreSQL local`,
      `reconnect burst: ${report.sales} sales in ${report.uploads} batches from ${terminals} terminals, first upload to last settlement ${seconds.toFixed(1)} s: ${(report.sales / seconds).toFixed(0)} sales/s`,
      `CPU during the burst: ${((cpuMs / 1000 / seconds) * 100).toFixed(0)} % of a core; inside SubmitBatch (contract) ${(contractMs / 1000).toFixed(1)} s = ${((contractMs / cpuMs) * 100).toFixed(0)} % of it`,
      '',
      formatReport(report),
      '',
    ].join('\n'));
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await gateway.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
