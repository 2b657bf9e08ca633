/**
 * The gateway's door under abuse (docs/reliability.md, "Abuse"): the real gateway process
 * (gateway-api/dist/main.js on the embedded ledger, default door settings) against slow
 * connections, large unauthenticated bodies, wrong tokens and a burst of authenticated reads, then
 * TLS handshakes with and without a client certificate. Prints one table; each row says what was
 * done and what was measured. Figures are for comparison on one machine, not promises.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, Agent } from 'node:https';
import { connect, type Socket } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { spawnGateway } from './gateway-process';
import { makeTestCertificates } from './test-certificates';

const USAGE = `usage: npm run bench:abuse [-- --slow 3000 --bodies 200 --wrong 2000 --reads 500 --handshakes 200]
  The gateway's door under abuse: slow connections, unauthenticated 2.8 MiB bodies, wrong tokens,
  parallel authenticated reads, TLS handshakes with and without a client certificate, each against
  the real gateway process on the embedded ledger. environment: DOL_DATABASE_URL
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const ROOT = resolve(__dirname, '..', '..');
const MAIN = join(ROOT, 'gateway-api', 'dist', 'main.js');
const DATABASE_URL = process.env.DOL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const num = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  return v;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pct = (xs: readonly number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? Number.NaN;
const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'))?.[1] ?? 0) / 1024;

interface Gateway { readonly child: ChildProcess; readonly url: string; readonly pid: number }

async function startGateway(env: NodeJS.ProcessEnv): Promise<Gateway> {
  const { child, url } = await spawnGateway(MAIN, { ...env, DOL_LOG_LEVEL: 'error' });
  return { child, url, pid: child.pid ?? 0 };
}

const stop = (g: Gateway): Promise<void> => new Promise((res) => {
  g.child.once('exit', () => {
    res();
  });
  g.child.kill('SIGTERM');
});

async function timedGet(url: string, token?: string): Promise<{ ms: number; status: number }> {
  const t = performance.now();
  const r = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  await r.arrayBuffer();
  return { ms: performance.now() - t, status: r.status };
}

/** N connections each sending a header byte a second; how many the server dropped and how long it took, and /healthz meanwhile. */
async function slowConnections(g: Gateway, n: number): Promise<string> {
  const { port } = new URL(g.url);
  let closed = 0;
  const sockets: Socket[] = [];
  const started = performance.now();
  const closedAt: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = connect(Number(port), '127.0.0.1');
    s.on('error', () => undefined);
    s.on('close', () => {
      closed += 1;
      closedAt.push(performance.now() - started);
    });
    s.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    sockets.push(s);
  }
  const drip = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write('a');
  }, 1000);
  const health: number[] = [];
  let failures = 0;
  while (closed < n && performance.now() - started < 60_000) {
    const h = await timedGet(`${g.url}/healthz`).catch(() => ({ ms: Number.NaN, status: 0 }));
    if (h.status === 200) health.push(h.ms);
    else failures += 1;
    await sleep(200);
  }
  clearInterval(drip);
  for (const s of sockets) s.destroy();
  return `${String(n)} slow connections (a header byte a second): ${String(closed)} dropped by the server, the last after ${(pct(closedAt, 100) / 1000).toFixed(1)} s (headers timeout 10 s, checked every second); /healthz meanwhile ${String(health.length)} answers, p99 ${pct(health, 99).toFixed(1)} ms, ${String(failures)} failures`;
}

/** N unauthenticated 2.8 MiB POSTs, 20 at a time: their statuses and the gateway's RSS growth. */
async function bigBodies(g: Gateway, n: number): Promise<string> {
  const body = Buffer.alloc(2_900_000, 'a');
  const before = rssMiB(g.pid);
  let peak = before;
  const statuses = new Map<number, number>();
  const started = performance.now();
  for (let i = 0; i < n; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, n - i) }, async () => {
      const r = await fetch(`${g.url}/v1/top-ups`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).catch(() => undefined);
      statuses.set(r?.status ?? 0, (statuses.get(r?.status ?? 0) ?? 0) + 1);
      await r?.arrayBuffer().catch(() => undefined);
    }));
    peak = Math.max(peak, rssMiB(g.pid));
  }
  const seconds = (performance.now() - started) / 1000;
  return `${String(n)} unauthenticated 2.8 MiB bodies (20 at a time): ${[...statuses].map(([s, c]) => `${String(c)} × ${s === 0 ? 'connection closed before the client finished sending' : String(s)}`).join(', ')}; gateway RSS ${before.toFixed(0)} → peak ${peak.toFixed(0)} MiB (+${(peak - before).toFixed(0)} MiB), ${seconds.toFixed(1)} s`;
}

/** N wrong tokens from one address, with a valid auditor reading every 50th: what each got. */
async function wrongTokens(g: Gateway, n: number, auditor: string): Promise<string> {
  const counts = new Map<number, number>();
  let valid = 0;
  let validOk = 0;
  const started = performance.now();
  for (let i = 0; i < n; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, n - i) }, async (_, k) => {
      const r = await timedGet(`${g.url}/v1/whoami`, `wrong-${String(i + k).padStart(20, '0')}`);
      counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    }));
    const ok = await timedGet(`${g.url}/v1/whoami`, auditor);
    valid += 1;
    if (ok.status === 200) validOk += 1;
  }
  const rate = n / ((performance.now() - started) / 1000);
  return `${String(n)} wrong tokens from one address (${rate.toFixed(0)}/s): ${[...counts].sort().map(([s, c]) => `${String(c)} × ${String(s)}`).join(', ')}; a valid auditor from the same address meanwhile: ${String(validOk)}/${String(valid)} answered 200`;
}

