/**
 * The student's wallet: sign in with an activation code, accept the direct-debit agreement, hold a
 * payment certificate, and pay with QR codes made offline. Hash routes (#pay, #account, #agreement);
 * the service worker (sw.js) keeps the whole app for use without a network.
 */
import { call, StudentApi } from './api.js';
import { agreementInForce, parseAccount, parseAgreementText } from './account.js';
import { cached, remember } from './cache.js';
import { loadCertificate, requestCertificate } from './certificate.js';
import { Fields } from './fields.js';
import { loadSession, signOut, type Session } from './session.js';
import { DEFAULT_TIME_ZONE, isTimeZone } from './time.js';
import { initTimings } from './timings.js';
import { h, problemBox } from './ui.js';
import { accountView } from './views/account.js';
import { agreementView } from './views/agreement.js';
import { payView } from './views/pay.js';
import { renderSignIn } from './views/sign-in.js';
import type { Route, View, Wallet } from './wallet.js';

const VIEWS: Readonly<Record<Route, View>> = { pay: payView, account: accountView, agreement: agreementView };
const ROUTES: readonly Route[] = ['pay', 'account', 'agreement'];
const app = document.getElementById('app') ?? document.body;

/** The campus zone: asked of the gateway when online, else the last answer kept. */
async function campusTimeZone(session: Session, api: StudentApi): Promise<string> {
  const read = (body: unknown): string | undefined => {
    const zone = Fields.of(body, 'whoami').optString('campusTimeZone');
    return zone !== undefined && isTimeZone(zone) ? zone : undefined;
  };
  const last = await cached(session.account, '/v1/whoami');
  const kept = last === undefined ? undefined : read(last.body);
  if (kept !== undefined) {
    // Known already: refresh it in the background, never hold the page up for it.
    void api.get('/v1/whoami').then((body) => remember(session.account, '/v1/whoami', body)).catch(() => undefined);
    return kept;
  }
  try {
    const body = await api.get('/v1/whoami');
    await remember(session.account, '/v1/whoami', body);
    return read(body) ?? DEFAULT_TIME_ZONE;
  } catch {
    return DEFAULT_TIME_ZONE;
  }
}

/** Right after sign-in: the agreement first if it is not in force, else a certificate, then Pay. */
async function firstRoute(api: StudentApi, account: string): Promise<{ route: Route; notice?: HTMLElement }> {
  try {
    const [agreement, me] = await Promise.all([call('GET', '/v1/agreement', undefined), api.get('/v1/me')]);
    if (!agreementInForce(parseAccount(me).agreement, parseAgreementText(agreement).version)) return { route: 'agreement' };
    if ((await loadCertificate(account)) === undefined) await requestCertificate(api, account);
    return { route: 'pay' };
  } catch (error) {
    return { route: 'pay', notice: problemBox(error) };
  }
}

function showSignIn(message?: HTMLElement): void {
  const main = h('main', { id: 'main', tabindex: '-1' });
  app.replaceChildren(main);
  renderSignIn(main, (session) => {
    void start(session, true);
  }, message);
}

function header(wallet: Wallet): HTMLElement {
  const online = h('span', { class: 'net', role: 'status' });
  const setOnline = (): void => {
    online.textContent = navigator.onLine ? '' : 'Offline';
  };
  window.addEventListener('online', setOnline);
  window.addEventListener('offline', setOnline);
  setOnline();
  return h('header', {},
    h('span', { class: 'brand' }, 'Campus wallet'),
    h('span', { class: 'who', 'data-testid': 'signed-in-account' }, wallet.session.account),
    online,
    h('button', { type: 'button', class: 'secondary', onclick: () => {
      void wallet.signOut();
    } }, 'Sign out'));
}

async function start(session: Session, justSignedIn: boolean): Promise<void> {
  const api = new StudentApi(session.token);
  const timeZone = await campusTimeZone(session, api);
  const main = h('main', { id: 'main', tabindex: '-1' });
  const nav = h('nav', { 'aria-label': 'Wallet pages' }, h('ul', {}, ...ROUTES.map((r) => h('li', {}, h('a', { href: `#${r}`, 'data-route': r }, VIEWS[r].title)))));
  let pending: HTMLElement | undefined;
  const wallet: Wallet = {
    session, api, timeZone,
    go: (route, notice) => {
      pending = notice;
      if (location.hash === `#${route}`) void show(route);
      else location.hash = route;
    },
    signOut: async () => {
      window.onhashchange = null;
      await signOut(session);
      history.replaceState(null, '', location.pathname);
      showSignIn();
    },
  };
  app.replaceChildren(h('a', { class: 'skip', href: '#main' }, 'Skip to content'), header(wallet), nav, main);
  const show = async (route: Route): Promise<void> => {
    const view = VIEWS[route];
    for (const a of nav.querySelectorAll('a')) a.toggleAttribute('aria-current', a.dataset.route === route);
    document.title = `${view.title} · Campus wallet`;
    const body = h('div', { class: 'page' });
    main.replaceChildren(h('h1', {}, view.title), body);
    const notice = pending;
    pending = undefined;
    await view.render(wallet, body, notice);
  };
  const routeOf = (): Route | undefined => ROUTES.find((r) => `#${r}` === location.hash);
  window.onhashchange = () => {
    void show(routeOf() ?? 'pay');
  };
  if (justSignedIn) {
    main.replaceChildren(h('h1', {}, 'Welcome'), h('p', { role: 'status' }, 'Getting your wallet ready…'));
    const first = await firstRoute(api, session.account);
    wallet.go(first.route, first.notice);
    return;
  }
  wallet.go(routeOf() ?? ((await loadCertificate(session.account)) === undefined ? 'agreement' : 'pay'));
}

async function boot(): Promise<void> {
  initTimings();
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('sw.js', { scope: './' }).catch((error: unknown) => {
      console.warn('the service worker did not register: the wallet will not open offline', error);
    });
  }
  try {
    const session = await loadSession();
    if (session === undefined) showSignIn();
    else await start(session, false);
  } catch (error) {
    showSignIn(problemBox(error));
  }
}

void boot();
