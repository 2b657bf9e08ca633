import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '@dol/bench';
import { decodeQr, walletPageProblems } from './support/wallet-page';
import { WalletStall, type Must } from './support/wallet-stall';

/**
 * The student's wallet (wallet/, a PWA) in a real browser: Debian's Chromium at a phone's width,
 * driven by Playwright, against the real gateway (embedded ledger). A student signs in with
 * finance's activation code, accepts the agreement, gets a certificate; with the network cut the
 * page reloads from the service worker and shows three codes, read from screenshots and sold at
 * two stalls (the reference terminal library), one code twice; back online the wallet shows the
 * sales, the double spend's debt and the balance; a loss report at the desk makes the next sale
 * DENY_LISTED at a stall that synced. A second student sees only their own account. A fourth
 * student's codes never repeat a counter across reloads, a hidden page and a renderer crash.
 * Screenshots go to test/artifacts/wallet/.
 */
const ROOT = join(__dirname, '..');
const SHOTS = join(ROOT, 'test', 'artifacts', 'wallet');
const CHROMIUM = process.env.DOL_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const PHONE = { viewport: { width: 360, height: 780 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } as const;
const run = randomBytes(3).toString('hex');
const ANN = `ann-${run}`;
const BEN = `ben-${run}`;
const CAT = `cat-${run}`;
const DAN = `dan-${run}`;
const EVE = `eve-${run}`;
/** The risk policy of the run: 50 counters a certificate, so that the pages show what is left of few. */
const POLICY = {
  maxClockSkewMs: 3_600_000, tapMaxAgeMs: 120_000, faceCapPerPayment: '3000', faceMinScore: 900, certCapTotal: '8000', certCapPerPayment: '2000', certCounters: 50,
} as const;

describe('student wallet in Chromium', () => {
  const now = Date.now();
  const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 6 });
  const schema = `wallet_test_${run}`;
  let gateway: TestGateway | undefined;
  let browser: Browser | undefined;
  const students: Record<string, string> = {};

  const gw = (): TestGateway => {
    if (gateway === undefined) throw new Error('beforeAll did not start the gateway');
    return gateway;
  };
  const live = (): { gateway: TestGateway; browser: Browser } => {
    if (gateway === undefined || browser === undefined) throw new Error('beforeAll did not start the gateway and the browser');
    return { gateway, browser };
  };
  async function call(method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${gw().url}${path}`, {
      method, headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
  }
  const must: Must = async (method, path, as, body) => {
    const r = await call(method, path, gw().tokens[as], body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${String(r.status)} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const shoot = async (page: Page, name: string): Promise<void> => {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    expect({ page: name, problems: await walletPageProblems(page) }).toEqual({ page: name, problems: [] });
  };
  /** What the pages threw or the CSP blocked: must stay empty. */
  const pageFaults: string[] = [];
  /** A phone: its own browser context (its own IndexedDB and service worker). */
  const phone = async (): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await live().browser.newContext(PHONE);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageFaults.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) pageFaults.push(`CSP: ${message.text()}`);
    });
    return { context, page };
  };
  async function signIn(page: Page, account: string): Promise<void> {
    const { code } = await must('POST', `/v1/accounts/${account}/activation-codes`, 'finance');
    await page.goto(`${live().gateway.url}/wallet/`);
    await page.getByLabel('Student account').fill(account);
    await page.getByLabel('Activation code').fill(String(code));
    await shoot(page, `${account.slice(0, 3)}-sign-in`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Accept the agreement' }).waitFor();
    students[account] = await page.evaluate(() => new Promise<string>((resolve, reject) => {
      const open = indexedDB.open('dol-wallet');
      open.onerror = () => { reject(new Error('no wallet database')); };
      open.onsuccess = () => {
        const get = open.result.transaction('kv').objectStore('kv').get('session');
        get.onsuccess = () => {
          const session: unknown = get.result;
          resolve(typeof session === 'object' && session !== null && 'token' in session ? String(session.token) : '');
        };
      };
    }));
  }
  /** Taps Pay and reads the new code: its counter, its text, and (unless `scan` is false) what a scanner reads off the screen. */
  async function showCode(page: Page, scan = true): Promise<{ ctr: number; text: string; decoded: string | undefined }> {
    const shown = page.getByTestId('pay-code-text');
    const before = (await shown.count()) === 0 ? '' : await shown.getAttribute('data-ctr');
    await page.getByRole('button', { name: 'Pay', exact: true }).click();
    await page.waitForFunction((old) => {
      const ctr = document.querySelector('[data-testid="pay-code-text"]')?.getAttribute('data-ctr');
      return ctr !== undefined && ctr !== null && ctr !== old;
    }, before);
    return { ctr: Number(await shown.getAttribute('data-ctr')), text: (await shown.textContent()) ?? '', decoded: scan ? decodeQr(await page.locator('#pay-qr').screenshot()) : undefined };
  }
  /** The medium a QR text's certificate names. */
  const mediaIdOf = (qr: string): string => {
    const payload: unknown = JSON.parse(Buffer.from(qr.split('~')[0]?.split('.')[1] ?? '', 'base64url').toString());
    if (typeof payload !== 'object' || payload === null || !('mediaId' in payload) || typeof payload.mediaId !== 'string') throw new Error('no certificate in the QR text');
    return payload.mediaId;
  };

  beforeAll(async () => {
    if (CHROMIUM === undefined) throw new Error('Chromium not found (install Debian\'s chromium package, as .ci/run does, or set DOL_CHROMIUM)');
    if (!existsSync(join(ROOT, 'wallet', 'public', 'js', 'main.js'))) throw new Error('the wallet is not built: npm run build (tsc -b ... wallet)');
    // The QR library and the service worker's precache list, from what tsc built (the build does it too).
    execFileSync(process.execPath, [join(ROOT, 'wallet', 'scripts', 'build-shell.mjs')], { stdio: 'pipe' });
    mkdirSync(SHOTS, { recursive: true });
    gateway = await startTestGateway({ pool, schema, now, runWorker: true, workers: 1 });
    // The ledger's clock stands at `now`: an hour of skew lets a slow machine's sales settle.
    await must('PUT', '/v1/risk-policy', 'operator', POLICY);
    await must('PUT', '/v1/agreement', 'operator', { text: `代扣协议 Direct-debit agreement (run ${run})\n\n1. Sales I make with my codes offline are charged to my account.\n2. An advance is repaid from my next top-up first.` });
    for (const m of ['canteen-2', 'shop-1']) await must('POST', '/v1/merchants', 'operator', { merchantId: `${m}-${run}`, name: m });
    for (const [account, topUp] of [[ANN, '3000'], [BEN, '2000'], [CAT, '0'], [DAN, '2000'], [EVE, '500']] as const) {
      await must('POST', '/v1/accounts', 'finance', { account, group: 'g-2026', creditLine: '0' });
      if (topUp !== '0') await must('POST', '/v1/top-ups', 'operator', { topUpId: `seed-${account}`, account, amount: topUp });
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await gateway?.store.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it('signs in, accepts, pays three codes offline from the service worker; the stalls sell them, one twice; online it shows sales, debt and balance; a desk loss report is DENY_LISTED', async () => {
    const { context, page } = await phone();
    await signIn(page, ANN);
    await shoot(page, 'ann-agreement');
    expect(await page.getByText(/\(checked\)/).count()).toBe(1);
    await page.getByRole('button', { name: 'Accept the agreement' }).click();
    await page.getByTestId('certificate-summary').waitFor();
    await shoot(page, 'ann-pay-ready');
    const stallA = await WalletStall.open(live().gateway.url, must, `pos-a-${run}`, `canteen-2-${run}`);
    const stallB = await WalletStall.open(live().gateway.url, must, `pos-b-${run}`, `shop-1-${run}`);

    // No network at all: the page comes from the service worker, the codes from IndexedDB.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await context.setOffline(true);
    await page.reload();
    await page.getByRole('button', { name: 'Pay', exact: true }).waitFor();
    expect(await page.evaluate(() => fetch('/v1/agreement').then(() => 'reached', () => 'offline'))).toBe('offline');
    const codes = [await showCode(page), await showCode(page), await showCode(page)];
    // The reload skipped what the page before it had reserved ahead (at most 20); from there, one after another.
    const from = codes[0]?.ctr ?? 0;
    expect(from >= 1 && from <= 21).toBe(true);
    expect(codes.map((c) => c.ctr)).toEqual([from, from + 1, from + 2]);
    await shoot(page, 'ann-pay-offline');
    for (const c of codes) expect(c.decoded).toBe(c.text);
    const texts = codes.map((c) => c.text);
    expect(new Set(texts).size).toBe(3);
    expect(await page.getByTestId('certificate-summary').textContent()).toContain(`${String(48 - from)} of 50`);
    const timings: unknown = await page.evaluate(() => Reflect.get(window, '__walletTimings') as unknown);
    expect(Array.isArray(timings) && timings.length === 3 && timings.every((ms) => typeof ms === 'number' && ms > 0 && ms < 10_000)).toBe(true);

    // The stalls, offline too: every code at stall A (27.00 of Ann's 30.00), the first replayed at stall B (10.00).
    const [first, second, third] = texts as [string, string, string];
    const sold = [await stallA.sell(first, '1200'), await stallA.sell(second, '1000'), await stallA.sell(third, '500'), await stallB.sell(first, '1000')];
    expect(sold.map((s) => (s.ok ? 'sold' : `${s.code}: ${s.message}`))).toEqual(['sold', 'sold', 'sold', 'sold']);

    await context.setOffline(false);
    await stallA.uploadAndSettle();
    await stallB.uploadAndSettle();
    expect(stallA.counts()).toMatchObject({ settled: 3, 'double-spend': 0 });
    expect(stallB.counts()).toMatchObject({ 'double-spend': 1 });

    await page.goto(`${live().gateway.url}/wallet/#account`);
    await page.getByRole('table', { name: /Your last 4 payments/ }).waitFor();
    await shoot(page, 'ann-account');
    expect(await page.locator('[data-testid="sale"][data-outcome="double-spend"]').count()).toBe(1);
    expect(await page.getByTestId('wallet').textContent()).toBe('¥0.00');
    expect(await page.getByTestId('advance-explained').first().textContent()).toMatch(/same payment code was used twice.*¥7\.00 more than you had.*next top-up first/);
    expect(await page.getByTestId('points').textContent()).toMatch(/^[0-9,]+ points?$/);
    expect(await page.getByRole('table', { name: /Your last 4 payments/ }).textContent()).toMatch(/UTC\+8/);
    // The double spend blocked the medium: the wallet dropped its certificate and key.
    await page.getByText(/blocked: its key and certificate are deleted/).waitFor();

    // A top-up repays the advance; a refresh makes a new key (the blocked one never comes back).
    await must('POST', '/v1/top-ups', 'operator', { topUpId: `again-${ANN}`, account: ANN, amount: '5000' });
    await page.goto(`${live().gateway.url}/wallet/#pay`);
    await page.getByRole('button', { name: 'Get a certificate' }).click();
    await page.getByTestId('certificate-summary').waitFor();
    const fresh = await showCode(page);
    expect(fresh.decoded).toBe(fresh.text);
    expect(mediaIdOf(fresh.text)).not.toBe(mediaIdOf(first));

    // The desk reports the new medium lost; a stall that synced refuses its code.
    await must('POST', `/v1/media/${mediaIdOf(fresh.text)}/lost`, 'operator', { reason: 'reported at the desk' });
    await stallA.sync();
    const refused = await stallA.sell(fresh.text, '300');
    expect(refused).toMatchObject({ ok: false, code: 'DENY_LISTED' });
    // Online, the wallet learns it too and shows no more codes.
    await page.reload();
    await page.getByRole('button', { name: 'Get a certificate' }).waitFor();
    await shoot(page, 'ann-pay-after-loss');
    await context.close();
  });

  it('a second student sees only their own account, reports their phone lost, withdraws the agreement and signs out', async () => {
    const { context, page } = await phone();
    await signIn(page, BEN);
    await page.getByRole('button', { name: 'Accept the agreement' }).click();
    await page.getByTestId('certificate-summary').waitFor();
    const code = await showCode(page);
    await page.goto(`${live().gateway.url}/wallet/#account`);
    await page.getByRole('heading', { name: 'Balance' }).waitFor();
    await shoot(page, 'ben-account');
    for (const hash of ['pay', 'account', 'agreement']) {
      await page.goto(`${live().gateway.url}/wallet/#${hash}`);
      await page.locator('h1').waitFor();
      await page.waitForLoadState('networkidle');
      expect({ hash, shown: (await page.locator('body').textContent())?.includes(ANN) }).toEqual({ hash, shown: false });
    }
    // Straight to the API with Ben's token: Ann's resources are refused.
    const ben = students[BEN];
    const ann = (await must('GET', `/v1/accounts/${ANN}/media`, 'auditor')).media as { mediaId: string }[];
    expect(ann.length).toBeGreaterThan(0);
    expect((await call('GET', `/v1/accounts/${ANN}`, ben)).status).toBe(403);
    expect((await call('GET', `/v1/accounts/${ANN}/statement`, ben)).status).toBe(403);
    expect((await call('POST', `/v1/me/media/${ann[0]?.mediaId ?? ''}/lost`, ben)).status).toBe(404);
    expect((await call('GET', '/v1/me', ben)).body.account).toBe(BEN);

    // Report lost, from the phone: a confirm step, then the key and certificate are gone.
    await page.goto(`${live().gateway.url}/wallet/#account`);
    const mediaId = mediaIdOf(code.text);
    await page.locator(`li[data-media-id="${mediaId}"]`).getByRole('button', { name: 'Report lost' }).click();
    await shoot(page, 'ben-report-lost-confirm');
    await page.getByRole('button', { name: 'Yes, report lost' }).click();
    await page.getByText(/is reported lost \(deny list version [0-9]+\)/).waitFor();
    expect(await page.evaluate(() => new Promise((resolve) => {
      const open = indexedDB.open('dol-wallet');
      open.onsuccess = () => {
        const keys = open.result.transaction('kv').objectStore('kv').getAllKeys();
        keys.onsuccess = () => { resolve(keys.result.filter((k) => typeof k === 'string' && /^(key|cert):/.test(k))); };
      };
    }))).toEqual([]);
    await page.goto(`${live().gateway.url}/wallet/#pay`);
    await page.getByRole('button', { name: 'Get a certificate' }).click();
    await page.getByTestId('certificate-summary').waitFor();
    const renewed = await showCode(page);
    expect(renewed.decoded).toBe(renewed.text);
    expect(mediaIdOf(renewed.text)).not.toBe(mediaId);

    // Withdraw: a confirm step; the certificates are revoked and the phone shows no more codes.
    await page.goto(`${live().gateway.url}/wallet/#agreement`);
    await page.getByRole('button', { name: 'Withdraw agreement' }).click();
    await page.getByRole('button', { name: 'Yes, withdraw' }).click();
    await page.getByText('Agreement withdrawn.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Accept the agreement' }).waitFor();
    await shoot(page, 'ben-withdrawn');
    await page.goto(`${live().gateway.url}/wallet/#pay`);
    await page.getByRole('button', { name: 'Get a certificate' }).waitFor();
    expect(await page.getByRole('button', { name: 'Pay', exact: true }).isDisabled()).toBe(true);

    // Sign out: the token is refused from now on, and gone from the phone.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Activation code').waitFor();
    expect((await call('GET', '/v1/me', ben)).status).toBe(401);
    await page.reload();
    await page.getByLabel('Activation code').waitFor();
    await context.close();
  });

  it('shows refusals in plain words with their code, and the last answers offline marked "as of"', async () => {
    const { context, page } = await phone();
    await page.goto(`${live().gateway.url}/wallet/`);
    await page.getByLabel('Student account').fill(CAT);
    await page.getByLabel('Activation code').fill('WRONGCODE1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'INVALID_ACTIVATION:' }).filter({ hasText: 'Ask the card office for a new one' }).waitFor();
    await shoot(page, 'cat-sign-in-refused');
    await signIn(page, CAT);
    await page.getByRole('button', { name: 'Accept the agreement' }).click();
    // Accepted, but nothing to spend: the pay page says so and offers to ask again.
    await page.getByRole('alert').filter({ hasText: 'INSUFFICIENT_ALLOWANCE:' }).filter({ hasText: 'Top up your wallet' }).waitFor();
    await page.getByRole('button', { name: 'Get a certificate' }).waitFor();
    await shoot(page, 'cat-no-allowance');
    await page.goto(`${live().gateway.url}/wallet/#account`);
    await page.getByRole('heading', { name: 'Balance' }).waitFor();
    expect(await page.getByTestId('as-of').count()).toBe(0);
    await context.setOffline(true);
    await page.reload();
    await page.getByTestId('as-of').filter({ hasText: /^Offline: as of [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4}, [0-9]{2}:[0-9]{2} UTC\+8$/ }).waitFor();
    expect(await page.getByTestId('available').textContent()).toBe('¥0.00 available');
    await shoot(page, 'cat-account-offline');
    await context.close();
  });

  it('never shows a counter twice: codes strictly increase across reloads, a hidden page and a renderer crash, and a tap writes nothing while reserved counters last', async () => {
    // Room for the counters that reloads and the crash skip (up to 20 each); the run's 50 come back at the end.
    await must('PUT', '/v1/risk-policy', 'operator', { ...POLICY, certCounters: 200 });
    const { context, page } = await phone();
    // Counts the strict read-write transactions each page starts (the old wallet made one per tap).
    await context.addInitScript(() => {
      Reflect.set(window, '__strictWrites', 0);
      IDBDatabase.prototype.transaction = new Proxy(Reflect.get<IDBDatabase, 'transaction'>(IDBDatabase.prototype, 'transaction'), {
        apply(target, db: IDBDatabase, args: Parameters<IDBDatabase['transaction']>) {
          if (args[1] === 'readwrite' && args[2]?.durability === 'strict') Reflect.set(window, '__strictWrites', Number(Reflect.get(window, '__strictWrites')) + 1);
          return Reflect.apply(target, db, args);
        },
      });
    });
    const strictWrites = async (p: Page): Promise<number> => Number(await p.evaluate(() => Reflect.get(window, '__strictWrites') as unknown));
    /** The high-water mark on disk: every counter below it may have been shown. */
    const mark = (p: Page, mediaId: string): Promise<unknown> => p.evaluate((key) => new Promise<unknown>((resolve, reject) => {
      const open = indexedDB.open('dol-wallet');
      open.onerror = () => { reject(new Error('no wallet database')); };
      open.onsuccess = () => {
        const get = open.result.transaction('kv').objectStore('kv').get(key);
        get.onsuccess = () => { resolve(get.result); };
      };
    }), `ctr:${mediaId}`);
    const shown: number[] = [];
    const pay = async (p: Page, taps: number): Promise<number[]> => {
      const ctrs: number[] = [];
      for (let i = 0; i < taps; i++) ctrs.push((await showCode(p, false)).ctr);
      shown.push(...ctrs);
      return ctrs;
    };
    await signIn(page, DAN);
    await page.getByRole('button', { name: 'Accept the agreement' }).click();
    await page.getByTestId('certificate-summary').waitFor();
    const first = await showCode(page);
    expect(first.decoded).toBe(first.text);
    const mediaId = mediaIdOf(first.text);
    shown.push(first.ctr);

    // Fifteen taps in a row: one after another, and at most a few strict writes (reservations ahead), not fifteen.
    const before = await strictWrites(page);
    const run1 = await pay(page, 15);
    expect(run1).toEqual(run1.map((_, i) => first.ctr + 1 + i));
    expect(await strictWrites(page) - before).toBeLessThanOrEqual(3);
    expect(Number(await mark(page, mediaId))).toBeGreaterThan(run1[run1.length - 1] ?? Infinity);

    // A reload starts above every code shown (skipping the rest of the reservation).
    await page.reload();
    const run2 = await pay(page, 3);
    expect(run2[0]).toBeGreaterThan(run1[run1.length - 1] ?? Infinity);

    // Hidden (the student switched apps), the page gives its unused counters back: the next page goes on without a gap.
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const next = (run2[run2.length - 1] ?? 0) + 1;
    for (let wait = 0; wait < 100 && (await mark(page, mediaId)) !== next; wait++) await page.waitForTimeout(50);
    expect(await mark(page, mediaId)).toBe(next);
    await page.reload();
    const run3 = await pay(page, 2);
    expect(run3).toEqual([next, next + 1]);

    // The renderer crashes right after a code is shown: a new page starts above it all the same.
    const crashed = page.waitForEvent('crash');
    const cdp = await context.newCDPSession(page);
    cdp.send('Page.crash').catch(() => undefined);
    await crashed;
    const again = await context.newPage();
    again.on('pageerror', (error) => pageFaults.push(`page error: ${error.message}`));
    await again.goto(`${live().gateway.url}/wallet/#pay`);
    const run4 = await pay(again, 3);
    expect(run4[0]).toBeGreaterThan(run3[run3.length - 1] ?? Infinity);
    const scanned = await showCode(again);
    expect(scanned.decoded).toBe(scanned.text);
    shown.push(scanned.ctr);

    // All told: strictly increasing, so never one twice (counters may be skipped, never reused).
    expect(shown.every((ctr, i) => i === 0 || ctr > (shown[i - 1] ?? Infinity))).toBe(true);
    expect(new Set(shown).size).toBe(shown.length);
    await context.close();
    await must('PUT', '/v1/risk-policy', 'operator', POLICY);
  });

  it('a graduate downloads their clearance record showing only what they choose; it verifies at the gateway, and no other student can fetch it', async () => {
    const { context, page } = await phone();
    await signIn(page, EVE);
    await must('POST', `/v1/clearances/${EVE}/begin`, 'registrar');
    await must('POST', `/v1/clearances/${EVE}/complete`, 'registrar', { resolutions: [] });
    await page.goto(`${live().gateway.url}/wallet/#account`);
    await page.getByRole('heading', { name: 'Clearance record' }).waitFor();
    // Not issued yet: the refusal in plain words, with its code.
    await page.getByRole('button', { name: 'Download my clearance record' }).click();
    await page.getByText(/NOT_FOUND/).waitFor();
    await must('POST', `/v1/clearances/${EVE}/record`, 'registrar');
    await page.getByLabel('the ledger transaction that closed it').uncheck();
    await shoot(page, 'eve-clearance');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download my clearance record' }).click()]);
    expect(download.suggestedFilename()).toBe(`clearance-record-${EVE}.json`);
    const record = JSON.parse(readFileSync(await download.path(), 'utf8')) as { disclosures: { name: string; value: string }[] };
    expect(record.disclosures.map((d) => [d.name, d.value])).toEqual([['account', EVE], ['clearedOn', expect.stringMatching(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/)], ['debtLeft', '0']]);
    const verified = await call('POST', '/v1/clearance-records/verify', undefined, record);
    expect(verified.body).toMatchObject({ valid: true, claims: { account: EVE, debtLeft: '0' }, hidden: ['closingTx'] });
    // Another student's session reaches only their own record: Ann has none.
    const { code } = await must('POST', `/v1/accounts/${ANN}/activation-codes`, 'finance');
    const ann = await call('POST', '/v1/student-activations', undefined, { account: ANN, code });
    expect((await call('GET', '/v1/me/clearance-record', String(ann.body.token))).body.code).toBe('NOT_FOUND');
    await context.close();
  });

  it('threw nothing and broke no rule of the content security policy on any page', () => {
    expect(pageFaults).toEqual([]);
  });
});
