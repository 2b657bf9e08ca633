import { runBench } from './support/run-bench';

/**
 * A small run of `npm run bench:burst` (the canteen reconnect burst on the embedded ledger, then the
 * full reconciliation) in every `npm test`: the benchmark must not stop running to its end again
 * unnoticed (it did, on a connection the gateway had closed under the simulator's next call).
 * The built benchmark runs as its own process, as `npm run bench:burst` runs it.
 */
it('bench:burst with 2,000 students runs to its end and reconciles', async () => {
  const text = await runBench('bench/dist/bench-burst.js', ['--students', '2000', '--terminals', '20', '--batch-size', '100']);
  expect(text).toMatch(/reconnect burst: \d+ sales in \d+ batches.*every charge funded \(the last fold\) [0-9.]+ s/);
  expect(text).toMatch(/RECONCILED: \d+ sales/);
});
