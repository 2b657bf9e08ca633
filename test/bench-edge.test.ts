import { runBench } from './support/run-bench';

/**
 * A small run of `npm run bench:edge` (the site edge node: approvals, replays at a second stall,
 * three canteen hours on the embedded ledger) in every `npm test`, so that the benchmark cannot stop
 * running to its end unnoticed. The built benchmark runs as its own process, as npm runs it.
 */
it('bench:edge with 200 students runs to its end: approvals, replays stopped, three canteen hours reconciled', async () => {
  const text = await runBench('bench/dist/bench-edge.js', ['--approvals', '1000', '--stalls', '4', '--replays', '20', '--students', '200']);
  expect(text).toMatch(/1000 approvals in [0-9.]+ s = [0-9]+ approvals\/s; .* refused 0/);
  expect(text).toMatch(/edge up: 20 of 20 stopped at the stall, 0 got through/);
  // Every canteen hour reconciles.
  expect(text.match(/\| yes\n/g)).toHaveLength(3);
});
