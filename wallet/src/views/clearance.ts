/**
 * My clearance record (docs/settlement.md, "A clearance record anyone can verify"): once the
 * registrar closed the account and issued it, the graduate downloads it showing only the claims they
 * choose, to give an employer, who checks it at any organisation's gateway (/console/verify.html).
 */
import { h, problemBox, status } from '../ui.js';
import type { Wallet } from '../wallet.js';

const CLAIMS: readonly (readonly [string, string])[] = [
  ['account', 'my account'], ['clearedOn', 'the day it was cleared'], ['debtLeft', 'what I still owe (0: nothing)'], ['closingTx', 'the ledger transaction that closed it'],
];

/** The section: nothing before the account is closed. */
export function clearanceSection(wallet: Wallet, accountStatus: string): HTMLElement | null {
  if (accountStatus !== 'closed') return null;
  const boxes = CLAIMS.map(([name, label]) => {
    const box = h('input', { type: 'checkbox', id: `show-${name}`, name: 'show', value: name, checked: '' });
    return { name, box, row: h('div', { class: 'check' }, box, h('label', { for: `show-${name}` }, label)) };
  });
  const out = h('div', { 'aria-live': 'polite' });
  const download = h('button', { type: 'button', onclick: () => {
    const show = boxes.filter((b) => b.box.checked).map((b) => b.name);
    if (show.length === 0) {
      out.replaceChildren(status('Choose at least one thing to show.'));
      return;
    }
    void wallet.api.get(`/v1/me/clearance-record?show=${show.join(',')}`).then((record) => {
      const name = `clearance-record-${wallet.session.account}.json`;
      const a = h('a', { href: URL.createObjectURL(new Blob([JSON.stringify(record, null, 2)], { type: 'application/json' })), download: name });
      document.body.append(a);
      a.click();
      a.remove();
      out.replaceChildren(status(`Saved ${name}: it shows ${show.length === CLAIMS.length ? 'everything' : show.join(', ')}. Anyone can check it at /console/verify.html on any campus organisation's gateway.`, 'ok'));
    }, (error: unknown) => {
      out.replaceChildren(problemBox(error));
    });
  } }, 'Download my clearance record');
  return h('section', { 'aria-labelledby': 'clearance-title' },
    h('h2', { id: 'clearance-title' }, 'Clearance record'),
    h('p', {}, 'Your account is closed. The registrar\'s record says so; choose what it shows, then give the file to whoever asks (an employer). What you leave out cannot be read from it.'),
    h('fieldset', {}, h('legend', {}, 'The record shows'), ...boxes.map((b) => b.row)),
    download, out);
}
