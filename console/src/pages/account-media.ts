/**
 * An account's media and their certificates as auditors and the operator read them
 * (GET /v1/accounts/{account}/media): the agreement, the exposure, and per medium its status and
 * each certificate's counters, limits and what was spent under it.
 */
import { list, num, obj, text, type Api } from '../api.js';
import { formatMoney } from '../format.js';
import { h, into, longId, nothingYet, pagedTable } from '../ui.js';

type Clock = (ms: number) => string;

/** What the agreement means for the account, in one line. */
function agreementLine(media: unknown, time: Clock): string {
  const a = obj(media, 'agreement');
  if (text(a, 'status') === '') return 'No direct-debit agreement: no certificate is issued to this account, and its face sales settle flagged no-agreement.';
  const accepted = `Agreement version ${text(a, 'version')} accepted ${time(num(a, 'acceptedAt'))}`;
  return text(a, 'status') === 'live' ? `${accepted}, in force.` : `${accepted}, ${text(a, 'status')}${Number.isFinite(num(a, 'withdrawnAt')) ? ` ${time(num(a, 'withdrawnAt'))}` : ''}.`;
}

/** A medium's status: lost and denied media are refused for ever (their key never comes back). */
function statusCell(medium: unknown, time: Clock): HTMLElement {
  const status = text(medium, 'status');
  if (status === 'active') return h('span', { class: 'ok' }, 'active');
  const found = Number.isFinite(num(medium, 'foundAt')) ? `; found ${time(num(medium, 'foundAt'))}, still refused` : '';
  if (status === 'lost') return h('span', { class: 'bad' }, `lost ${time(num(medium, 'lostAt'))} (reported by ${text(medium, 'lostBy')})${found}`);
  return h('span', { class: 'bad' }, status === 'denied' ? 'deny-listed' : status);
}

/** One certificate: its counters, status, what it allowed and what was spent under it. */
function certificateLine(c: unknown, time: Clock): HTMLElement {
  const status = `${text(c, 'status')}${text(c, 'expired') === 'true' ? ', expired' : ''}`;
  return h('li', { title: `issuer key ${text(c, 'keyId')}, digest ${text(c, 'digest')}, recorded ${time(num(c, 'recordedAt'))}` },
    `#${text(c, 'ctrFrom')}–${text(c, 'ctrTo')} `, h('span', { class: text(c, 'status') === 'live' && text(c, 'expired') !== 'true' ? 'ok' : 'muted' }, status),
    `: spent ${formatMoney(text(c, 'spent') || '0')} of ${formatMoney(text(c, 'capTotal') || '0')}, at most ${formatMoney(text(c, 'capPerPayment') || '0')} a payment, valid to ${time(num(c, 'exp'))}`);
}

/** The section for one account: loads on its own, so a refusal here leaves the rest of the page standing. */
export function accountMedia(api: Api, account: string, time: Clock): HTMLElement {
  const out = h('div', { 'aria-live': 'polite' });
  void into(out, async () => {
    const m = await api.get(`/v1/accounts/${encodeURIComponent(account)}/media`);
    const media = list(m, 'media');
    return [
      h('p', {}, agreementLine(m, time), ' Offline exposure: ', h('strong', { 'data-testid': 'account-exposure' }, formatMoney(text(m, 'exposure') || '0')), '.'),
      media.length === 0 ? nothingYet('The issuer service never certified a medium of this account.') : pagedTable(`Media of ${account}`, [
        { title: 'medium', cell: (x: unknown) => longId(text(x, 'mediaId')) },
        { title: 'kind', cell: (x: unknown) => text(x, 'kind') || '—' },
        { title: 'status', cell: (x: unknown) => statusCell(x, time) },
        { title: 'certificates (counters)', cell: (x: unknown) => h('ul', { class: 'certs' }, ...list(x, 'certificates').map((c) => certificateLine(c, time))) },
      ], media, 10),
    ];
  });
  return h('section', { 'aria-labelledby': 'media-h' }, h('h2', { id: 'media-h' }, 'Media and certificates'), out);
}
