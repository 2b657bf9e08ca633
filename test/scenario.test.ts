import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import pino from 'pino';
import { ContractLedger, IntakeStore, IntakeWorker, createApp, createMetrics } from '@dol/gateway-api';
import { GatewayClient, buildScenario, formatReport, runScenario } from '@dol/scripts';

/**
 * The 2,000-student canteen hour (DESIGN §8) through the real gateway HTTP API and PostgreSQL
 * intake, reconciled against the simulator's own model. The ledger behind the gateway is the real
 * contract on the in-memory stub: this proves the rules, intake and reconciliation end to end,
 * not Fabric (whose network cannot be built here; see README).
 */
const STUDENTS = Number(process.env.DOL_SCENARIO_STUDENTS ?? 2000);

describe('canteen hour scenario', () => {
  const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 12 });
  const schema = `scenario_test_${randomBytes(4).toString('hex')}`;
  let server: Server | undefined;

  afterAll(async () => {
    if (server !== undefined) await new Promise((r) => server?.close(r));
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it(`${STUDENTS} students, 20 terminals, every injected fault: the ledger reconciles exactly with the model`, async () => {
    const now = Date.now();
    const tokens = { operator: randomBytes(24).toString('hex'), finance: randomBytes(24).toString('hex'), registrar: randomBytes(24).toString('hex'), auditor: randomBytes(24).toString('hex') };
    const credentials = (Object.keys(tokens) as (keyof typeof tokens)[]).map((role) => ({ tokenSha256: createHash('sha256').update(tokens[role]).digest('hex'), role, subject: role }));
    const store = new IntakeStore(pool, schema);
    await store.migrate();
    const ledger = new ContractLedger();
    ledger.clock = now;
    const log = pino({ level: 'silent' });
    const metrics = createMetrics(() => store.depth());
    const worker = new IntakeWorker(store, ledger, log, metrics, { concurrency: 1, idlePollMs: 20, maxBackoffMs: 100 });
    const app = createApp({ ledger, store, onAccepted: () => undefined, channel: 'campus', chaincode: 'settlement', cli: { ordererAddress: '-', peerAddress: '-' }, credentials, log, metrics }, () => ledger.ping());
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => {
        resolve(s);
      });
    });
    const api = new GatewayClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, tokens);
    const scenario = buildScenario({ students: STUDENTS, terminals: 20, seed: 2026, now, batchSize: 50 });
    const report = await runScenario(scenario, api, async () => {
      await worker.drain();
    });
    const table = formatReport(report);
    process.stdout.write(`\n${table}\n`);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(table).toContain('RECONCILED');
  });
});
