import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import type { LedgerPort } from '@dol/gateway-api';
import { startTestGateway, type TestGateway } from '@dol/bench';
import { GatewayClient, buildScenario, formatReport, runScenario } from '@dol/scripts';
import { ledgerUnderTest } from './support/ledger-under-test';

/**
 * The 2,000-student canteen hour (DESIGN §8) through the real gateway HTTP API and PostgreSQL
 * intake, reconciled against the simulator's own model, over the ledger chosen by configuration
 * (support/ledger-under-test.ts): the contract on the in-memory stub in the jest project `unit`,
 * the real Fabric network in the project `fabric`. Both must answer the same reconciliation.
 */
const STUDENTS = Number(process.env.DOL_SCENARIO_STUDENTS ?? 2000);

describe('canteen hour scenario', () => {
  const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 24 });
  const schema = `scenario_test_${randomBytes(4).toString('hex')}`;
  const now = Date.now();
  const lut = ledgerUnderTest(now);
  let gateway: TestGateway<LedgerPort> | undefined;

  afterAll(async () => {
    await gateway?.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
    await lut.close();
  });

  it(`${STUDENTS} students, 20 terminals, every injected fault: the ${lut.kind} ledger reconciles exactly with the model`, async () => {
    gateway = await startTestGateway({ pool, schema, now, ledger: lut.ledger, workers: lut.workers, cli: lut.cli, runWorker: true });
    const { store } = gateway;
    const api = new GatewayClient(gateway.url, gateway.tokens);
    // The ledger may be shared with other suites (the Fabric project's one network): their double
    // spends move the deny list on, and the scenario's terminals must declare versions from there.
    const deny = (await api.must('GET', '/v1/deny-list?since=0', 'auditor')) as { version?: number };
    const scenario = buildScenario({ students: STUDENTS, terminals: 20, seed: 2026, now, batchSize: 50, edges: true, denyBase: deny.version ?? 0 });
    // The worker settles batches as they arrive; settled means nothing is left pending (a batch
    // retried after a passing failure waits out its backoff first).
    const settle = async (): Promise<void> => {
      while ((await store.depth()) > 0) await new Promise((r) => setTimeout(r, 100));
    };
    const report = await runScenario(scenario, api, settle, undefined, lut.kind === 'fabric' ? 64 : 8);
    const table = formatReport(report);
    process.stdout.write(`\n${table}\n`);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(table).toContain('RECONCILED');
    // The daily close is in the report (issue 32): every merchant paid what it was credited, the bank file's total the ledger's.
    expect(report.checks.filter((c) => c.name.startsWith('daily close:')).map((c) => c.name)).toEqual([
      'daily close: each merchant paid exactly what it was credited', "daily close: the bank file's total is the ledger's run", 'daily close: runs, payouts and merchant credits agree',
    ]);
    // The embedded ledger's store, verified from genesis: chain, read sets, state and books.
    const verified = await lut.verify();
    if (verified !== undefined) {
      process.stdout.write(`embedded ledger verified: ${String(verified.blocks)} blocks, ${String(verified.transactions)} transactions, ${String(verified.keys)} keys\n`);
      expect(verified.problems).toEqual([]);
      expect(verified.books?.ok).toBe(true);
      expect(verified.reexecuted).toBe(verified.valid);
    }
  });
});

describe('canteen hour scenario, run twice on one ledger (issue 32)', () => {
  const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 24 });
  const schema = `scenario_twice_${randomBytes(4).toString('hex')}`;
  const now = Date.now();
  const lut = ledgerUnderTest(now);
  const tag = randomBytes(2).toString('hex');
  let gateway: TestGateway<LedgerPort> | undefined;

  afterAll(async () => {
    await gateway?.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
    await lut.close();
  });

  it("retires each run's edges, so the second run's slices are divided among as many edges as the first's; the default batch size still skips a batch and the gap is found", async () => {
    gateway = await startTestGateway({ pool, schema, now, ledger: lut.ledger, workers: lut.workers, cli: lut.cli, runWorker: true });
    const { store } = gateway;
    const api = new GatewayClient(gateway.url, gateway.tokens);
    const settle = async (): Promise<void> => {
      while ((await store.depth()) > 0) await new Promise((r) => setTimeout(r, 100));
    };
    const reports = [];
    for (const cohort of [`r1${tag}`, `r2${tag}`]) {
      const deny = (await api.must('GET', '/v1/deny-list?since=0', 'auditor')) as { version?: number };
      // 60 students over 9 terminals: a few sales each, far below the CLI's default batch of 200.
      const scenario = buildScenario({ students: 60, terminals: 9, seed: 7, now, batchSize: 200, edges: true, cohort, denyBase: deny.version ?? 0 });
      const report = await runScenario(scenario, api, settle, undefined, lut.kind === 'fabric' ? 16 : 4);
      process.stdout.write(`\n${formatReport(report)}\n`);
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      const gaps = report.checks.find((c) => c.name === 'terminals with gaps found');
      expect(gaps?.ledger).toBe(scenario.terminals[scenario.injected.skippingTerminal]?.terminalId);
      reports.push(report);
    }
    expect(reports[0]?.edgeSites).toBeGreaterThan(0);
    expect(reports[1]?.edgeSites).toBe(reports[0]?.edgeSites);
  });
});
