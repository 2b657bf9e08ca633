import { spawn, execFile } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { inNamespace } from './netns';

/** The line startDetached writes to a log before each start. */
const START_MARK = '=== started';

/** A long-running process of the network, started detached so it outlives the command that started it. */
export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** The port that answers once the process is up, and the host it answers on (127.0.0.1 unless a topology says otherwise). */
  readonly port: number;
  readonly host?: string;
  /** The network namespace it runs in (separate hosts on one machine, netns.ts). */
  readonly namespace?: string;
}

/** Starts a process detached, its stdout and stderr appended to `<logs>/<name>.log`; returns its pid. */
export function startDetached(spec: ProcessSpec, logs: string): number {
  mkdirSync(logs, { recursive: true });
  const fd = openSync(join(logs, `${spec.name}.log`), 'a');
  try {
    // Logs are appended across starts: a mark lets a failed start show only its own lines.
    writeSync(fd, `${START_MARK} ${spec.name} ${new Date().toISOString()}\n`);
    const { command, args } = inNamespace(spec.namespace, spec.command, spec.args);
    const child = spawn(command, args, {
      cwd: spec.cwd, env: { ...process.env, ...spec.env }, detached: true, stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Whether a pid is a live process (not a zombie). */
export function alive(pid: number | undefined): boolean {
  if (pid === undefined || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return true;
  }
}

/** Whether something accepts TCP connections on host:port (127.0.0.1 by default). */
export function listening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(2000);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => {
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('timeout', () => {
      done(false);
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls a condition until it holds. The budget is generous on purpose (a loaded 2-core machine):
 * it only bounds a hang, it does not race the work. `describe` says what was awaited when it fails.
 */
export async function waitFor(describe: string, condition: () => Promise<boolean> | boolean, budgetMs = 120_000, everyMs = 200): Promise<void> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting ${Math.round(budgetMs / 1000)} s for ${describe}`);
    await sleep(everyMs);
  }
}

/** Waits for a started process to answer on its port; fails fast, with its log's tail, if it dies. */
export async function waitUp(spec: ProcessSpec, pid: number, logs: string, budgetMs = 120_000): Promise<void> {
  await waitFor(`${spec.name} on ${spec.host ?? '127.0.0.1'}:${spec.port}`, async () => {
    if (!alive(pid)) throw new Error(`${spec.name} exited during start; last lines of ${join(logs, `${spec.name}.log`)}:\n${tail(join(logs, `${spec.name}.log`), 25)}`);
    return listening(spec.port, spec.host);
  }, budgetMs);
}

/** The last lines of a file since its last start mark, or a note that it is missing. */
export function tail(file: string, lines: number): string {
  try {
    const all = readFileSync(file, 'utf8').trimEnd().split('\n');
    const mark = all.map((l) => l.startsWith(START_MARK)).lastIndexOf(true);
    return all.slice(mark + 1).slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

/** SIGTERM, then SIGKILL if it has not gone within the grace period. */
export async function stop(pid: number, graceMs = 15_000): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    while (alive(pid)) await sleep(50);
  }
}

/** Runs a command to completion (inside `namespace`, an organisation's host, when given); rejects with its output when it fails. */
export function run(command: string, args: readonly string[], options: { env?: Readonly<Record<string, string>>; cwd?: string; namespace?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const inside = inNamespace(options.namespace, command, args);
    execFile(inside.command, inside.args, { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${command.split('/').pop() ?? command} ${args.join(' ')} failed:\n${stderr}${stdout}`.trimEnd()));
      } else {
        resolve(`${stdout}${stderr}`);
      }
    });
  });
}

/** The pids a system recorded (name → pid). */
export const readPids = (file: string): Record<string, number> => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as Record<string, number> : {});
/** The recorded pids that are alive. */
export const livePids = (file: string): Record<string, number> => Object.fromEntries(Object.entries(readPids(file)).filter(([, pid]) => alive(pid)));

/**
 * Starts a service unless it already runs and answers; records its pid in `pidsFile`. True when it
 * was started now. A recorded one alive but not answering is an error, not replaced: its pid would
 * be overwritten and `npm stop` would never stop it.
 */
export async function ensureService(spec: ProcessSpec, pidsFile: string, logs: string): Promise<boolean> {
  const recorded = readPids(pidsFile)[spec.name];
  if (alive(recorded)) {
    if (await listening(spec.port, spec.host)) return false;
    throw new Error(`${spec.name} (pid ${String(recorded)}, recorded in ${pidsFile}) runs but does not answer on port ${String(spec.port)}: no second one was started beside it; npm stop stops it, then npm start again`);
  }
  if (await listening(spec.port, spec.host)) throw new Error(`port ${String(spec.port)} for ${spec.name} is taken by another process (not one npm start recorded): stop it, or free the port, then npm start again`);
  const pid = startDetached(spec, logs);
  writeFileSync(pidsFile, JSON.stringify({ ...readPids(pidsFile), [spec.name]: pid }));
  await waitUp(spec, pid, logs);
  return true;
}