/** N authenticated reads at once: latency percentiles and errors. */
async function parallelReads(g: Gateway, n: number, auditor: string): Promise<string> {
  const results = await Promise.all(Array.from({ length: n }, () => timedGet(`${g.url}/v1/accounts/abuse-acct`, auditor).catch(() => ({ ms: Number.NaN, status: 0 }))));
  const ok = results.filter((r) => r.status === 200).map((r) => r.ms);
  return `${String(n)} parallel authenticated reads (GET /v1/accounts/{id}): ${String(ok.length)} × 200, ${String(n - ok.length)} errors; p50 ${pct(ok, 50).toFixed(0)} ms, p99 ${pct(ok, 99).toFixed(0)} ms`;
}

/** N TLS handshakes (a new connection each), without and with a client certificate. */
async function handshakes(url: string, n: number, ca: string, cert: { cert: string; key: string }, staffToken: string): Promise<string> {
  const one = (withCert: boolean): Promise<{ ms: number; subject: string }> => new Promise((res, rej) => {
    const t = performance.now();
    const req = httpsRequest(`${url}/v1/whoami`, { ca, agent: new Agent({ keepAlive: false }), ...(withCert ? cert : { headers: { authorization: `Bearer ${staffToken}` } }) }, (r) => {
      let text = '';
      r.on('data', (d: Buffer) => {
        text += d.toString('utf8');
      });
      r.on('end', () => {
        res({ ms: performance.now() - t, subject: (JSON.parse(text) as { subject?: string; code?: string }).subject ?? (JSON.parse(text) as { code?: string }).code ?? '?' });
      });
    });
    req.on('error', rej);
    req.end();
  });
  const runs = async (withCert: boolean): Promise<{ ms: number[]; subject: string }> => {
    const ms: number[] = [];
    let subject = '';
    for (let i = 0; i < n; i++) {
      const r = await one(withCert);
      ms.push(r.ms);
      subject = r.subject;
    }
    return { ms, subject };
  };
  const without = await runs(false);
  const withCert = await runs(true);
  return `${String(n)} TLS 1.3 handshakes, a new connection and one GET /v1/whoami each: without a client certificate (a staff token) p50 ${pct(without.ms, 50).toFixed(1)} ms, p99 ${pct(without.ms, 99).toFixed(1)} ms (answer: ${without.subject}); with the terminal's certificate (no token) p50 ${pct(withCert.ms, 50).toFixed(1)} ms, p99 ${pct(withCert.ms, 99).toFixed(1)} ms (answer: terminal ${withCert.subject})`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dol-abuse-'));
  const hex = randomBytes(4).toString('hex');
  const schemas = [`abuse_l_${hex}`, `abuse_i_${hex}`];
  const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
  const tokens = { auditor: randomBytes(32).toString('base64url'), finance: randomBytes(32).toString('base64url') };
  const sha = (t: string): string => createHash('sha256').update(t).digest('hex');
  writeFileSync(join(dir, 'credentials.json'), JSON.stringify([{ tokenSha256: sha(tokens.auditor), role: 'auditor', subject: 'bench-auditor' }, { tokenSha256: sha(tokens.finance), role: 'finance', subject: 'bench-finance' }]));
  const env = { DOL_LEDGER: 'embedded', DOL_LEDGER_SCHEMA: schemas[0], DOL_DB_SCHEMA: schemas[1], DOL_DATABASE_URL: DATABASE_URL, DOL_CREDENTIALS_FILE: join(dir, 'credentials.json') };
  const rows: string[] = [];
  try {
    // Each phase on a gateway process of its own (the same ledger): one phase's failed
    // authentications do not spend the next one's allowance.
    const phase = async (what: string, run: (g: Gateway) => Promise<string>): Promise<void> => {
      process.stderr.write(`[abuse] ${what}\n`);
      const g = await startGateway(env);
      try {
        rows.push(await run(g));
      } finally {
        await stop(g);
      }
    };
    await phase('setup', async (g) => {
      await fetch(`${g.url}/v1/accounts`, { method: 'POST', headers: { authorization: `Bearer ${tokens.finance}`, 'content-type': 'application/json' }, body: JSON.stringify({ account: 'abuse-acct', group: 'g', creditLine: '0' }) });
      return `the gateway process: embedded ledger in PostgreSQL, default door settings (headers 10 s, request 60 s, keep-alive 5 s, 10,000 connections, 30 failed authentications a minute per address); RSS at start ${rssMiB(g.pid).toFixed(0)} MiB`;
    });
    await phase('slow connections', (g) => slowConnections(g, num('slow', 3000)));
    await phase('large unauthenticated bodies', (g) => bigBodies(g, num('bodies', 200)));
    await phase('wrong tokens', (g) => wrongTokens(g, num('wrong', 2000), tokens.auditor));
    await phase('parallel reads', (g) => parallelReads(g, num('reads', 500), tokens.auditor));

    process.stderr.write('[abuse] TLS handshakes\n');
    const certs = makeTestCertificates(dir, 'pos-abuse');
    const tls = await startGateway({ ...env, DOL_TLS_CERT: certs.files.serverCert, DOL_TLS_KEY: certs.files.serverKey, DOL_TLS_CLIENT_CA: certs.files.ca });
    rows.push(await handshakes(tls.url, num('handshakes', 200), certs.caPem, { cert: certs.terminalCertPem, key: certs.terminalKeyPem }, tokens.auditor));
    await stop(tls);
  } finally {
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\ncommand: npm run bench:abuse   (${String(cpus().length)} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version})\n`);
  for (const r of rows) process.stdout.write(`- ${r}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:abuse failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
