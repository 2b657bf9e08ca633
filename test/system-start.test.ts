/**
 * `npm start` / `npm stop` on the embedded system (README "Starting and stopping", issue 32): a
 * mistyped option fails before the slow steps; the first gateway's port comes from --port, else
 * DOL_PORT; a second start while the system runs is refused and leaves it as it was (it used to
 * start a second gateway whose pid replaced the first's, so npm stop stopped only the second); a
 * pids.json whose processes are gone does not block a start; npm stop stops what was recorded.
 * Runs network/dist/system.js (what npm start runs) on a folder, ports and schemas of its own.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';

const ROOT = resolve(__dirname, '..');
const DIR = mkdtempSync(join(tmpdir(), 'dol-start-'));
const PREFIX = 'dolstart_';
/** Loopback ports of this test's own (below 27000, where other runs' ports start). */
const PORT = 24610;
const PORT_FROM_ENV = 24620;
const PORT_REFUSED = 24630;
const DATABASE_URL = process.env.DOL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const env = { ...process.env, DOL_SYSTEM_DIR: DIR, DOL_SYSTEM_SCHEMA_PREFIX: PREFIX, DOL_DATABASE_URL: DATABASE_URL, DOL_PORT: '', DOL_SYSTEM_GATEWAY_PORT: '' };
const PIDS = join(DIR, 'run-embedded', 'pids.json');

function system(args: readonly string[], extraEnv: Readonly<Record<string, string>> = {}): { code: number; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'network', 'dist', 'system.js'), ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** The gateway's /healthz on `port`, or undefined when nothing answers there. */
function health(port: number): Promise<unknown> {
  return new Promise((done) => {
    const req = get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        done(JSON.parse(text) as unknown);
      });
    });
    req.on('error', () => {
      done(undefined);
    });
  });
}

/** The pid of a process that has exited: what a pids.json left by a crash or a reboot holds. */
function deadPid(): Promise<number> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['-e', '0']);
    child.on('exit', () => {
      done(child.pid ?? 0);
    });
  });
}

const recorded = (): Record<string, number> => (existsSync(PIDS) ? JSON.parse(readFileSync(PIDS, 'utf8')) as Record<string, number> : {});
/** Whether a pid is a running process: a zombie (exited, not yet reaped by whoever adopted it) is not. */
function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${String(pid)}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

afterAll(async () => {
  system(['stop', '--purge', 'all']);
  const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
  const left = await pool.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [`${PREFIX}%`]);
  for (const row of left.rows) await pool.query(`DROP SCHEMA IF EXISTS "${row.nspname}" CASCADE`);
  await pool.end();
  rmSync(DIR, { recursive: true, force: true });
});

describe('npm start options, checked before the slow steps', () => {
  it.each([
    [['--bogus'], 'unknown option --bogus'],
    [['--port', '80x'], "--port takes a port from 1 to 65525 (the gateways use it and the ports after it, an edge the one 10 above), not '80x'"],
  ])('scripts/start.sh %j fails at once, before installing, building or starting anything', (args, message) => {
    const started = Date.now();
    const r = spawnSync('bash', [join(ROOT, 'scripts', 'start.sh'), ...args], { env, encoding: 'utf8', timeout: 120_000 });
    expect({ code: r.status, error: r.stderr.split('\n')[0] }).toEqual({ code: 1, error: `[start] ERROR: ${message}` });
    expect(r.stdout).not.toContain('[start] 1/4');
    // Well under the seconds npm ci, tsc -b and PostgreSQL take; generous for a loaded machine.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a DOL_PORT that is not a port fails at once too, naming DOL_PORT', () => {
    const r = spawnSync('bash', [join(ROOT, 'scripts', 'start.sh'), '--embedded'], { env: { ...env, DOL_PORT: 'eighty' }, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("[start] ERROR: DOL_PORT takes a port from 1 to 65525");
    expect(r.stdout).not.toContain('[start] 1/4');
  });
});

describe('npm start / npm stop of the embedded system', () => {
  it('starts over a stale pids.json, refuses a second start, and npm stop stops what it recorded', async () => {
    // A pids.json whose gateway is gone (a crash, a reboot) does not block a start.
    mkdirSync(join(DIR, 'run-embedded'), { recursive: true });
    writeFileSync(PIDS, JSON.stringify({ 'gateway.embedded': await deadPid() }));
    // --port wins over DOL_PORT.
    const first = system(['start', '--embedded', '--port', String(PORT)], { DOL_PORT: String(PORT_FROM_ENV) });
    expect({ code: first.code, up: first.out.includes(`gateway API (terminals, operator, finance, registrar, auditors):  http://127.0.0.1:${String(PORT)}`) }).toEqual({ code: 0, up: true });
    expect(await health(PORT)).toMatchObject({ ledger: 'embedded' });
    expect(await health(PORT_FROM_ENV)).toBeUndefined();
    const gateway = recorded()['gateway.embedded'];
    expect(isAlive(gateway)).toBe(true);

    // A second start, on another port, is refused: no second gateway, the first still recorded and answering.
    const second = system(['start', '--embedded', '--port', String(PORT_REFUSED)]);
    expect(second.code).toBe(1);
    expect(second.out).toContain(`[start] ERROR: the embedded-ledger system is already running (gateway.embedded (pid ${String(gateway)})): it was left as it is and nothing was started. Run npm stop first`);
    expect(await health(PORT_REFUSED)).toBeUndefined();
    expect(recorded()).toEqual({ 'gateway.embedded': gateway });
    expect(await health(PORT)).toMatchObject({ ledger: 'embedded' });

    // npm stop stops the gateway npm start recorded.
    const stopped = system(['stop']);
    expect(stopped.out).toContain('[stop] stopped gateway.embedded');
    expect(isAlive(gateway)).toBe(false);
    expect(await health(PORT)).toBeUndefined();

    // DOL_PORT names the port when --port does not.
    const again = system(['start', '--embedded'], { DOL_PORT: String(PORT_FROM_ENV) });
    expect(again.code).toBe(0);
    expect(await health(PORT_FROM_ENV)).toMatchObject({ ledger: 'embedded' });
    const purged = system(['stop', '--purge']);
    expect(purged.out).toContain('[stop] stopped gateway.embedded');
    expect(await health(PORT_FROM_ENV)).toBeUndefined();
  });
});
