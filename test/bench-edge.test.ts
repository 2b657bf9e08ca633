import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * A small run of `npm run bench:edge` (the site edge node: approvals, replays at a second stall,
 * three canteen hours on the embedded ledger) in every `npm test`, so that the benchmark cannot stop
 * running to its end unnoticed. The built benchmark runs as its own process, as npm runs it.
 */
const ROOT = resolve(__dirname, '..');

it('bench:edge with 200 students runs to its end: approvals, replays stopped, three canteen hours reconciled', async () => {
  const out: string[] = [];
  const code = await new Promise<number | null>((done) => {
    const child = spawn(process.execPath, ['bench/dist/bench-edge.js', '--approvals', '1000', '--stalls', '4', '--replays', '20', '--students', '200'], {
      cwd: ROOT, env: { ...process.env, CORE_CHAINCODE_LOGGING_LEVEL: 'WARNING' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => out.push(d.toString()));
    child.on('close', done);
  });
  const text = out.join('');
  if (code !== 0) throw new Error(`bench:edge exited ${String(code)}:\n${text.slice(-4000)}`);
  expect(text).toMatch(/1000 approvals in [0-9.]+ s = [0-9]+ approvals\/s; .* refused 0/);
  expect(text).toMatch(/edge up: 20 of 20 stopped at the stall, 0 got through/);
  // Every canteen hour reconciles.
  expect(text.match(/\| yes\n/g)).toHaveLength(3);
});
