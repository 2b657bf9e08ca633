/**
 * The canteen hour against a running gateway (DESIGN §8):
 *   npm run scenario -- --url http://127.0.0.1:8080 --tokens-file tokens.json --students 30000 --terminals 100
 * tokens.json holds {"operator": "...", "finance": "...", "registrar": "...", "auditor": "..."}.
 * Prints a progress bar, the reconciliation table and the reconnect burst's duration; exits 1 on
 * any mismatch.
 */
import { readFileSync } from 'node:fs';
import { GatewayClient } from './gateway-client';
import { progressBar } from './progress-bar';
import { formatReport, runScenario } from './run-scenario';
import { buildScenario } from './scenario';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}
const num = (name: string, fallback: number): number => {
  const v = Number(arg(name, String(fallback)));
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  return v;
};

type Tokens = { operator: string; finance: string; registrar: string; auditor: string };

/** Bearer tokens per role: `{ "auditor": "<token>" }`, or npm start's `{ "auditor": { "token": "<token>", "url": ... } }`. */
function readTokens(file: string): Tokens {
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const token = (role: keyof Tokens): string => {
    const v: unknown = typeof raw === 'object' && raw !== null ? Reflect.get(raw, role) : undefined;
    const t: unknown = typeof v === 'object' && v !== null ? Reflect.get(v, 'token') : v;
    if (typeof t !== 'string' || t === '') throw new Error(`${file} holds no token for ${role}`);
    return t;
  };
  return { operator: token('operator'), finance: token('finance'), registrar: token('registrar'), auditor: token('auditor') };
}

async function main(): Promise<void> {
  const url = arg('url', 'http://127.0.0.1:8080');
  const tokens = readTokens(arg('tokens-file', 'network/run/embedded/api-credentials.json'));
  const students = num('students', 2000);
  const terminals = num('terminals', 20);
  const timeoutMs = num('timeout-s', 3600) * 1000;
  const api = new GatewayClient(url, tokens);
  const scenario = buildScenario({ students, terminals, seed: num('seed', 2026), now: Date.now(), batchSize: num('batch-size', 200) }, (d, t) => {
    progressBar('students', d, t);
  });
  const settle = async (receipts: readonly string[]): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let open = [...receipts];
    while (open.length > 0) {
      if (Date.now() > deadline) throw new Error(`${open.length} batches still pending after ${timeoutMs / 1000} s`);
      const still: string[] = [];
      for (const r of open) {
        const b = (await api.must('GET', `/v1/batches/${r}`, 'auditor')) as { status?: string };
        if (b.status === 'pending') still.push(r);
      }
      progressBar('settling', receipts.length - still.length, receipts.length);
      open = still;
      if (open.length > 0) await new Promise((res) => setTimeout(res, 500));
    }
  };
  const report = await runScenario(scenario, api, settle, progressBar);
  process.stdout.write(`\ncommand: npm run scenario -- --url ${url} --students ${students} --terminals ${terminals}\n`);
  process.stdout.write(`reconnect burst: ${report.sales} sales in ${report.uploads} batches, first upload to last commit ${((report.lastSettledMs - report.firstUploadMs) / 1000).toFixed(1)} s\n\n`);
  process.stdout.write(`${formatReport(report)}\n`);
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`scenario failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
