import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * A small run of `npm run bench:burst` (the canteen reconnect burst on the embedded ledger, then the
 * full reconciliation) in every `npm test`: the benchmark must not stop running to its end again
 * unnoticed (it did, on a connection the gateway had closed under the simulator's next call).
 * The built benchmark runs as its own process, as `npm run bench:burst` runs it.
 */
const ROOT = resolve(__dirname, '..');

it('bench:burst with 2,000 students runs to its end and reconciles', async () => {
  const out: string[] = [];
  const code = await new Promise<number | null>((done) => {
    const child = spawn(process.execPath, ['bench/dist/bench-burst.js', '--students', '2000', '--terminals', '20', '--batch-size', '100'], {
      cwd: ROOT, env: { ...process.env, CORE_CHAINCODE_LOGGING_LEVEL: 'WARNING' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => out.push(d.toString()));
    child.on('close', done);
  });
  const text = out.join('');
  if (code !== 0) throw new Error(`bench:burst exited ${String(code)}:\n${text.slice(-4000)}`);
  expect(text).toMatch(/reconnect burst: \d+ sales in \d+ batches/);
  expect(text).toMatch(/RECONCILED: \d+ sales/);
});
