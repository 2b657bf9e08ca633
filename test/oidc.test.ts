import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { Pool } from 'pg';
import pino from 'pino';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { z } from 'zod';
import { EmbeddedLedger, MemoryBlockStore } from '@dol/gateway-api';
import { mountOidc } from '../gateway-api/src/http/oidc-routes';
import { OIDC_ENV, loadOidcConfig, oidcEnvIssues, type OidcConfig } from '../gateway-api/src/oidc/oidc-config';
import { OidcRelyingParty } from '../gateway-api/src/oidc/relying-party';
import { startOidcGateway, type OidcTestGateway } from './support/oidc-gateway';
import { startTestProvider, type TestClient, type TestProvider } from './support/oidc-provider';
import { walletPageProblems } from './support/wallet-page';

/**
 * Students sign in through the campus's OpenID Connect provider: a real provider (oidc-provider,
 * its development login pages) on 127.0.0.1, the real gateway (embedded ledger) as relying party,
 * and the wallet in Debian's Chromium at a phone's width. The provider's `student_account` claim
 * names the account. A student taps "Sign in with campus", signs in at the provider and lands in
 * the wallet signed in, and GET /v1/me answers with the token. Refused, with a clear code and no
 * session: an account the ledger does not know, a login without the claim, a cancelled sign-in,
 * a tampered state, an altered or missing cookie, a replayed callback, a hand-off redeemed twice
 * or without its browser's cookie. Screenshots go to test/artifacts/oidc/.
 */
