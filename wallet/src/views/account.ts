/**
 * My account (online, or the last answers kept, marked "as of"): balance, points, debts explained
 * in plain words, recent payments, and the phones and cards with their loss buttons.
 */
import { parseAccount, type Account } from '../account.js';
import { fetchOrCached, type Answer } from '../cache.js';
import { loadCertificate, reconcile } from '../certificate.js';
import { formatPoints, isPositive, yuan } from '../money.js';
import { OfflineError } from '../problem.js';
import { explainAdvance, explainDoubleSpend, outcomeWords, parseDebts, parseSales, type Debts, type Sale } from '../sales.js';
import { formatShortTime, formatTime, zoneLabel } from '../time.js';
import { fill, h, problemBox, status } from '../ui.js';
import type { View, Wallet } from '../wallet.js';
import { clearanceSection } from './clearance.js';
import { mediaSection } from './media.js';

/** Most payments listed: the recent ones; the statement is the auditors' business. */
const SALES_SHOWN = 30;

function balances(me: Account): HTMLElement {
  const row = (label: string, value: string, testId: string): HTMLElement[] => [h('dt', {}, label), h('dd', { 'data-testid': testId }, value)];
  return h('section', { 'aria-labelledby': 'balance-title' },
    h('h2', { id: 'balance-title' }, 'Balance'),
    h('p', { class: 'big', 'data-testid': 'available' }, `${yuan(me.available)} available`),
    h('dl', { class: 'facts' },
      ...row('Wallet', yuan(me.wallet), 'wallet'),
      ...row('Credit line', yuan(me.creditLine), 'credit-line'),
      ...row('Credit used', yuan(me.creditUsed), 'credit-used'),
      ...row('Advances owed', yuan(me.advance), 'advance'),
      ...row('Points', formatPoints(me.points), 'points')));
}

function debtsSection(wallet: Wallet, debts: Debts, sales: readonly Sale[]): HTMLElement {
  const byId = new Map(sales.map((s) => [s.paymentId, s]));
  const open = debts.advances.filter((a) => isPositive(a.outstanding));
  const doubles = sales.filter((s) => s.outcome === 'double-spend' && !open.some((a) => a.paymentId === s.paymentId));
  return h('section', { 'aria-labelledby': 'debts-title' },
    h('h2', { id: 'debts-title' }, 'Debts'),
    !isPositive(debts.advance) && !isPositive(debts.creditUsed) && open.length === 0
      ? h('p', { class: 'empty' }, 'You owe nothing.')
      : h('p', {}, `You owe ${yuan(debts.advance)} in advances and ${yuan(debts.creditUsed)} of credit`,
        debts.debtSince === null ? '.' : `, since ${formatTime(debts.debtSince, wallet.timeZone)}.`),
    isPositive(debts.advance) ? h('p', {}, 'Your next top-up repays the advances first, before anything reaches your wallet.') : null,
    open.length === 0 ? null : h('ul', { class: 'advances' }, ...open.map((a) => h('li', { 'data-testid': 'advance-explained' }, explainAdvance(a, byId.get(a.paymentId), wallet.timeZone)))),
    doubles.length === 0 ? null : h('ul', { class: 'advances' }, ...doubles.map((d) => h('li', { 'data-testid': 'double-spend' }, explainDoubleSpend(d, wallet.timeZone)))));
}

function salesTable(wallet: Wallet, sales: readonly Sale[], asOf: number): HTMLElement {
  const shown = sales.slice(0, SALES_SHOWN);
  return h('section', { 'aria-labelledby': 'sales-title' },
    h('h2', { id: 'sales-title' }, 'Recent payments'),
    h('div', { class: 'table-wrap' }, h('table', {},
      h('caption', {}, `Your last ${String(shown.length)} payments, times in ${zoneLabel(asOf, wallet.timeZone)}`),
      h('thead', {}, h('tr', {}, ...['When', 'Stall', 'Amount', 'Result', 'Points'].map((t, i) => h('th', { scope: 'col', ...(i === 2 || i === 4 ? { class: 'num' } : {}) }, t)))),
      h('tbody', {}, ...(shown.length === 0 ? [h('tr', {}, h('td', { colspan: '5' }, 'No payments yet.'))] : shown.map((s) => h('tr', { 'data-testid': 'sale', 'data-outcome': s.outcome },
        h('td', {}, s.at === undefined ? '—' : formatShortTime(s.at, wallet.timeZone)), h('td', {}, s.terminalId ?? '—'), h('td', { class: 'num' }, yuan(s.amount)),
        h('td', { class: s.outcome === 'settled' ? 'ok' : 'bad' }, outcomeWords(s.outcome, s.funding), s.reason === undefined ? '' : ` (${s.reason})`),
        h('td', { class: 'num' }, s.points ?? ''))))))));
}

function asOfLine(wallet: Wallet, answers: readonly Answer[]): HTMLElement | null {
  if (answers.every((a) => a.live)) return null;
  const oldest = Math.min(...answers.map((a) => a.at));
  return h('p', { class: 'stale', role: 'note', 'data-testid': 'as-of' }, `Offline: as of ${formatTime(oldest, wallet.timeZone)}`);
}

async function render(wallet: Wallet, body: HTMLElement, notice?: HTMLElement): Promise<void> {
  fill(body, notice, status('Loading your account…'));
  const get = (path: string): Promise<Answer> => fetchOrCached((p) => wallet.api.get(p), wallet.session.account, path, (e) => e instanceof OfflineError);
  try {
    const [meAnswer, salesAnswer, debtsAnswer] = await Promise.all([get('/v1/me'), get('/v1/me/sales'), get('/v1/me/debts')]);
    const me = parseAccount(meAnswer.body);
    const sales = parseSales(salesAnswer.body);
    const changed = meAnswer.live ? await reconcile(me) : undefined;
    const own = await loadCertificate(wallet.session.account);
    fill(body,
      notice,
      changed === undefined ? null : status(changed),
      asOfLine(wallet, [meAnswer, salesAnswer, debtsAnswer]),
      h('p', { class: 'who' }, `Account ${me.account} (${me.status})`),
      balances(me),
      clearanceSection(wallet, me.status),
      debtsSection(wallet, parseDebts(debtsAnswer.body), sales),
      salesTable(wallet, sales, meAnswer.at),
      mediaSection(wallet, me.media, own?.mediaId, (changed) => render(wallet, body, changed)));
  } catch (error) {
    fill(body, notice, problemBox(error));
  }
}

/** The account page. */
export const accountView: View = { title: 'My account', render };
