import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { randomBytes } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '@dol/bench';
import { GatewayClient, buildScenario, generateSigningKey, runScenario, signJws } from '@dol/scripts';
import { formatFunding, formatMoney, formatPoints } from '../console/src/format';

/**
 * The web console in a real browser: Debian's Chromium, headless, driven by Playwright, against
 * the real gateway (embedded ledger) with a canteen scenario loaded. Each role's main flow is
 * clicked through, refusals are shown with the API's problem, every page gets a screenshot
 * (test/artifacts/console/, at desktop and at a phone's width) and basic accessibility checks.
 * For the issuing side a student is certified through the API first (as the wallet does), so that
 * the auditor has exposure to read and the operator a medium to report lost. `.ci/run` installs Chromium.
 */
const ROOT = join(__dirname, '..');
const SHOTS = join(ROOT, 'test', 'artifacts', 'console');
const README_SHOTS = process.env.DOL_README_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : undefined;
const CHROMIUM = process.env.DOL_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** Landmarks, one h1, labelled inputs, named buttons and charts, a language: what every page must have. */
async function accessibilityProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    if (document.documentElement.lang === '') problems.push('html has no lang');
    if (document.querySelectorAll('main').length !== 1) problems.push('not exactly one main landmark');
    if (document.querySelectorAll('h1').length !== 1) problems.push(`${String(document.querySelectorAll('h1').length)} h1 headings`);
    for (const el of document.querySelectorAll('input, select')) {
      if (el.id === '' || document.querySelector(`label[for="${el.id}"]`) === null) problems.push(`unlabelled ${el.tagName.toLowerCase()} ${el.id}`);
    }
    for (const b of document.querySelectorAll('button')) if (b.textContent.trim() === '') problems.push('button without a name');
    for (const s of document.querySelectorAll('svg:not([aria-hidden="true"])')) if (s.getAttribute('aria-label') === null) problems.push('chart without a name');
    for (const t of document.querySelectorAll('table')) if (t.querySelector('caption') === null) problems.push('table without a caption');
    const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
    if (new Set(ids).size !== ids.length) problems.push('duplicate ids');
    return problems;
  });
}

/** How far a page reaches past a phone's width (0 when it fits), and the widest thing that does. */
async function phoneOverflow(page: Page): Promise<{ overflow: number; widest: string }> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    let widest = '';
    let right = width;
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect().right;
      // What scrolls inside its own box (wide tables) does not widen the page.
      if (r > right && el.closest('.scroll') === null) {
        right = r;
        widest = `${el.tagName.toLowerCase()}${el.getAttribute('class') === null ? '' : `.${el.getAttribute('class') ?? ''}`}`;
      }
    }
    return { overflow: document.documentElement.scrollWidth - width, widest };
  });
}

/** A field of an API answer as text, or the test stops: what the issuing side's answers must carry. */
function fieldOf(answer: unknown, key: string): string {
  const v = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>)[key] : undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`the answer has no ${key}: ${JSON.stringify(answer)}`);
  return String(v);
}