const ROOT = join(__dirname, '..');
const SHOTS = join(ROOT, 'test', 'artifacts', 'oidc');
const CHROMIUM = process.env.DOL_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const PHONE = { viewport: { width: 360, height: 780 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } as const;
const run = randomBytes(3).toString('hex');
const ANN = `ann-${run}`;
const NOBODY = `nobody-${run}`;
/** Provider logins and the account each one's `student_account` claim names; `u-nameless` carries none. */
const STUDENTS = { 'u-ann': ANN, 'u-nobody': NOBODY };

describe('OpenID Connect sign-in: the gateway as relying party, the wallet in Chromium', () => {
  const now = Date.now();
  const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 6 });
  const schema = `oidc_test_${run}`;
  const secrets = mkdtempSync(join(tmpdir(), 'dol-oidc-'));
  let gateway: OidcTestGateway | undefined;
  let provider: TestProvider | undefined;
  let browser: Browser | undefined;
  const pageFaults: string[] = [];

  const gw = (): OidcTestGateway => {
    if (gateway === undefined) throw new Error('beforeAll did not start the gateway');
    return gateway;
  };
  const live = (): { gateway: OidcTestGateway; provider: TestProvider; browser: Browser } => {
    if (gateway === undefined || provider === undefined || browser === undefined) throw new Error('beforeAll did not start the gateway, the provider and the browser');
    return { gateway, provider, browser };
  };
  async function call(method: string, path: string, token: string | undefined, body?: unknown, cookie?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${gw().url}${path}`, {
      method, headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(cookie === undefined ? {} : { cookie }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
  }
  const must = async (method: string, path: string, as: 'finance' | 'operator', body?: unknown): Promise<Record<string, unknown>> => {
    const r = await call(method, path, gw().tokens[as], body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${String(r.status)} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  /** A callback request sent by hand (no browser): where the gateway sends the browser next. */
  const callback = async (query: string, cookie?: string): Promise<{ status: number; location: string; setCookie: string[] }> => {
    const res = await fetch(`${live().gateway.url}/v1/oidc/callback?${query}`, { redirect: 'manual', headers: cookie === undefined ? {} : { cookie } });
    return { status: res.status, location: res.headers.get('location') ?? '', setCookie: res.headers.getSetCookie() };
  };
  const sessionsOf = async (account: string): Promise<number> =>
    (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.student_sessions WHERE account = $1`, [account])).rows[0]?.n ?? -1;
  const allSessions = async (): Promise<number> => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.student_sessions`)).rows[0]?.n ?? -1;
  const shoot = async (page: Page, name: string): Promise<void> => {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    expect({ page: name, problems: await walletPageProblems(page) }).toEqual({ page: name, problems: [] });
  };
  const phone = async (): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await live().browser.newContext(PHONE);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageFaults.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) pageFaults.push(`CSP: ${message.text()}`);
    });
    return { context, page };
  };
  /** From the wallet's sign-in page through the provider's login and consent pages (any password works there). */
  async function signInAtCampus(page: Page, login: string): Promise<void> {
    await page.goto(`${live().gateway.url}/wallet/`);
    await page.getByRole('button', { name: 'Sign in with campus', exact: true }).click();
    await page.getByPlaceholder('Enter any login').fill(login);
    await page.getByPlaceholder('and password').fill('correct horse');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
  }
  const storedToken = (page: Page): Promise<string> => page.evaluate(() => new Promise<string>((resolve, reject) => {
    const open = indexedDB.open('dol-wallet');
    open.onerror = () => {
      reject(new Error('no wallet database'));
    };
    open.onsuccess = () => {
      const get = open.result.transaction('kv').objectStore('kv').get('session');
      get.onsuccess = () => {
        const session: unknown = get.result;
        resolve(typeof session === 'object' && session !== null && 'token' in session ? String(session.token) : '');
      };
    };
  }));

  /** The relying party's configuration, through the same parsing and file checks config.ts will use. */
  function oidcConfig(issuer: string, client: TestClient): OidcConfig {
    writeFileSync(join(secrets, 'client-secret'), `${client.clientSecret}\n`, { mode: 0o600 });
    writeFileSync(join(secrets, 'cookie-key'), randomBytes(48), { mode: 0o600 });
    const env = z.object(OIDC_ENV).parse({
      DOL_OIDC_ISSUER: issuer, DOL_OIDC_CLIENT_ID: client.clientId, DOL_OIDC_CLIENT_SECRET_FILE: join(secrets, 'client-secret'),
      DOL_OIDC_REDIRECT_URI: client.redirectUri, DOL_OIDC_ACCOUNT_CLAIM: 'student_account', DOL_OIDC_SCOPES: 'openid student', DOL_OIDC_COOKIE_KEY_FILE: join(secrets, 'cookie-key'),
    });
    expect(oidcEnvIssues(env)).toEqual([]);
    const loaded = loadOidcConfig(env);
    if (loaded === undefined) throw new Error('OIDC configuration missing');
    return loaded;
  }
  let config: OidcConfig | undefined;

  beforeAll(async () => {
    if (CHROMIUM === undefined) throw new Error('Chromium not found (install Debian\'s chromium package, as .ci/run does, or set DOL_CHROMIUM)');
    if (!existsSync(join(ROOT, 'wallet', 'public', 'js', 'main.js'))) throw new Error('the wallet is not built: npm run build (tsc -b ... wallet)');
    execFileSync(process.execPath, [join(ROOT, 'wallet', 'scripts', 'build-shell.mjs')], { stdio: 'pipe' });
    mkdirSync(SHOTS, { recursive: true });
    gateway = await startOidcGateway({ pool, schema, now, oidc: async (url) => {
      const client = { clientId: 'campus-wallet', clientSecret: randomBytes(24).toString('base64url'), redirectUri: `${url}/v1/oidc/callback` };
      provider = await startTestProvider(client, STUDENTS);
      config = oidcConfig(provider.issuer, client);
      return config;
    } });
    await must('PUT', '/v1/agreement', 'operator', { text: `代扣协议 Direct-debit agreement (run ${run})\n\n1. Sales I make with my codes offline are charged to my account.` });
    await must('POST', '/v1/accounts', 'finance', { account: ANN, group: 'g-2026', creditLine: '0' });
    await must('POST', '/v1/top-ups', 'operator', { topUpId: `seed-${ANN}`, account: ANN, amount: '1250' });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await provider?.close();
    await gateway?.store.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
    rmSync(secrets, { recursive: true, force: true });
  });

  it('GET /v1/oidc names the provider; without one: configured false, no login; with one that does not answer: back to the wallet, refused', async () => {
    expect(await call('GET', '/v1/oidc', undefined)).toEqual({ status: 200, body: { configured: true, name: 'campus', login: '/v1/oidc/login' } });
    const ledger = await EmbeddedLedger.open({ store: new MemoryBlockStore(), clock: () => now });
    const deps = { ledger, store: gw().store, log: pino({ level: 'silent' }) };
    // A provider that is not there: a loopback port nothing listens on (port 1 is tcpmux, never run here).
    if (config === undefined) throw new Error('beforeAll did not configure the relying party');
    const down = new OidcRelyingParty({ ...config, issuer: 'http://127.0.0.1:1' });
    for (const [oidc, expected] of [[undefined, { configured: false }], [down, { configured: true, name: 'campus', login: '/v1/oidc/login' }]] as const) {
      const app = express();
      mountOidc(app, oidc === undefined ? deps : { ...deps, oidc });
      const server = await new Promise<Server>((resolve) => {
        const s = createServer(app).listen(0, '127.0.0.1', () => {
          resolve(s);
        });
      });
      const base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
      try {
        expect(await (await fetch(`${base}/v1/oidc`)).json()).toEqual(expected);
        const login = await fetch(`${base}/v1/oidc/login?return_to=/wallet/`, { redirect: 'manual' });
        if (oidc === undefined) expect(login.status).toBe(404);
        else expect({ status: login.status, location: login.headers.get('location') }).toEqual({ status: 302, location: '/wallet/#oidc-error=SIGN_IN_PROVIDER_UNAVAILABLE&reason=provider' });
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    }
  });

  it('signs a student in at the campus provider: back in the wallet signed in, GET /v1/me answers with the token; the callback replayed is refused', async () => {
    const { context, page } = await phone();
    const answers: Promise<{ url: string; cookie: string }>[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(`${live().gateway.url}/v1/oidc/callback`)) answers.push(request.headerValue('cookie').then((cookie) => ({ url: request.url(), cookie: cookie ?? '' })));
    });
    await page.goto(`${live().gateway.url}/wallet/`);
    await page.getByRole('button', { name: 'Sign in with campus', exact: true }).waitFor();
    await shoot(page, 'sign-in');
    await signInAtCampus(page, 'u-ann');
    await page.getByRole('button', { name: 'Accept the agreement' }).waitFor();
    expect(await page.getByTestId('signed-in-account').textContent()).toBe(ANN);
    expect(page.url()).toBe(`${live().gateway.url}/wallet/#agreement`); // the one-time code left the address
    await shoot(page, 'signed-in');

    const token = await storedToken(page);
    expect(await call('GET', '/v1/me', token)).toMatchObject({ status: 200, body: { account: ANN, wallet: '1250' } });
    await page.goto(`${live().gateway.url}/wallet/#account`);
    expect(await page.getByTestId('available').textContent()).toMatch(/¥12\.50 available/);
    await shoot(page, 'account');
    expect(await sessionsOf(ANN)).toBe(1);

    // The provider's answer again, with the login cookie it came with: spent.
    expect(answers).toHaveLength(1);
    const answer = await answers[0];
    if (answer === undefined) throw new Error('no callback seen');
    expect(answer.cookie).toMatch(/dol_oidc_login=/);
    const replay = await callback(new URL(answer.url).search.slice(1), answer.cookie);
    expect(replay).toMatchObject({ status: 302, location: '/wallet/#oidc-error=UNAUTHENTICATED&reason=replayed' });
    expect(await sessionsOf(ANN)).toBe(1);
    expect(pageFaults).toEqual([]);
    await context.close();
  });

  it('refuses, in the wallet with a clear code and without a session: an account the ledger does not know, a login without the claim, a cancelled sign-in', async () => {
    const before = await allSessions();
    for (const [login, shown] of [['u-nobody', 'NOT_FOUND: unknown-account'], ['u-nameless', 'ACCESS_DENIED: claim']] as const) {
      const { context, page } = await phone();
      await signInAtCampus(page, login);
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toContain(shown);
      expect(page.url()).toBe(`${live().gateway.url}/wallet/`);
      expect(await page.getByTestId('signed-in-account').count()).toBe(0);
      await shoot(page, `refused-${login}`);
      await context.close();
    }
    const { context, page } = await phone();
    await page.goto(`${live().gateway.url}/wallet/`);
    await page.getByRole('button', { name: 'Sign in with campus', exact: true }).click();
    await page.getByRole('link', { name: '[ Cancel ]' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('ACCESS_DENIED: denied');
    await context.close();
    expect(await sessionsOf(NOBODY)).toBe(0);
    expect(await allSessions()).toBe(before);
    expect(pageFaults).toEqual([]);
  });

  it('refuses answers that are not this browser\'s: a tampered state, an altered or missing login cookie, a forged code, a replay; return_to stays in the wallet', async () => {
    const before = await allSessions();
    const start = await fetch(`${live().gateway.url}/v1/oidc/login?return_to=/wallet/`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const to = new URL(start.headers.get('location') ?? '');
    expect(to.origin).toBe(live().provider.issuer);
    expect(Object.fromEntries(['response_type', 'client_id', 'redirect_uri', 'scope', 'code_challenge_method'].map((k) => [k, to.searchParams.get(k)]))).toEqual({
      response_type: 'code', client_id: 'campus-wallet', redirect_uri: `${live().gateway.url}/v1/oidc/callback`, scope: 'openid student', code_challenge_method: 'S256',
    });
    for (const k of ['state', 'nonce', 'code_challenge']) expect(to.searchParams.get(k)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [setCookie = ''] = start.headers.getSetCookie();
    expect(setCookie).toMatch(/^dol_oidc_login=[A-Za-z0-9_-]+; Max-Age=600; Path=\/v1\/oidc; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
    const cookie = setCookie.split(';')[0] ?? '';
    const state = to.searchParams.get('state') ?? '';
    const iss = encodeURIComponent(live().provider.issuer);

    // One character changed (to another than it was: a state ending in 'A' once made this no tampering at all, 1 run in 64).
    const tampered = await callback(`code=c0de&state=${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}&iss=${iss}`, cookie);
    expect(tampered).toMatchObject({ status: 302, location: '/wallet/#oidc-error=UNAUTHENTICATED&reason=state' });
    expect(tampered.setCookie.join('\n')).toMatch(/dol_oidc_login=; Path=\/v1\/oidc; Expires=Thu, 01 Jan 1970/); // the browser forgets it
    const altered = `${cookie.slice(0, -2)}${cookie.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await callback(`code=c0de&state=${state}&iss=${iss}`, altered)).toMatchObject({ location: '/wallet/#oidc-error=UNAUTHENTICATED&reason=not-started' });
    expect(await callback(`code=c0de&state=${state}&iss=${iss}`)).toMatchObject({ location: '/wallet/#oidc-error=UNAUTHENTICATED&reason=not-started' });
    // The right state and cookie with a code the provider never issued: the token endpoint refuses it.
    expect(await callback(`code=forged-${run}&state=${state}&iss=${iss}`, cookie)).toMatchObject({ location: '/wallet/#oidc-error=UNAUTHENTICATED&reason=rejected' });
    expect(await callback(`code=forged-${run}&state=${state}&iss=${iss}`, cookie)).toMatchObject({ location: '/wallet/#oidc-error=UNAUTHENTICATED&reason=replayed' });

    for (const away of ['https://evil.example/', '//evil.example/wallet/', '/console/', '/wallet/../v1/me']) {
      const r = await fetch(`${live().gateway.url}/v1/oidc/login?return_to=${encodeURIComponent(away)}`, { redirect: 'manual' });
      expect({ away, status: r.status, code: ((await r.json()) as { code?: unknown }).code }).toEqual({ away, status: 400, code: 'INVALID_FIELD' });
    }
    expect(await allSessions()).toBe(before);
  });

  it('hands the session over once, and only to the browser that signed in: the code alone, a wrong code and a second redemption are UNAUTHENTICATED', async () => {
    const { context, page } = await phone();
    // The wallet's own redemption never reaches the gateway: the test redeems the hand-off by hand.
    await page.route('**/v1/oidc/session', (route) => route.abort());
    // Where the callback sent the browser, fragment and all, as the page arrived there (before the wallet tidies its address).
    const arrivals: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame() && frame.url().includes('#oidc=')) arrivals.push(frame.url());
    });
    await signInAtCampus(page, 'u-ann');
    await page.getByRole('alert').waitFor();
    expect(arrivals).toHaveLength(1);
    const code = new RegExp(`^${live().gateway.url}/wallet/#oidc=([A-Za-z0-9_-]{43})$`).exec(arrivals[0] ?? '')?.[1] ?? '';
    expect(code).toHaveLength(43);
    const handoff = (await context.cookies()).find((c) => c.name === 'dol_oidc_handoff');
    expect(handoff).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/v1/oidc', secure: false });
    const cookie = `dol_oidc_handoff=${handoff?.value ?? ''}`;
    await context.close();

    const sessions = await sessionsOf(ANN);
    expect(await call('POST', '/v1/oidc/session', undefined, { code })).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(await call('POST', '/v1/oidc/session', undefined, { code: randomBytes(32).toString('base64url') }, cookie)).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(await call('POST', '/v1/oidc/session', undefined, { code: 'short' }, cookie)).toMatchObject({ status: 400, body: { code: 'INVALID_FIELD' } });
    const redeemed = await call('POST', '/v1/oidc/session', undefined, { code }, cookie);
    expect(redeemed).toMatchObject({ status: 201, body: { account: ANN } });
    expect(await call('GET', '/v1/me', String(redeemed.body.token))).toMatchObject({ status: 200, body: { account: ANN } });
    expect(await call('POST', '/v1/oidc/session', undefined, { code }, cookie)).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(await sessionsOf(ANN)).toBe(sessions + 1);
  });
});
