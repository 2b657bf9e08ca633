import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { startStubGateway, type StubGateway } from '@dol/gateway-api';
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
  let gateway: StubGateway | undefined;

  afterAll(async () => {
    await gateway?.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it(`${STUDENTS} students, 20 terminals, every injected fault: the ledger reconciles exactly with the model`, async () => {
    const now = Date.now();
    gateway = await startStubGateway({ pool, schema, now });
    const { worker } = gateway;
    const api = new GatewayClient(gateway.url, gateway.tokens);
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
