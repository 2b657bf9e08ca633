import { Pool } from 'pg';
import { codeShown, morningRefresh } from '@dol/bench';

/**
 * Small runs of the issuing side's benchmarks, so that they cannot break silently (BENCHMARKS.md
 * has the full ones): the morning refresh reconciles on the embedded ledger, and the wallet shows
 * codes offline in Chromium with a timing for each. No figure is asserted: a loaded 2-core machine
 * must pass; the figures are the benchmarks' business.
 */
describe('issuing-side benchmarks, small runs', () => {
  const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 16 });
  afterAll(async () => {
    await pool.end();
  });

  it('bench:issuance: 300 wallets onboarded and refreshed, every certificate recorded, exposure on the ledger as expected', async () => {
    const f = await morningRefresh({ wallets: 300, concurrency: 300, store: 'memory', pool, quiet: true });
    expect({ total: f.exposureTotal, live: f.liveCertificates }).toEqual({ total: f.expectedTotal, live: 300 });
    expect(f.refreshS).toBeGreaterThan(0);
  });

  it('bench:wallet: 20 codes shown offline, each timed by the wallet', async () => {
    const f = await codeShown(20, pool);
    expect(f.taps).toBe(20);
    for (const ms of [f.p50, f.p99, f.max]) expect(Number.isFinite(ms) && ms > 0).toBe(true);
  });
});
