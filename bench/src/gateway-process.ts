import { spawn, type ChildProcess } from 'node:child_process';

/**
 * FOR TESTS AND BENCHMARKS: starts a gateway process from its build and resolves once it prints
 * where it listens, over HTTP or HTTPS (it is started with DOL_PORT=0); stdout is read, stderr
 * passed through.
 */
export function spawnGateway(main: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [main], { env: { ...process.env, ...env, DOL_PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      const m = /gateway API on (https?:\/\/127\.0\.0\.1:[0-9]+)/.exec(out);
      if (m?.[1] !== undefined) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => {
      reject(new Error(`gateway exited with ${String(code)} before listening`));
    });
  });
}
