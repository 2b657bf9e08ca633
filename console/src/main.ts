/**
 * The web console: sign in with an API bearer credential, see the pages of your role. Every page
 * reads and writes through the same API and roles as any other client: a refusal shows the API's
 * problem detail, never a hidden button pretending it could not happen.
 */
import { Api, ProblemError, type Me } from './api.js';
import { agreementPages } from './pages/agreement.js';
import { auditorPages } from './pages/auditor.js';
import { edgePages } from './pages/edges.js';
import { exposurePages } from './pages/exposure.js';
import { lossReportPages } from './pages/loss-reports.js';
import { operatorPages } from './pages/operator.js';
import { payoutPages } from './pages/payout-runs.js';
import { pointsPages } from './pages/points-roll-forward.js';
import { registrarPages } from './pages/registrar.js';
import { h, problemBox } from './ui.js';

type Page = { title: string; render: (root: HTMLElement) => void };
const TOKEN_KEY = 'dol-console-token';
const ROLE_PAGES: Record<string, readonly string[]> = {
  auditor: ['books', 'statement', 'chains', 'fraud', 'debts', 'hour', 'exposure', 'points', 'payout-check'],
  registrar: ['clearance'],
  operator: ['terminals', 'edges', 'deny', 'advances', 'close', 'payouts', 'losses', 'agreement', 'exposure'],
};

const app = document.getElementById('app') ?? document.body;

function signIn(message?: HTMLElement): void {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: '' });
  const form = h('form', { class: 'signin', onsubmit: (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    void start();
  } }, h('h1', {}, 'Campus payments ledger'), h('p', {}, 'Sign in with your API credential (bearer token).'),
  h('div', { class: 'field' }, h('label', { for: 'token' }, 'API credential'), input), h('button', { type: 'submit' }, 'Sign in'), message ?? null);
  app.replaceChildren(h('main', { id: 'main' }, form));
}

async function start(): Promise<void> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token === null || token === '') {
    signIn();
    return;
  }
  const api = new Api(token);
  let me: Me;
  try {
    me = await api.me();
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    signIn(problemBox(error));
    return;
  }
  if (me.role === 'terminal' || me.role === 'finance' || me.role === 'admin') {
    sessionStorage.removeItem(TOKEN_KEY);
    signIn(problemBox(new ProblemError({ status: 403, code: 'ACCESS_DENIED', detail: `the console is for auditors, the registrar and the operator; this credential is ${me.role} ${me.subject}` })));
    return;
  }
  const pages: Record<string, Page> = {
    ...auditorPages(api, me), ...exposurePages(api, me), ...registrarPages(api, me), ...operatorPages(api, me), ...payoutPages(api, me), ...lossReportPages(api, me), ...agreementPages(api, me), ...edgePages(api, me), ...pointsPages(api),
  };
  const mine = ROLE_PAGES[me.role] ?? [];
  const content = h('main', { id: 'main', tabindex: '-1' });
  const nav = h('nav', { 'aria-label': 'pages' }, h('ul', {}, ...mine.map((id) => h('li', {}, h('a', { href: `#${id}`, 'data-page': id }, pages[id]?.title ?? id)))));
  const header = h('header', {},
    h('span', { class: 'brand' }, 'Campus payments ledger'),
    h('span', { class: 'who' }, `${me.role} ${me.subject}`),
    me.notice === undefined ? null : h('span', { class: 'notice', role: 'note' }, me.notice.toUpperCase()),
    h('button', { type: 'button', onclick: () => { sessionStorage.removeItem(TOKEN_KEY); signIn(); } }, 'Sign out'));
  app.replaceChildren(header, nav, content);
  const route = (): void => {
    const id = location.hash.slice(1) || mine[0] || '';
    const page = pages[id];
    for (const a of nav.querySelectorAll('a')) a.toggleAttribute('aria-current', a.dataset.page === id);
    document.title = `${page?.title ?? 'Not found'} · Campus payments ledger`;
    const body = h('div', { class: 'page' });
    content.replaceChildren(h('h1', {}, page?.title ?? 'Not found'), body);
    if (page === undefined) body.append(h('p', {}, `No page ${id}.`));
    else page.render(body);
  };
  window.onhashchange = route;
  route();
}

void start();
