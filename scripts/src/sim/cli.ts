/**
 * The canteen hour against a running gateway (DESIGN §8); `npm run scenario -- --help` lists the
 * options. Re-runnable: each run on a ledger that already holds earlier runs plays a new cohort
 * (its own issuer, terminals, canteens and students) and reconciles what it added. Prints a
 * progress bar, the reconciliation table and the reconnect burst's duration; exits 1 on any mismatch.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GatewayClient } from './gateway-client';
import { progressBar } from './progress-bar';
import { formatReport, runScenario } from './run-scenario';
import { formatStall } from './rush';
import { buildScenario } from './scenario';

const ROOT = resolve(__dirname, '..', '..', '..');
const EMBEDDED_TOKENS = resolve(ROOT, 'network', 'run-embedded', 'api-credentials.json');
const FABRIC_TOKENS = resolve(ROOT, 'network', 'run', 'api-credentials.json');

const USAGE = `usage: npm run scenario -- [options]
  Plays the canteen hour against the running system (npm start): registers an issuer, terminals,
  canteens and students, and an edge node per canteen (retired after the hour, so that a next
  run's slices are not divided by them); plays the hour at the stalls with the
  reference terminal library while the centre is unreachable (screenshot replays, overspenders,
  one edge killed and restarted mid-rush); then uploads every terminal's batches at once with
  injected faults (a deny-listed card, a tampered and a skipped batch, repeat uploads), waits for
  the ledger, and reconciles it with the simulator's own model. Run again on the same ledger, it
  plays a new cohort.
options:
  --tokens-file F   bearer tokens per role, as npm start writes them (default: the running
                    system's, ${EMBEDDED_TOKENS} or ${FABRIC_TOKENS});
                    each role's calls go to the gateway URL written there
  --url U           one gateway for every role instead (and the terminals' uploads)
  --students N      students (default 2000)          --terminals N   terminals (default 20)
  --batch-size N    records per batch (default 200)  --seed N        the world's seed (default 2026)
  --cohort NAME     this run's name (default: the first free one: '', then c2, c3, ...)
  --timeout-s N     how long to wait for the ledger (default 3600)
  --no-edges        no edge nodes: every terminal decides alone (replays are found at settlement)
  --edge-overflow P what an edge does beyond a student's slice: advance (default) or refuse
  --no-close        no daily close at the end (by default one payout run pays every merchant,
                    and the report checks each was paid exactly what it was credited)
`;

const KNOWN = new Set(['--tokens-file', '--url', '--students', '--terminals', '--batch-size', '--seed', '--cohort', '--timeout-s', '--no-edges', '--edge-overflow', '--no-close']);
const FLAGS = new Set(['--no-edges', '--no-close']);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}
const num = (name: string, fallback: number): number => {
  const raw = arg(name);
  const v = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  return v;
};

type Role = 'operator' | 'finance' | 'registrar' | 'auditor';
const ROLES: readonly Role[] = ['operator', 'finance', 'registrar', 'auditor'];

/** Bearer tokens (and gateway URLs) per role: `{ "auditor": "<token>" }`, or npm start's `{ "auditor": { "token": "<token>", "url": ... } }`. */
function readTokens(file: string): { tokens: Record<Role, string>; urls: Partial<Record<Role, string>> } {
  if (!existsSync(file)) throw new Error(`no tokens file ${file}: start the system first (npm start), or name one with --tokens-file`);
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const entry = (role: Role): unknown => (typeof raw === 'object' && raw !== null ? Reflect.get(raw, role) : undefined);
  const tokens = {} as Record<Role, string>;
  const urls: Partial<Record<Role, string>> = {};
  for (const role of ROLES) {
    const v = entry(role);
    const t: unknown = typeof v === 'object' && v !== null ? Reflect.get(v, 'token') : v;
    if (typeof t !== 'string' || t === '') throw new Error(`${file} holds no token for ${role}`);
    tokens[role] = t;
    const u: unknown = typeof v === 'object' && v !== null ? Reflect.get(v, 'url') : undefined;
    if (typeof u === 'string') urls[role] = u;
  }
  return { tokens, urls };
}

/** The running system's tokens file: the one whose operator gateway answers. */
async function defaultTokensFile(): Promise<string> {
  for (const file of [EMBEDDED_TOKENS, FABRIC_TOKENS]) {
    if (!existsSync(file)) continue;
    const url = readTokens(file).urls.operator;
    if (url === undefined) return file;
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return file;
  }
  throw new Error('no running system was found (no gateway answers for network/run-embedded or network/run): npm start first, or pass --url and --tokens-file');
}

/** The first cohort name whose issuer the ledger does not know yet, or the one asked for if it is free. */
async function freeCohort(api: GatewayClient, asked: string | undefined): Promise<string> {
  const used = async (cohort: string): Promise<boolean> => {
    const history = await api.must('GET', `/v1/key-history/issuer/issuer-sim${cohort === '' ? '' : `-${cohort}`}`, 'auditor');
    return Array.isArray(history) && history.length > 0;
  };
  if (asked !== undefined) {
    if (!/^[a-z0-9]{1,12}$/.test(asked)) throw new Error('--cohort takes 1 to 12 lower-case letters and digits');
    if (await used(asked)) throw new Error(`cohort '${asked}' already ran on this ledger: leave --cohort out to take the next free one, or name another`);
    return asked;
  }
  for (let n = 1; n < 1000; n++) {
    const cohort = n === 1 ? '' : `c${String(n)}`;
    if (!(await used(cohort))) return cohort;
  }
  throw new Error('999 cohorts already ran on this ledger: purge it (npm stop -- --purge, then npm start)');
}