describe('web console in Chromium', () => {
  const now = Date.now();
  const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 8 });
  const schema = `console_test_${randomBytes(4).toString('hex')}`;
  let gateway: TestGateway | undefined;
  let browser: Browser | undefined;
  let terminalToken = '';
  let debtor = '';
  /** A student who signed in, accepted the agreement and got a wallet certificate: exposure to show, a medium to report lost. */
  const student = `s-console-${schema.slice(-8)}`;
  let mediaId = '';
  /** What its certificate allows (minor units): the top-up, or less if the risk policy caps certificates lower. */
  let cap = '';

  beforeAll(async () => {
    if (CHROMIUM === undefined) throw new Error('Chromium not found (install Debian\'s chromium package, as .ci/run does, or set DOL_CHROMIUM)');
    mkdirSync(SHOTS, { recursive: true });
    const started = await startTestGateway({ pool, schema, now, runWorker: true, workers: 2 });
    gateway = started;
    const api = new GatewayClient(started.url, started.tokens);
    // The daily close is left to the operator's page (the scenario would pay every merchant at its end).
    const scenario = buildScenario({ students: 240, terminals: 8, seed: 7, now, batchSize: 15, dailyClose: false });
    const settle = async (): Promise<void> => {
      while ((await started.store.depth()) > 0) await new Promise((r) => setTimeout(r, 100));
    };
    const report = await runScenario(scenario, api, settle, undefined, 4);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    const issued = await fetch(`${started.url}/v1/terminals/pos-000/credentials`, { method: 'POST', headers: { authorization: `Bearer ${started.tokens.operator}` } });
    terminalToken = ((await issued.json()) as { token: string }).token;
    const debts = (await (await fetch(`${started.url}/v1/debts`, { headers: { authorization: `Bearer ${started.tokens.auditor}` } })).json()) as { debts: { account: string; status: string }[] };
    debtor = debts.debts.find((d) => d.status === 'active')?.account ?? '';
    expect(debtor).not.toBe('');
    ({ mediaId, cap } = await certifiedStudent(started, api));
    // A site's edge node (it uploads no batches): the batch chains must not list it among the terminals.
    const site = ((await api.must('GET', '/v1/terminals', 'operator')) as { terminalId: string; merchantId: string }[]).find((t) => t.terminalId === 'pos-000');
    await api.must('POST', '/v1/terminals', 'operator', { terminalId: 'edge-console', merchantId: site?.merchantId ?? '', publicKey: generateSigningKey('ES256').jwk, role: 'edge' });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  });

  /** The issuing side through the API, as the wallet does it (test/issuance.test.ts): the medium id of the certified wallet key. */
  async function certifiedStudent(started: TestGateway, api: GatewayClient): Promise<{ mediaId: string; cap: string }> {
    const asStudent = async (token: string, path: string, body: unknown): Promise<unknown> => {
      const res = await fetch(`${started.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const answer: unknown = await res.json();
      if (!res.ok) throw new Error(`POST ${path} answered ${String(res.status)}: ${JSON.stringify(answer)}`);
      return answer;
    };
    await api.must('PUT', '/v1/agreement', 'operator', { text: 'Direct-debit agreement (console test): what I spend offline is charged to my account.' });
    await api.must('POST', '/v1/accounts', 'finance', { account: student, group: 'ug-2026', creditLine: '0' });
    await api.must('POST', '/v1/top-ups', 'operator', { topUpId: `seed-${student}`, account: student, amount: '31415' });
    const code = fieldOf(await api.must('POST', `/v1/accounts/${student}/activation-codes`, 'finance'), 'code');
    const token = fieldOf(await api.must('POST', '/v1/student-activations', undefined, { account: student, code }), 'token');
    const agreement = await api.must('GET', '/v1/agreement', undefined);
    const key = generateSigningKey('ES256');
    await asStudent(token, '/v1/me/agreement', { acceptance: signJws(key, {
      typ: 'agreement', v: 1, account: student, version: Number(fieldOf(agreement, 'version')), textHash: fieldOf(agreement, 'textHash'), jwk: key.jwk, iat: Date.now(),
    }) });
    const cert = await asStudent(token, '/v1/me/certificates', { request: signJws(key, { typ: 'cert-request', v: 1, account: student, jwk: key.jwk, iat: Date.now() }) });
    const capTotal = BigInt(fieldOf(cert, 'capTotal'));
    expect(capTotal > 0n && capTotal <= 31415n).toBe(true);
    return { mediaId: fieldOf(cert, 'mediaId'), cap: capTotal.toString() };
  }

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  /** The gateway and browser beforeAll started. */
  const live = (): { gateway: TestGateway; browser: Browser } => {
    if (gateway === undefined || browser === undefined) throw new Error('beforeAll did not start the gateway and the browser');
    return { gateway, browser };
  };

  /** What the API answers an auditor: what the console must show. */
  async function auditorGet(path: string): Promise<unknown> {
    const res = await fetch(`${live().gateway.url}${path}`, { headers: { authorization: `Bearer ${live().gateway.tokens.auditor}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as unknown;
  }

  async function signedIn(token: string): Promise<Page> {
    const page = await live().browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${live().gateway.url}/console/`);
    await page.getByLabel('API credential').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    return page;
  }

  async function visit(page: Page, name: string, hash: string, ready: (p: Page) => Promise<unknown>): Promise<void> {
    await page.goto(`${live().gateway.url}/console/#${hash}`);
    await ready(page);
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    if (README_SHOTS !== undefined && /-(books|statement|hour|fraud|clearance|terminals|close|payout-check)$/.test(name)) {
      mkdirSync(README_SHOTS, { recursive: true });
      await page.screenshot({ path: join(README_SHOTS, `${name}.png`) });
    }
    expect({ page: name, problems: await accessibilityProblems(page) }).toEqual({ page: name, problems: [] });
    // At a phone's width the page fits: nothing but a wide table (scrolling in its own box) reaches past the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SHOTS, `${name}-phone.png`), fullPage: true });
    expect({ page: name, ...(await phoneOverflow(page)) }).toEqual({ page: name, overflow: 0, widest: '' });
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  it('auditor: the books, a statement with a proof, batch chains with the gap marked, double spends side by side, debts, the canteen hour', async () => {
    const page = await signedIn(live().gateway.tokens.auditor);
    await visit(page, 'auditor-books', 'books', (p) => p.getByTestId('invariant').filter({ hasText: 'Holds' }).waitFor());
    expect(await page.getByRole('table', { name: /Totals per account class/ }).textContent()).toContain('wallet');
    // Issue 32: the points books are whole points, not yuan; the debts by age end without a stray ";".
    const issued = page.getByRole('table', { name: /Totals per account class/ }).getByRole('row').filter({ hasText: 'points-issued' });
    expect(await issued.getByRole('cell').nth(1).textContent()).toMatch(/^-?[0-9]{1,3}(,[0-9]{3})* points$/);
    expect(await page.getByTestId('debts-by-age').textContent()).toMatch(/^[^;]+ days: -?[0-9,]+\.[0-9]{2}(; [^;]+ days: -?[0-9,]+\.[0-9]{2})*$/);
    await visit(page, 'auditor-statement', 'statement', async (p) => {
      await p.getByLabel('Student account').fill(debtor);
      await p.getByRole('button', { name: 'Show statement' }).click();
      await p.getByText('Postings prove every balance.').waitFor();
      await p.getByRole('button', { name: /proof/ }).first().click();
      await p.getByText(/block [0-9]+, VALID/).first().waitFor();
    });
    // Points are points, not money; times say their zone; the proof stands on a line of its own.
    const statementText = await page.locator('main').textContent() ?? '';
    // Issue 32: balances under readable names (the raw book in the title), points as whole points; the opening row says what it is.
    const balances = page.getByTestId('balances');
    expect(await balances.locator('dt').allTextContents()).toEqual(['Wallet', 'Credit line', 'Advance', 'Campus points']);
    expect(await balances.locator('dt').first().getAttribute('title')).toBe(`wallet:${debtor}`);
    expect(await balances.locator('dd').nth(3).textContent()).toMatch(/^[0-9,]+ points$/);
    expect(await balances.locator('dd').first().textContent()).toMatch(/^-?[0-9,]+\.[0-9]{2}$/);
    expect(await balances.textContent()).not.toContain(':');
    await page.getByRole('table', { name: /Entries/ }).getByText('account opened (no money moved)').waitFor();
    expect(statementText).toMatch(/points-issued → points:[a-z0-9-]+ [0-9,]+ points/);
    expect(statementText).toMatch(/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC/);
    expect(await page.locator('.proof').first().evaluate((el) => getComputedStyle(el).display)).toBe('block');
    expect(await page.getByLabel('Student account').getAttribute('placeholder')).toMatch(/s[0-9]{5}$/);
    // The statement as a CSV file: the same postings.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Download CSV/ }).click()]);
    const file = await download.path();
    const csv = readFileSync(file, 'utf8').split('\r\n').filter((l) => l !== '');
    expect(csv[0]).toBe('account,at,atUtc,txId,from,to,amount,ref,bySubject,byRole,byOrg,walletAfter,creditAfter,advanceAfter,pointsAfter');
    const statement = (await (await fetch(`${live().gateway.url}/v1/accounts/${debtor}/statement`, { headers: { authorization: `Bearer ${live().gateway.tokens.auditor}` } })).json()) as { entries: { postings: unknown[] }[] };
    expect(csv.length - 1).toBe(statement.entries.reduce((n, e) => n + Math.max(1, e.postings.length), 0)); // the opening (no postings) is a row too
    expect(csv.slice(1).every((l) => l.startsWith(`${debtor},`))).toBe(true);
    await visit(page, 'auditor-chains', 'chains', async (p) => {
      await p.getByTestId('chain-summary').waitFor();
      await p.getByRole('button', { name: 'pos-004' }).click();
      await p.getByText(/GAP: /).first().waitFor();
    });
    // Issue 32: an overview of the chains that need a look above the chips, and no edge among the terminals.
    const terminals = (await auditorGet('/v1/terminals')) as { terminalId: string; role?: string }[];
    expect(await page.getByTestId('chain-summary').textContent()).toMatch(/^[0-9]+ of [0-9]+ terminals' chains are whole; [1-9][0-9]* ha(s|ve) gaps, forks or breaks\.$/);
    const flagged = page.getByRole('table', { name: /Chains with gaps, forks or breaks/ });
    expect(await flagged.getByRole('row').filter({ hasText: 'pos-004' }).getByRole('cell').nth(2).textContent()).toMatch(/^[1-9][0-9]*$/);
    const chips = await page.getByRole('navigation', { name: 'terminals' }).getByRole('button').allTextContents();
    expect(chips.sort()).toEqual(terminals.filter((t) => t.role !== 'edge').map((t) => t.terminalId).sort());
    expect(chips.length).toBeLessThan(terminals.length);
    await visit(page, 'auditor-fraud', 'fraud', (p) => p.getByRole('table', { name: /Double-spend cases/ }).locator('tbody tr td').first().waitFor());
    expect(await page.locator('.sale').count()).toBeGreaterThanOrEqual(2);
    // Issue 32: the case id shortened (in full in its title); the earlier sale before the later one, by time of sale.
    const caseId = page.getByRole('table', { name: /Double-spend cases/ }).locator('tbody tr td abbr').first();
    expect(await caseId.getAttribute('title')).toMatch(/^[0-9a-f]{64}(\.[0-9]+)?:[0-9]+$/);
    expect((await caseId.textContent())?.length).toBeLessThan(20);
    for (const row of await page.getByRole('table', { name: /Double-spend cases/ }).locator('tbody tr').all()) {
      const [earlier = '', later = ''] = (await row.locator('.sale').allTextContents()).map((t) => / at ([0-9-]+ [0-9:]+)/.exec(t)?.[1] ?? '');
      expect(earlier !== '' && later !== '' && earlier <= later).toBe(true);
    }
    // Issue 31: each sale shows its funding as GET /v1/payments/{id} answers it. The scenario waited
    // until no charge awaited funding, so every one is decided (the wallet, the credit line or an advance).
    const sales = await page.locator('.sale').all();
    for (const s of sales.slice(0, 4)) {
      const paymentId = (await s.textContent())?.split(' ')[0] ?? '';
      const shown = await s.locator('.funding').textContent();
      expect({ paymentId, shown }).toEqual({ paymentId, shown: `Funding: ${formatFunding(await auditorGet(`/v1/payments/${encodeURIComponent(paymentId)}`))}` });
      expect(shown).toMatch(/^Funding: by (the wallet|the credit line|an advance): wallet [0-9,]+\.[0-9]{2}, credit line [0-9,]+\.[0-9]{2}, advance [0-9,]+\.[0-9]{2}; [0-9,]+ points/);
    }
    await visit(page, 'auditor-debts', 'debts', (p) => p.getByRole('table', { name: /Open debts/ }).waitFor());
    // Issue 32: one account's debts found by its id (GET /v1/debts?account=), then every account's again.
    await page.getByLabel('Find account').fill(debtor);
    await page.getByRole('button', { name: 'Find debts' }).click();
    const found = page.getByRole('table', { name: new RegExp(`Open debts with ageing of ${debtor}`) });
    await found.waitFor();
    expect(await found.locator('tbody tr').count()).toBe(1);
    expect(await found.locator('tbody tr td').first().textContent()).toBe(debtor);
    await page.getByRole('button', { name: 'Show all' }).click();
    await page.getByRole('table', { name: /^Open debts with ageing \(/ }).waitFor();
    await visit(page, 'auditor-hour', 'hour', (p) => p.getByRole('img', { name: /Payments per minute by outcome/ }).waitFor());
    expect(await page.locator('svg rect').count()).toBeGreaterThan(10);
    // Charts an auditor reads at a glance: titles above, a few y ticks with gridlines, a continuous
    // time axis, and one meaning per colour on the page.
    const charts = await page.locator('figure').evaluateAll((figures) => figures.map((f) => ({
      titleFirst: f.firstElementChild?.tagName === 'FIGCAPTION',
      yTicks: [...f.querySelectorAll('svg text[text-anchor="end"]')].length,
      gridlines: [...f.querySelectorAll('svg line')].filter((l) => l.getAttribute('stroke') === '#ddd').length,
      colours: [...new Set([...f.querySelectorAll('svg rect')].map((r) => r.getAttribute('fill')))],
    })));
    // Issue 32: the exceptions (double spends, rejections) on a scale of their own, in the outcomes' colours.
    expect(charts).toHaveLength(3);
    for (const c of charts) {
      expect(c.titleFirst).toBe(true);
      expect(c.yTicks).toBeGreaterThanOrEqual(3);
      expect(c.gridlines).toBeGreaterThanOrEqual(2);
    }
    const [outcomeColours, lagColours] = [charts[0]?.colours ?? [], charts[1]?.colours ?? []];
    expect(outcomeColours.filter((c) => lagColours.includes(c))).toEqual([]);
    expect((charts[2]?.colours ?? []).every((c) => outcomeColours.includes(c))).toBe(true);
    await page.getByRole('img', { name: /^Exceptions per .*double spends, rejections/ }).waitFor();
    expect(await page.getByRole('table', { name: /Outcomes in the window/ }).textContent()).toContain('double-spend');
    // The setup's sale, hours before the rush, is outside the window (said so), until "Whole day" is ticked.
    expect(await page.getByTestId('hour-window').textContent()).toMatch(/outside it .* not drawn/);
    const windowBars = await page.locator('figure').first().locator('svg rect').count();
    await page.getByLabel('Whole day').check();
    await page.getByTestId('hour-window').filter({ hasText: /^[0-9,]+ payments\.$/ }).waitFor();
    // One canteen of the scenario: fewer payments than all of them.
    await page.getByLabel('Whole day').uncheck();
    const all = (await page.getByRole('table', { name: /Outcomes in the window/ }).locator('tbody td:nth-child(2)').allTextContents()).reduce((s, t) => s + Number(t.replace(/,/g, '')), 0);
    await page.getByLabel(/^Canteen/).selectOption('canteen-north');
    await page.waitForFunction((n) => {
      const cells = [...document.querySelectorAll('table caption')].find((c) => c.textContent.startsWith('Outcomes in the window'))?.closest('table')?.querySelectorAll('tbody td:nth-child(2)') ?? [];
      const total = [...cells].reduce((s, c) => s + Number(c.textContent.replace(/,/g, '')), 0);
      return total > 0 && total < n;
    }, all);
    expect(windowBars).toBeGreaterThan(0);
    expect(await page.locator('figcaption').first().textContent()).toMatch(/UTC/);
    // An auditor trying to write is refused by the API, and the console shows its problem.
    await visit(page, 'auditor-refused-payout', 'payouts', async (p) => {
      await p.getByLabel('Merchant').selectOption('canteen-north');
      await p.getByRole('button', { name: 'Pay this merchant…' }).click();
      await p.getByRole('button', { name: 'Confirm: pay this merchant' }).click();
      await p.getByRole('alert').filter({ hasText: 'Refused: ACCESS_DENIED' }).waitFor();
    });
    await page.close();
  });

  it('auditor: the points roll-forward for a period, as the API answers it, reconciled, and as CSV', async () => {
    const page = await signedIn(live().gateway.tokens.auditor);
    const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
    const [from, to] = [day(Date.now() - 30 * 86_400_000), day(Date.now())];
    await visit(page, 'auditor-points', 'points', (p) => p.getByTestId('rf-reconciled').waitFor());
    const r = await auditorGet(`/v1/points/roll-forward?from=${from}&to=${to}`);
    const shown = async (id: string): Promise<string> => (await page.getByTestId(`rf-${id}`).textContent()) ?? '';
    for (const [id, sign] of [['opening', ''], ['issued', '+ '], ['redeemed', '− '], ['expired', '− '], ['closing', '= ']] as const) {
      expect(await shown(id)).toBe(`${sign}${formatPoints(fieldOf(r, id))}`);
    }
    expect(await shown('compensated')).toBe(formatMoney(fieldOf(r, 'compensated')));
    expect(await shown('reconciled')).toMatch(/^yes/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Download CSV/ }).click()]);
    const csv = readFileSync(await download.path(), 'utf8').split('\r\n').filter((l) => l !== '');
    expect(csv[0]).toBe('from,to,line,unit,amount,reconciled');
    expect(csv[5]).toBe(`${from},${to},closing,points,${fieldOf(r, 'closing')},true`);
  });

  it('auditor: the offline exposure, largest first, searchable, as CSV, and the student\'s media on the statement', async () => {
    const page = await signedIn(live().gateway.tokens.auditor);
    const exposure = await auditorGet('/v1/exposure');
    await visit(page, 'auditor-exposure', 'exposure', (p) => p.getByRole('table', { name: /Exposure by account/ }).waitFor());
    expect(await page.getByTestId('exposure-total').textContent()).toBe(formatMoney(fieldOf(exposure, 'total')));
    expect(await page.locator('main').textContent()).toContain('what the live media certificates still allow');
    // Largest first: the shown column never grows down the page.
    const shown = (await page.getByRole('table', { name: /Exposure by account/ }).locator('tbody td:nth-child(2)').allTextContents()).map((t) => BigInt(t.replace(/[,.]/g, '')));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((v, i) => i === 0 || v <= (shown[i - 1] ?? v))).toBe(true);
    // Search by account: only the matches, and "none" when nothing matches.
    await page.getByLabel('Find account').fill(student.slice(-8));
    const row = page.getByRole('table', { name: /Exposure by account/ }).locator('tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.getByRole('cell').allTextContents()).toEqual([student, formatMoney(cap), '1']);
    await page.getByLabel('Find account').fill('no-such-account');
    await page.getByRole('table', { name: /matching/ }).getByText('none').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Download CSV/ }).click()]);
    const csv = readFileSync(await download.path(), 'utf8').split('\r\n').filter((l) => l !== '');
    expect(csv[0]).toBe('account,exposure,liveCertificates,asOf,asOfUtc');
    expect(csv.filter((l) => l.startsWith(`${student},${cap},1,`))).toHaveLength(1);
    expect(csv).toHaveLength(1 + Number(fieldOf(exposure, 'accounts')));
    // The statement shows the account's media: the medium shortened, in full in its title, its live certificate.
    await visit(page, 'auditor-statement-media', 'statement', async (p) => {
      await p.getByLabel('Student account').fill(student);
      await p.getByRole('button', { name: 'Show statement' }).click();
      await p.getByRole('table', { name: new RegExp(`Media of ${student}`) }).waitFor();
    });
    expect(await page.getByTestId('account-exposure').textContent()).toBe(formatMoney(cap));
    const medium = page.getByRole('table', { name: /Media of/ }).locator('abbr');
    expect(await medium.getAttribute('title')).toBe(mediaId);
    expect((await medium.textContent())?.length).toBeLessThan(20);
    expect(await page.getByRole('table', { name: /Media of/ }).textContent()).toContain(`live: spent 0.00 of ${formatMoney(cap)}`);
    await page.getByText(/Agreement version [0-9]+ accepted .* in force/).waitFor();
    await page.close();
  });

  it('registrar: finds a student, begins clearance, resolves every debt, closes the account, each step showing its ledger transaction', async () => {
    const page = await signedIn(live().gateway.tokens.registrar);
    await visit(page, 'registrar-clearance', 'clearance', async (p) => {
      await p.getByLabel('Student account').fill(debtor);
      await p.getByRole('button', { name: 'Find student' }).click();
      await p.getByRole('heading', { name: `${debtor}: active` }).waitFor();
    });
    await page.getByRole('button', { name: 'Begin clearance' }).click();
    await page.getByRole('heading', { name: 'Clearance begun' }).waitFor();
    await page.getByRole('heading', { name: `${debtor}: clearing` }).waitFor();
    for (const ref of await page.getByLabel(/Reference for the/).all()) await ref.fill('board-2026-12');
    const debt = (await page.getByLabel(/Resolve the advance debt/).count()) > 0 ? 'advance' : 'credit';
    // Issue 32: no resolution is assumed; completing before choosing each one is refused in the page.
    for (const pick of await page.getByLabel(/Resolve the/).all()) expect(await pick.inputValue()).toBe('');
    await page.getByRole('button', { name: 'Complete and close' }).click();
    await page.getByRole('alert').filter({ hasText: /Not sent: choose how the .*debt.* resolved/ }).waitFor();
    for (const other of await page.getByLabel(/Resolve the/).all()) await other.selectOption('collected');
    await page.getByLabel(new RegExp(`Resolve the ${debt} debt`)).selectOption('waived');
    // Four eyes: the waiver is refused until a second registrar approves it.
    await page.getByRole('button', { name: 'Complete and close' }).click();
    await page.getByRole('alert').filter({ hasText: 'Refused: FOUR_EYES_REQUIRED' }).waitFor();
    const second = await signedIn((await live().gateway.store.staff.issue('registrar', 'reg-second', 1, 'console-test')).token);
    await second.goto(`${live().gateway.url}/console/#clearance`);
    await second.getByLabel('Student account').fill(debtor);
    await second.getByRole('button', { name: 'Find student' }).click();
    await second.getByRole('button', { name: `Approve waiving the ${debt} debt (second registrar)` }).click();
    await second.getByRole('heading', { name: `Waiver of the ${debt} debt approved` }).waitFor();
    await second.screenshot({ path: join(SHOTS, 'registrar-waiver-approved.png'), fullPage: true });
    await second.close();
    await page.getByRole('button', { name: 'Complete and close' }).click();
    await page.getByRole('heading', { name: 'Clearance completed: account closed' }).waitFor();
    await page.getByText(/approved by reg-second, waived by registrar/).waitFor();
    await page.getByRole('heading', { name: `${debtor}: closed` }).waitFor();
    expect(await page.getByTestId('tx-id').count()).toBe(2);
    expect((await page.getByTestId('tx-id').first().textContent())?.trim()).toMatch(/^[0-9a-f]{64}$/);
    await page.screenshot({ path: join(SHOTS, 'registrar-clearance-done.png'), fullPage: true });
    await page.close();
  });

  it("anyone: verifies the graduate's clearance record on the gateway's public page, and refuses it once one byte is changed", async () => {
    const { url, tokens } = live().gateway;
    const issued = await fetch(`${url}/v1/clearances/${debtor}/record`, { method: 'POST', headers: { authorization: `Bearer ${tokens.registrar}` } });
    expect(issued.status).toBe(201);
    const res = await fetch(`${url}/v1/clearances/${debtor}/record?show=account,clearedOn,debtLeft`, { headers: { authorization: `Bearer ${tokens.registrar}` } });
    const record = await res.text();
    const page = await live().browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${url}/console/verify.html`);
    await page.getByLabel('or its text').fill(record);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('verified').waitFor();
    expect(await page.getByRole('heading', { name: /Genuine/ }).count()).toBe(1);
    expect(await page.locator('[data-claim="account"]').textContent()).toBe(debtor);
    expect(await page.locator('[data-claim="debtLeft"]').textContent()).toBe('0');
    expect(await page.locator('main').textContent()).toContain('Not shown by the graduate: Transaction that closed the account');
    await page.screenshot({ path: join(SHOTS, 'verify-clearance.png'), fullPage: true });
    expect({ page: 'verify', problems: await accessibilityProblems(page) }).toEqual({ page: 'verify', problems: [] });
    await page.getByLabel('or its text').fill(record.replace(`"value":"${debtor}"`, `"value":"${debtor.slice(0, -1)}${debtor.endsWith('0') ? '1' : '0'}"`));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText(/CLEARANCE_RECORD_INVALID/).waitFor();
    expect(await page.getByTestId('verified').count()).toBe(0);
    await page.close();
  });

  it('operator: terminals with their last batch, the deny list by version, advances, a merchant payout with its transaction', async () => {
    const page = await signedIn(live().gateway.tokens.operator);
    await visit(page, 'operator-terminals', 'terminals', (p) => p.getByRole('table', { name: /Terminals/ }).getByText('pos-000').waitFor());
    // Issue 32: each terminal's last batch with the time it settled.
    const pos000 = page.getByRole('table', { name: /Terminals/ }).getByRole('row').filter({ hasText: 'pos-000' });
    expect(await pos000.getByRole('cell').nth(4).textContent()).toMatch(/^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC/);
    await visit(page, 'operator-deny', 'deny', (p) => p.getByRole('table', { name: /Deny-list entries/ }).waitFor());
    // Issue 32: the operator's own entry, with its date, reason and author, then lifted; terminals' lists follow.
    const finance = await fetch(`${live().gateway.url}/v1/accounts`, { method: 'POST', headers: { authorization: `Bearer ${live().gateway.tokens.finance}`, 'content-type': 'application/json' }, body: JSON.stringify({ account: 'deny-console', group: 'ug-2026', creditLine: '0' }) });
    expect(finance.status).toBe(201);
    await page.getByLabel('Kind').selectOption('account');
    await page.getByLabel('Account or medium id').fill('deny-console');
    await page.getByLabel('Reason').fill('card reported cloned');
    await page.getByRole('button', { name: 'Deny-list' }).click();
    await page.getByRole('heading', { name: 'account deny-console deny-listed' }).waitFor();
    const version = (await page.getByTestId('deny-version').textContent()) ?? '';
    const denyTable = page.getByRole('table', { name: /Deny-list entries/ });
    const listed = denyTable.getByRole('row').filter({ hasText: 'card reported cloned' });
    await listed.waitFor();
    const cells = await listed.getByRole('cell').allTextContents();
    expect(cells.slice(0, 7)).toEqual([version, expect.stringMatching(/^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC/), 'account', 'deny-console', 'listed', 'card reported cloned', expect.stringMatching(/ \(operator\)$/)]);
    const denied = async (): Promise<boolean> => (await auditorGet('/v1/deny-list?since=0') as { entries: { id: string; action?: string }[] }).entries.filter((e) => e.id === 'deny-console').length % 2 === 1;
    expect(await denied()).toBe(true);
    await listed.getByRole('button', { name: `Lift version ${version}…` }).click();
    await page.getByRole('group', { name: `Lift deny-list version ${version} (account deny-console)?` }).waitFor();
    await page.getByLabel('Why it is lifted').fill('the card was not cloned');
    await page.getByRole('button', { name: 'Confirm: lift' }).click();
    await page.getByRole('heading', { name: `Version ${version} lifted` }).waitFor();
    await denyTable.getByRole('row').filter({ hasText: `lifts version ${version}` }).filter({ hasText: 'the card was not cloned' }).waitFor();
    await denyTable.getByRole('row').filter({ hasText: 'card reported cloned' }).getByText(/^listed; lifted at version [0-9]+, [0-9-]+ [0-9:]+ UTC/).waitFor();
    expect(await denied()).toBe(false);
    // Every entry has its date, the ledger's own too (a clearance, a double spend, named "the ledger"); long case ids shortened.
    expect((await denyTable.locator('tbody tr td:nth-child(2)').allTextContents()).filter((t) => !/^[0-9]{4}-[0-9]{2}-[0-9]{2} /.test(t))).toEqual([]);
    expect(await denyTable.getByRole('row').filter({ hasText: 'graduation clearance' }).first().getByRole('cell').last().textContent()).toBe('—');
    expect(await denyTable.getByRole('row').filter({ hasText: 'graduation clearance' }).first().getByRole('cell').nth(6).textContent()).toBe('the ledger');
    expect(await denyTable.getByRole('row').filter({ hasText: 'double spend, case' }).first().getByRole('cell').nth(5).textContent()).toMatch(/^double spend, case [0-9a-f]{8}…[0-9a-f]{4}(\.[0-9]+)?:[0-9]+$/);
    await page.screenshot({ path: join(SHOTS, 'operator-deny-lifted.png'), fullPage: true });
    await visit(page, 'operator-advances', 'advances', (p) => p.getByRole('table', { name: /Advances by account/ }).waitFor());
    // Issue 32: a merchant picked from the list, its history, and a confirmation before it is paid.
    await visit(page, 'operator-payouts', 'payouts', async (p) => {
      await p.getByLabel('Merchant').selectOption('canteen-north');
      await p.getByText(/^North canteen|canteen-north: unpaid/).first().waitFor();
      await p.getByRole('button', { name: 'Pay this merchant…' }).click();
      await p.getByRole('group', { name: /^Pay .* now\?$/ }).waitFor();
      await p.getByRole('button', { name: 'Confirm: pay this merchant' }).click();
      await p.getByText(/Paid [0-9,]+\.[0-9]{2} to canteen-north/).waitFor();
    });
    await page.close();
  });

  it('operator: the daily close pays every merchant what it is owed after a preview and a confirmation, with the bank file; the auditor sees it agree', async () => {
    const page = await signedIn(live().gateway.tokens.operator);
    const owed = await auditorGet('/v1/merchant-balances');
    const owing = (owed as { merchants: { owed: string }[] }).merchants.filter((m) => m.owed !== '0');
    expect(owing.length).toBeGreaterThan(0);
    await visit(page, 'operator-close', 'close', (p) => p.getByRole('table', { name: /What each merchant is owed now/ }).waitFor());
    expect(await page.getByText(/^Owed now: /).textContent()).toContain(formatMoney(fieldOf(owed, 'total')));
    await page.getByRole('button', { name: 'Preview the run…' }).click();
    const confirm = page.getByRole('group', { name: /^Pay [0-9]+ merchants .* as run close-[0-9-]+\?$/ });
    await confirm.waitFor();
    expect(await confirm.getByRole('heading').textContent()).toBe(`Pay ${String(owing.length)} merchants ${formatMoney(fieldOf(owed, 'total'))} as run ${await page.getByLabel(/^Run id/).inputValue()}?`);
    await page.getByRole('button', { name: 'Confirm: pay every merchant' }).click();
    await page.getByText(/^Run close-[0-9-]+ paid [0-9]+ merchants /).waitFor();
    await page.getByRole('button', { name: /Download CSV \(payout-run-close-/ }).first().click();
    await page.getByText(/saved payout-run-close-[0-9-]+\.csv/).first().waitFor();
    expect(fieldOf(await auditorGet('/v1/merchant-balances'), 'total')).toBe('0');
    await page.getByRole('table', { name: /Payout runs/ }).getByText(/^close-/).first().waitFor();
    // The same run id again: the page says the run was made and offers nothing to confirm (it would pay nothing).
    await page.getByRole('button', { name: 'Preview the run…' }).click();
    await page.getByRole('alert').filter({ hasText: /^Run close-[0-9-]+ was already made at .*Nothing is paid again under this id/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Confirm: pay every merchant' }).count()).toBe(0);
    await page.close();
    const auditor = await signedIn(live().gateway.tokens.auditor);
    await visit(auditor, 'auditor-payout-check', 'payout-check', (p) => p.getByText('Runs, payouts and merchant credits agree.').waitFor());
    await auditor.close();
  });

  it('operator: reports a medium lost after a confirmation (deny-listed, with its transaction and version), records it found; the agreement text', async () => {
    const page = await signedIn(live().gateway.tokens.operator);
    const lossReports = async (): Promise<unknown[]> => {
      const r = await auditorGet('/v1/loss-reports');
      const all: unknown[] = Array.isArray(r) ? r : [];
      return all.filter((x) => fieldOf(x, 'mediaId') === mediaId);
    };
    await visit(page, 'operator-losses', 'losses', (p) => p.getByRole('button', { name: 'Report lost…' }).waitFor());
    const report = async (id: string, reason: string): Promise<void> => {
      await page.getByLabel('Medium id').fill(id);
      await page.getByLabel('Reason').fill(reason);
      await page.getByRole('button', { name: 'Report lost…' }).click();
      await page.getByRole('group', { name: /Report medium .* lost\?/ }).getByText('deny-listed at once').waitFor();
    };
    // Cancelled: nothing sent. A medium the ledger never certified: the API's NOT_FOUND.
    await report(mediaId, 'changed my mind');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('Cancelled: nothing was sent.').waitFor();
    expect(await lossReports()).toEqual([]);
    await report(`w-${'x'.repeat(43)}`, 'typo at the desk');
    await page.getByRole('button', { name: 'Confirm: report lost' }).click();
    await page.getByRole('alert').filter({ hasText: 'Refused: NOT_FOUND' }).waitFor();
    // The real report: confirmed, deny-listed, its transaction and deny-list version shown and listed.
    await report(mediaId, 'phone stolen');
    await page.screenshot({ path: join(SHOTS, 'operator-loss-confirm.png'), fullPage: true });
    await page.getByRole('button', { name: 'Confirm: report lost' }).click();
    await page.getByRole('heading', { name: 'Medium reported lost' }).waitFor();
    const listed = await lossReports();
    expect(listed).toHaveLength(1);
    const denyVersion = fieldOf(listed[0], 'denyListVersion');
    expect(fieldOf(listed[0], 'mediaId')).toBe(mediaId);
    expect(await page.getByTestId('deny-version').textContent()).toBe(denyVersion);
    expect((await page.getByTestId('tx-id').textContent())?.trim()).toMatch(/^[0-9a-f]{64}$/);
    await page.getByLabel('Find account or medium').fill(mediaId.slice(-10));
    const row = page.getByRole('table', { name: /Loss reports/ }).getByRole('row').filter({ hasText: student });
    expect(await page.getByRole('table', { name: /Loss reports/ }).locator('tbody tr').count()).toBe(1);
    await row.getByRole('button', { name: /Record found/ }).waitFor();
    expect(await row.getByRole('cell').allTextContents()).toEqual(expect.arrayContaining([student, 'wallet', 'operator', 'phone stolen', denyVersion]));
    // Found: asked first, recorded, and the medium stays refused.
    await row.getByRole('button', { name: /Record found/ }).click();
    await page.getByRole('group', { name: /Record medium .* found\?/ }).getByText('stays deny-listed').waitFor();
    await page.getByLabel('Where or how it was found').fill('handed in at the library');
    await page.getByRole('button', { name: 'Confirm: record found' }).click();
    await page.getByRole('heading', { name: 'Medium recorded found' }).waitFor();
    await row.getByText('(still refused)').waitFor();
    await page.screenshot({ path: join(SHOTS, 'operator-loss-found.png'), fullPage: true });
    const media = await auditorGet(`/v1/accounts/${student}/media`);
    expect(JSON.stringify(media)).toMatch(/"status":"lost"/);
    expect(JSON.stringify(media)).toMatch(/"status":"revoked"/);
    // Its certificate revoked, the student's exposure is gone.
    const after = await auditorGet('/v1/exposure');
    expect(JSON.stringify(after)).not.toContain(student);
    await visit(page, 'operator-exposure', 'exposure', (p) => p.getByTestId('exposure-total').waitFor());
    expect(await page.getByTestId('exposure-total').textContent()).toBe(formatMoney(fieldOf(after, 'total')));
    // The agreement: the version in force, and a new one published after a confirmation.
    const inForce = Number(fieldOf(await auditorGet('/v1/agreement'), 'version'));
    await visit(page, 'operator-agreement', 'agreement', (p) => p.getByTestId('agreement-version').filter({ hasText: new RegExp(`^${String(inForce)}$`) }).waitFor());
    expect(await page.locator('blockquote').textContent()).toContain('Direct-debit agreement (console test)');
    await page.getByLabel('New agreement text').fill('Direct-debit agreement, version two: what I spend offline is charged to my account.');
    await page.getByRole('button', { name: 'Publish as a new version…' }).click();
    await page.getByRole('group', { name: `Publish this text as version ${String(inForce + 1)}?` }).waitFor();
    await page.getByRole('button', { name: 'Confirm: publish' }).click();
    await page.getByRole('heading', { name: `Version ${String(inForce + 1)} published` }).waitFor();
    await page.getByTestId('agreement-version').filter({ hasText: new RegExp(`^${String(inForce + 1)}$`) }).waitFor();
    expect(fieldOf(await auditorGet('/v1/agreement'), 'textHash')).toBe((await page.locator('main code.hash').first().textContent())?.trim());
    await page.close();
  });

  it("operator: the site edges with their status and last contact; retires one after a confirmation", async () => {
    const page = await signedIn(live().gateway.tokens.operator);
    // edge-console was registered and never synced: active, never in contact.
    await visit(page, 'operator-edges', 'edges', (p) => p.getByRole('table', { name: /Site edges/ }).getByText('edge-console').waitFor());
    const row = page.getByRole('table', { name: /Site edges/ }).getByRole('row').filter({ hasText: 'edge-console' });
    expect(await row.textContent()).toMatch(/active.*never/);
    await page.getByRole('button', { name: 'Retire edge-console' }).click();
    await page.getByRole('button', { name: 'Confirm: retire the edge' }).click();
    await page.getByRole('heading', { name: 'Edge retired' }).waitFor();
    const listed = (await auditorGet('/v1/edges')) as { edges: { edgeId: string; status: string }[] };
    expect(listed.edges.find((e) => e.edgeId === 'edge-console')?.status).toBe('retired');
    await page.close();
  });

  it('refuses a terminal credential on the console, and a wrong one, with the problem shown', async () => {
    const page = await signedIn(terminalToken);
    await page.getByRole('alert').filter({ hasText: 'ACCESS_DENIED' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'terminal-refused.png'), fullPage: true });
    await page.getByLabel('API credential').fill('not-a-valid-credential-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'UNAUTHENTICATED' }).waitFor();
    await page.close();
  });

  it('says there is nothing yet on an empty ledger instead of a blank page, and has a favicon', async () => {
    const emptySchema = `${schema}_empty`;
    const empty = await startTestGateway({ pool, schema: emptySchema, now, runWorker: false, workers: 1 });
    try {
      const page = await live().browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${empty.url}/console/`);
      expect(await page.locator('link[rel="icon"]').getAttribute('href')).toBe('favicon.svg');
      expect((await fetch(`${empty.url}/console/favicon.svg`)).status).toBe(200);
      await page.getByLabel('API credential').fill(empty.tokens.auditor);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('invariant').waitFor();
      await page.getByText('No open debts').waitFor();
      await page.goto(`${empty.url}/console/#chains`);
      await page.getByText('No terminals are registered yet').waitFor();
      await page.goto(`${empty.url}/console/#hour`);
      await page.getByText('No payments on the ledger yet').waitFor();
      await page.goto(`${empty.url}/console/#debts`);
      await page.getByText('no open debts').waitFor();
      await page.screenshot({ path: join(SHOTS, 'auditor-empty-debts.png'), fullPage: true });
      await page.close();
    } finally {
      await empty.close();
      await pool.query(`DROP SCHEMA IF EXISTS ${emptySchema} CASCADE`);
    }
  });
});
