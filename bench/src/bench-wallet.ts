/**
 * A payment code shown (issue: the issuing side): in Debian's Chromium at a phone's size, with the
 * network off, the time from the tap on "Pay" to the QR code on screen, as the wallet measures it
 * (performance.now() from the tap to the frame after the QR was drawn: window.__walletTimings),
 * for N taps; p50, p90, p99 and max. The wallet, its service worker and its certificate come from
 * the real gateway (embedded ledger) first.
 * Usage: npm run bench:wallet [-- --taps 300]
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { chromium } from 'playwright-core';
import { percentile, positiveIntOption } from '@dol/scripts';
import { givenArguments } from './options';
import { startTestGateway } from './test-gateway';

/** What one run measured, in ms. */
export interface CodeShownFigures {
  readonly taps: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Counters beyond the taps: the reload after the certificate skips what the page had reserved ahead
 * (20; the wallet's RESERVE_AHEAD), and a margin.
 */
const SKIP_ROOM = 50;

const CHROMIUM = process.env.DOL_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** Signs a student in through the wallet, gets a certificate, goes offline and taps Pay `taps` times. */
export async function codeShown(taps: number, pool: Pool): Promise<CodeShownFigures> {
  if (CHROMIUM === undefined) throw new Error('Chromium not found (Debian\'s chromium package, or DOL_CHROMIUM)');
  const now = Date.now();
  const schema = `bench_wallet_${randomBytes(4).toString('hex')}`;
  const gw = await startTestGateway({ pool, schema, now });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  const json = { 'content-type': 'application/json' };
  const call = async (method: string, path: string, token: string, body?: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...json }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  try {
    await call('PUT', '/v1/risk-policy', gw.tokens.operator, { maxClockSkewMs: 3_600_000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900, certCounters: Math.max(200, taps + SKIP_ROOM) });
    await call('PUT', '/v1/agreement', gw.tokens.operator, { text: 'Sales made offline are charged to my account.' });
    await call('POST', '/v1/accounts', gw.tokens.finance, { account: 'bench-1', group: 'g', creditLine: '0' });
    await call('POST', '/v1/top-ups', gw.tokens.operator, { topUpId: 'bench-1-seed', account: 'bench-1', amount: '50000' });
    const { code } = await call('POST', '/v1/accounts/bench-1/activation-codes', gw.tokens.finance);
    const context = await browser.newContext({ viewport: { width: 360, height: 780 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(`${gw.url}/wallet/`);
    await page.getByLabel('Student account').fill('bench-1');
    await page.getByLabel('Activation code').fill(String(code));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Accept the agreement' }).click();
    await page.getByTestId('certificate-summary').waitFor();
    await page.waitForFunction(() => Reflect.get(Reflect.get(Reflect.get(globalThis, 'navigator') as object, 'serviceWorker') as object, 'controller') !== null);
    await context.setOffline(true);
    await page.reload();
    const pay = page.getByRole('button', { name: 'Pay', exact: true });
    await pay.waitFor();
    const figures: number[] = [];
    const shown = page.getByTestId('pay-code-text');
    for (let i = 0; i < taps; i++) {
      const before = (await shown.count()) === 0 ? '' : (await shown.getAttribute('data-ctr')) ?? '';
      await pay.click();
      // The code on screen changed (its counter); then the wallet's own figure for this tap, the newest.
      await page.waitForFunction((old) => {
        const doc = Reflect.get(globalThis, 'document') as { querySelector(selector: string): { getAttribute(name: string): string | null } | null };
        return (doc.querySelector('[data-testid="pay-code-text"]')?.getAttribute('data-ctr') ?? old) !== old;
      }, before);
      const last: unknown = await page.evaluate('window.__walletTimings[window.__walletTimings.length - 1]');
      if (typeof last !== 'number') throw new Error('the wallet recorded no timing');
      figures.push(last);
      if (i % 50 === 49) process.stderr.write(`[bench:wallet] ${i + 1}/${taps} codes shown\n`);
    }
    figures.sort((a, b) => a - b);
    return { taps, p50: percentile(figures, 0.5), p90: percentile(figures, 0.9), p99: percentile(figures, 0.99), max: figures[figures.length - 1] ?? NaN };
  } finally {
    await browser.close();
    await gw.close();
    await gw.store.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
}

async function main(): Promise<void> {
  const taps = positiveIntOption('taps', 300);
  const pool = new Pool({ connectionString: process.env.DOL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 8 });
  try {
    const f = await codeShown(taps, pool);
    process.stdout.write([
      '', `command: npm run bench:wallet -- ${givenArguments().join(' ')}`.trimEnd(), `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}; Chromium headless at 360×780, network off`,
      `a code shown, tap to QR on screen, ${f.taps} taps: p50 ${f.p50.toFixed(1)} ms, p90 ${f.p90.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms, max ${f.max.toFixed(1)} ms`, '',
    ].join('\n'));
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write('usage: npm run bench:wallet [-- --taps 300]\n  Tap to QR on screen in Chromium, offline, through the wallet the gateway serves.\n');
    process.exit(0);
  }
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  });
}
