/**
 * Intake latency benchmark: T terminals upload signed batches concurrently to a real gateway HTTP
 * server on 127.0.0.1 with the real PostgreSQL intake; each acknowledgement (202) comes only after
 * the batch is committed in PostgreSQL. Fabric is not on this path (the worker is not started).
 * The gateway runs in a child process of its own, so load generation does not inflate its latency.
 * Usage: npm run bench:intake [-- --terminals 100 --batches 5 --records 50 [--interval ms]]
 * Without --interval every terminal uploads back to back (saturation: latency is then set by
 * throughput); with it, each terminal uploads one batch per interval (a paced, open-loop load).
 */
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { Issuer, PayerMedium, Terminal, positiveIntOption } from '@dol/scripts';
import { IntakeStore } from '@dol/gateway-api';
import { startTestGateway } from './test-gateway';

const USAGE = `usage: npm run bench:intake [-- --terminals N --batches N --records N [--interval MS]]
  Intake latency: N terminals upload signed batches concurrently to a real gateway (HTTP, PostgreSQL
  intake; no ledger on this path). --terminals (default 100), --batches per terminal (5), --records
  per batch (50); --interval MS: each terminal uploads one batch per interval (paced) instead of back to back.
  environment: DOL_DATABASE_URL
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const arg = positiveIntOption;

/**
 * The gateway under test, in its own process, so the load generator does not share its event loop.
 * Its worker is not started: Fabric is not on the acknowledgement path, and every terminal key is
 * already in the store, so the ledger behind it is never asked.
 */
async function serve(schema: string): Promise<void> {
  const pool = new Pool({ connectionString: DATABASE_URL, max: 20 });
  const gateway = await startTestGateway({ pool, schema, now: Date.now() });
  const cpuAtStart = process.cpuUsage();
  process.send?.({ port: Number(new URL(gateway.url).port) });
  process.once('message', () => {
    const cpu = process.cpuUsage(cpuAtStart);
    void gateway.store.depth().then((depth) => {
      process.send?.({ cpuMs: (cpu.user + cpu.system) / 1000, depth }, () => {
        void gateway.close().then(() => pool.end()).then(() => process.exit(0));
      });
    });
  });
}

async function main(): Promise<void> {
  const T = arg('terminals', 100);
  const B = arg('batches', 5);
  const R = arg('records', 50);
  const now = Date.now();
  const pool = new Pool({ connectionString: DATABASE_URL, max: 4 });
  const schema = `bench_intake_${randomBytes(4).toString('hex')}`;
  const store = new IntakeStore(pool, schema);
  await store.migrate();
  try {
    process.stderr.write(`preparing ${T} terminals × ${B} batches × ${R} records...\n`);
    const issuer = Issuer.generate('issuer-bench', 'EdDSA', now - 1e10, now + 1e10);
    const wallet = PayerMedium.issue(issuer, { mediaId: 'w-bench', kind: 'wallet', account: 'a-bench', group: 'g', capPerPayment: '5000', capTotal: '999999', ctrFrom: 1, ctrTo: 10_000_000, nbf: now - 1e8, exp: now + 1e8 }, 'EdDSA');
    const code = wallet.payCode(now - 10_000);
    const uploads: string[][] = [];
    for (let t = 0; t < T; t++) {
      const pos = Terminal.generate(`pos-${t}`, 'EdDSA');
      await store.putTerminalKey(pos.terminalId, pos.key.jwk, 'active');
      const list: string[] = [];
      for (let b = 0; b < B; b++) list.push(pos.batch(Array.from({ length: R }, (_, i) => pos.record(now - 60_000 + i, '100', 'code', code))));
      uploads.push(list);
    }

    const child = fork(process.argv[1] ?? '', ['--serve', schema], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => { resolve((m as { port: number }).port); });
      child.once('exit', (code) => { reject(new Error(`gateway process exited with ${String(code)}`)); });
    });
    const base = `http://127.0.0.1:${port}`;
    const latencies: number[] = [];
    const cpuAtStart = process.cpuUsage();
    const started = process.hrtime.bigint();
    const t0Run = performance.now();
    await Promise.all(uploads.map(async (list, t) => {
      for (const [b, jws] of list.entries()) {
        // Paced: terminal t's batch b is due at (b + t/T) × interval; latency counts from when it was
        // due, so a slow answer that delays the next upload is not hidden (no coordinated omission).
        const due = INTERVAL === 0 ? undefined : t0Run + (b + t / T) * INTERVAL;
        if (due !== undefined && due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
        const t0 = due === undefined ? process.hrtime.bigint() : process.hrtime.bigint() - BigInt(Math.max(0, Math.round((performance.now() - due) * 1e6)));
        const res = await fetch(`${base}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ batch: jws }) });
        await res.text();
        if (res.status !== 202) throw new Error(`upload answered ${res.status}`);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const loadCpu = process.cpuUsage(cpuAtStart);
    const stats = await new Promise<{ cpuMs: number; depth: number }>((resolve) => {
      child.once('message', (m) => { resolve(m as { cpuMs: number; depth: number }); });
      child.send('stop');
    });
    await new Promise((r) => child.once('exit', r));
    latencies.sort((a, b) => a - b);
    const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
    const share = (ms: number): string => `${((ms / 1000 / seconds) * 100).toFixed(0)} % of a core`;
    process.stdout.write([
      `command: npm run bench:intake -- --terminals ${T} --batches ${B} --records ${R}${INTERVAL === 0 ? '' : ` --interval ${INTERVAL}`}`,
      INTERVAL === 0 ? 'load: saturating (every terminal uploads its next batch as soon as the last is acknowledged)' : `load: paced, each terminal uploads one batch every ${INTERVAL} ms (${((T * 1000) / INTERVAL).toFixed(0)} batches/s offered)`,
      `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, node ${process.version}; gateway in its own process, load generator in another, PostgreSQL local`,
      `uploads: ${latencies.length} batches (${latencies.length * R} records) from ${T} concurrent terminals in ${seconds.toFixed(2)} s: ${(latencies.length / seconds).toFixed(0)} batches/s, ${((latencies.length * R) / seconds).toFixed(0)} records/s`,
      `acknowledgement latency (202 after the PostgreSQL commit): p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${pct(100).toFixed(1)} ms`,
      `CPU: gateway ${share(stats.cpuMs)} (${(stats.cpuMs / latencies.length).toFixed(2)} ms per batch), load generator ${share((loadCpu.user + loadCpu.system) / 1000)}`,
      `stored and pending: ${stats.depth}`,
      '',
    ].join('\n'));
  } finally {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  }
}

const INTERVAL = process.argv.includes('--interval') ? arg('interval', 1000) : 0;
const DATABASE_URL = process.env.DOL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const serving = process.argv.indexOf('--serve');
(serving >= 0 ? serve(process.argv[serving + 1] ?? '') : main()).catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
