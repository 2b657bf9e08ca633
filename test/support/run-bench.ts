import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/**
 * Runs a built benchmark as its own process, as `npm run bench:*` runs it, and answers what it
 * printed; a benchmark that does not run to its end (exit code other than 0) fails with its output.
 */
export async function runBench(script: string, args: readonly string[]): Promise<string> {
  const out: string[] = [];
  const code = await new Promise<number | null>((done) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: ROOT, env: { ...process.env, CORE_CHAINCODE_LOGGING_LEVEL: 'WARNING' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => out.push(d.toString()));
    child.on('close', done);
  });
  const text = out.join('');
  if (code !== 0) throw new Error(`${script} exited ${String(code)}:\n${text.slice(-4000)}`);
  return text;
}