/**
 * The Fabric system's gateways serve HTTPS with certificates from their organisations' CAs (the
 * tokens file names them): run again with those CAs trusted (NODE_EXTRA_CA_CERTS), once.
 */
function trustGatewayCas(files: readonly string[]): boolean {
  if (process.env.DOL_GATEWAY_CAS_TRUSTED === '1') return false;
  const cas = new Set<string>();
  for (const file of files.filter((f) => existsSync(f))) {
    const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof raw !== 'object' || raw === null) continue;
    for (const entry of Object.values(raw)) {
      const ca: unknown = typeof entry === 'object' && entry !== null ? Reflect.get(entry, 'ca') : undefined;
      if (typeof ca === 'string' && existsSync(ca)) cas.add(ca);
    }
  }
  if (cas.size === 0) return false;
  const bundle = join(mkdtempSync(join(tmpdir(), 'dol-cas-')), 'cas.pem');
  // Keep whatever extra CAs the environment already names.
  const already = process.env.NODE_EXTRA_CA_CERTS;
  const extra = already !== undefined && existsSync(already) ? [already] : [];
  writeFileSync(bundle, [...extra, ...cas].map((f) => readFileSync(f, 'utf8')).join('\n'));
  const again = spawnSync(process.execPath, process.argv.slice(1), { stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: bundle, DOL_GATEWAY_CAS_TRUSTED: '1' } });
  process.exitCode = again.status ?? 1;
  return true;
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  const asked = arg('tokens-file');
  if (trustGatewayCas(asked === undefined ? [EMBEDDED_TOKENS, FABRIC_TOKENS] : [asked])) return;
  const unknown = process.argv.slice(2).filter((a, i, all) => a.startsWith('--') ? !KNOWN.has(a) : !KNOWN.has(all[i - 1] ?? '') || FLAGS.has(all[i - 1] ?? ''));
  const overflow = arg('edge-overflow') ?? 'advance';
  if (overflow !== 'advance' && overflow !== 'refuse') throw new Error('--edge-overflow must be advance or refuse');
  const edges = !process.argv.includes('--no-edges');
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(' ')}\n${USAGE}`);
  const file = asked ?? (await defaultTokensFile());
  const { tokens, urls } = readTokens(file);
  const url = arg('url') ?? urls.operator ?? 'http://127.0.0.1:8080';
  const students = num('students', 2000);
  const terminals = num('terminals', 20);
  const timeoutMs = num('timeout-s', 3600) * 1000;
  const api = new GatewayClient(url, tokens, [], arg('url') === undefined ? urls : {});
  const cohort = await freeCohort(api, arg('cohort'));
  const deny = await api.must('GET', '/v1/deny-list?since=0', 'auditor');
  const denyBase = typeof deny === 'object' && deny !== null && typeof Reflect.get(deny, 'version') === 'number' ? Number(Reflect.get(deny, 'version')) : 0;
  process.stdout.write(`cohort ${cohort === '' ? "'' (the first run on this ledger)" : `'${cohort}' (earlier runs are on this ledger)`}; deny list at version ${String(denyBase)}\n`);
  const scenario = buildScenario({ students, terminals, seed: num('seed', 2026), now: Date.now(), batchSize: num('batch-size', 200), cohort, denyBase, edges, edgeOverflow: overflow, dailyClose: !process.argv.includes('--no-close') }, (d, t) => {
    progressBar('students', d, t);
  });
  const settle = async (receipts: readonly string[]): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let open = [...receipts];
    while (open.length > 0) {
      if (Date.now() > deadline) throw new Error(`${open.length} batches still pending after ${timeoutMs / 1000} s`);
      const still: string[] = [];
      for (const r of open) {
        // The receipt is the operator gateway's (where the terminals upload).
        const b = (await api.must('GET', `/v1/batches/${r}`, 'operator')) as { status?: string };
        if (b.status === 'pending') still.push(r);
      }
      progressBar('settling', receipts.length - still.length, receipts.length);
      open = still;
      if (open.length > 0) await new Promise((res) => setTimeout(res, 500));
    }
  };
  const report = await runScenario(scenario, api, settle, progressBar);
  process.stdout.write(`\ncommand: npm run scenario -- --students ${students} --terminals ${terminals}${cohort === '' ? '' : ` (cohort ${cohort})`}\n`);
  process.stdout.write(`reconnect burst: ${report.sales} sales in ${report.uploads} batches, first upload to last commit ${((report.lastSettledMs - report.firstUploadMs) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`${formatStall(report.stall)}\n\n`);
  process.stdout.write(`${formatReport(report)}\n`);
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((error: unknown) => {
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  process.stderr.write(`scenario failed: ${error instanceof Error ? error.message : String(error)}${cause instanceof Error ? ` (${cause.message})` : ""}\n`);
  process.exitCode = 1;
});
