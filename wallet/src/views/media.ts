/**
 * The student's payment media (this phone's key, cards) with a "Report lost" button each. Losing
 * this phone's own medium also drops its certificate and key: the old key never comes back.
 */
import type { Medium } from '../account.js';
import { dropCertificate, loadCertificate } from '../certificate.js';
import { Fields } from '../fields.js';
import { dropKey } from '../keys.js';
import { yuan } from '../money.js';
import { formatTime } from '../time.js';
import { confirmButton, h, status } from '../ui.js';
import type { Wallet } from '../wallet.js';

const STATUS_WORDS: Readonly<Record<string, string>> = {
  active: 'works',
  lost: 'reported lost: refused at every stall that has synced',
  denied: 'blocked (its code was used twice): refused at every stall that has synced',
};

/** What the student is told after a loss report. */
type Changed = (notice: HTMLElement) => Promise<void>;

async function reportLost(wallet: Wallet, medium: Medium, changed: Changed): Promise<void> {
  const answer = Fields.of(await wallet.api.post(`/v1/me/media/${encodeURIComponent(medium.mediaId)}/lost`), 'lost answer');
  // The gateway wraps the ledger's answer in `result`; read either shape.
  const result = answer.optObject('result') ?? answer;
  const own = await loadCertificate(wallet.session.account);
  if (own?.mediaId === medium.mediaId) {
    await dropCertificate(wallet.session.account);
    await dropKey(wallet.session.account);
  }
  await changed(status(
    `${shortId(medium.mediaId)} is reported lost (deny list version ${String(result.int('denyListVersion'))}); stalls refuse it once they sync.` +
    (own?.mediaId === medium.mediaId ? ' This phone\'s key and certificate are deleted; a new key is made when you ask for a new certificate.' : ''), 'ok'));
}

/** A medium id short enough for a phone's width: "w-cEFpoGta…T_w". */
export function shortId(mediaId: string): string {
  return mediaId.length <= 16 ? mediaId : `${mediaId.slice(0, 10)}…${mediaId.slice(-4)}`;
}

function mediumRow(wallet: Wallet, medium: Medium, ownMediaId: string | undefined, changed: Changed): HTMLElement {
  const live = medium.certificates.filter((c) => c.status === 'live' && !c.expired);
  const limits = live.map((c) => `${yuan(c.spent)} of ${yuan(c.capTotal)} spent, codes ${String(c.ctrFrom)}–${String(c.ctrTo)}, until ${formatTime(c.exp, wallet.timeZone)}`);
  const own = medium.mediaId === ownMediaId;
  const headingId = `medium-${medium.mediaId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const name = `${medium.kind === 'card' ? 'Card' : 'Phone wallet'} ${shortId(medium.mediaId)}${own ? ' (this phone)' : ''}`;
  const report = medium.status !== 'active' ? null : confirmButton('Report lost',
    `Report ${name} lost? Stalls refuse it from their next sync; this cannot be undone.`,
    'Yes, report lost', () => reportLost(wallet, medium, changed), headingId);
  return h('li', { class: 'medium', 'data-media-id': medium.mediaId },
    h('h3', { id: headingId }, name),
    h('p', { class: 'id' }, 'Id ', h('code', {}, medium.mediaId)),
    h('p', {}, `Status: ${STATUS_WORDS[medium.status] ?? medium.status}`, medium.lostAt === undefined ? '' : `, reported lost ${formatTime(medium.lostAt, wallet.timeZone)}`),
    limits.length === 0 ? null : h('ul', {}, ...limits.map((l) => h('li', {}, l))),
    report);
}

/** The media section of the account page. */
export function mediaSection(wallet: Wallet, media: readonly Medium[], ownMediaId: string | undefined, changed: Changed): HTMLElement {
  return h('section', { 'aria-labelledby': 'media-title' },
    h('h2', { id: 'media-title' }, 'Phones and cards'),
    media.length === 0 ? h('p', { class: 'empty' }, 'No phone or card is registered yet.') : h('ul', { class: 'media' }, ...media.map((m) => mediumRow(wallet, m, ownMediaId, changed))));
}
