import { runBench } from './support/run-bench';

/**
 * Small runs of the benchmarks that no other test runs, so that none can stop running to its end
 * unnoticed (BENCHMARKS.md has the full ones). No figure is asserted: a loaded 2-core machine must
 * pass; each run must finish and print what it measured.
 */
describe('benchmarks, small runs', () => {
  it('bench:settle: the contract per batch size on the stub, state calls per payment counted', async () => {
    const text = await runBench('scripts/dist/bench-settle.js', ['--payments', '100']);
    expect(text).toMatch(/batch size \| payments\/s \| transactions\/s \| state calls\/payment .*\| fold state calls\/charge/);
    // 4 per payment at settlement (payer view, counter use read and write, charge), 5 per charge at its fold.
    expect(text).toMatch(/^ +500 \| +[0-9,]+ \| +[0-9,]+ \| +4\.[0-9]{2} \| .* \| +[0-9,]+ \| 5\.[0-9]{2}$/m);
  });

  it('bench:purse: a purse purchase against a tap, verified, settled and funded in one run', async () => {
    const text = await runBench('scripts/dist/bench-purse.js', ['--payments', '40']);
    expect(text).toMatch(/^tap +\| +[0-9,]+ \| +[0-9,]+ \| +[0-9,]+ \|/m);
    expect(text).toMatch(/^purse +\| +[0-9,]+ \| +[0-9,]+ \| +[0-9,]+ \|/m);
    expect(text).toMatch(/purse ÷ tap: verified ×[0-9.]+, settled ×[0-9.]+, funded ×[0-9.]+/);
  });

  it('bench:verify: record verification in the domain core against raw node:crypto', async () => {
    const text = await runBench('scripts/dist/bench-verify.js', ['--records', '200', '--rounds', '1']);
    expect(text).toMatch(/whole 500-record batches .*: [0-9,]+ records\/s/);
  });

  it('bench:intake: the gateway acknowledges durably stored batches', async () => {
    const text = await runBench('bench/dist/bench-intake.js', ['--terminals', '5', '--batches', '2', '--records', '10']);
    expect(text).toMatch(/acknowledgement latency \(202 after the PostgreSQL commit\): p50 [0-9.]+ ms/);
    expect(text).toMatch(/stored and pending: 10/);
  });

  it('bench:abuse: the door under slow clients, large bodies, wrong tokens, reads and handshakes', async () => {
    const text = await runBench('bench/dist/bench-abuse.js', ['--slow', '50', '--bodies', '20', '--wrong', '100', '--reads', '50', '--handshakes', '20']);
    expect(text).toMatch(/a valid auditor from the same address meanwhile: ([0-9]+)\/\1 answered 200/);
    expect(text).toMatch(/50 parallel authenticated reads .*: 50 × 200, 0 errors/);
  });
});
