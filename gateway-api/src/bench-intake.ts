/**
 * Intake latency benchmark: T terminals upload signed batches concurrently to a real gateway HTTP
 * server on 127.0.0.1 with the real PostgreSQL intake; each acknowledgement (202) comes only after
 * the batch is committed in PostgreSQL. Fabric is not on this path (the worker is not started).
 * Usage: npm run bench:intake [-- --terminals 100 --batches 5 --records 50]
 */
import { cpus } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import pino from 'pino';
import { Issuer, PayerMedium, Terminal } from '@dol/scripts';
import { createApp } from './http/app';
import { IntakeStore } from './intake/intake-store';
import { createMetrics } from './metrics';
import { ContractLedger } from './testing/contract-ledger';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  return v;
};

async function main(): Promise<void> {
  const T = arg('terminals', 100);
  const B = arg('batches', 5);
  const R = arg('records', 50);
  const now = Date.now();
  const pool = new Pool({ connectionString: process.env.DOL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 20 });
  const schema = `bench_intake_${randomBytes(4).toString('hex')}`;
  const store = new IntakeStore(pool, schema);
  await store.migrate();
  const log = pino({ level: 'silent' });
  const ledger = new ContractLedger(); // only answers GetTerminal misses; every key is cached below
  const app = createApp({ ledger, store, onAccepted: () => undefined, channel: 'campus', chaincode: 'settlement', cli: { ordererAddress: '-', peerAddress: '-' }, credentials: [], log, metrics: createMetrics(() => store.depth()) }, () => ledger.ping());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

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
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  await Promise.all(uploads.map(async (list) => {
    for (const jws of list) {
      const t0 = process.hrtime.bigint();
      const res = await fetch(`${base}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ batch: jws }) });
      await res.text();
      if (res.status !== 202) throw new Error(`upload answered ${res.status}`);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  const stored = await store.depth();
  server.close();
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  await pool.end();
  process.stdout.write([
    `command: npm run bench:intake -- --terminals ${T} --batches ${B} --records ${R}`,
    `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, node ${process.version}; gateway and load generator in one process, PostgreSQL local`,
    `uploads: ${latencies.length} batches (${latencies.length * R} records) from ${T} concurrent terminals in ${seconds.toFixed(2)} s: ${(latencies.length / seconds).toFixed(0)} batches/s, ${((latencies.length * R) / seconds).toFixed(0)} records/s`,
    `acknowledgement latency (202 after the PostgreSQL commit): p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${pct(100).toFixed(1)} ms`,
    `stored and pending: ${stored}`,
    '',
  ].join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
