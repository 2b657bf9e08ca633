/**
 * Loss reports (挂失) at the desk: the list, newest first (GET /v1/loss-reports); reporting a medium
 * lost (POST /v1/media/{mediaId}/lost), which deny-lists it at once; and recording one found
 * (POST /v1/media/{mediaId}/found), which does not bring it back. Both ask before they send.
 */
import { list, num, obj, text, type Api, type Me } from '../api.js';
import { formatTime, shortId } from '../format.js';
import { confirmStep, csvButton, field, h, into, longId, nothingYet, searchableTable, txLine, type Pages } from '../ui.js';

/** A loss report as the API lists it. */
interface Report {
  readonly mediaId: string;
  readonly account: string;
  readonly kind: string;
  readonly lostAt: number;
  readonly by: string;
  readonly reason: string;
  readonly denyListVersion: string;
  readonly foundAt: number;
  readonly foundBy: string;
}

/** What the page's parts share: the API, the campus clock, where a confirmation shows, how the list reloads. */
interface Desk {
  readonly api: Api;
  readonly tz: string;
  readonly time: (ms: number) => string;
  readonly area: HTMLElement;
  readonly reload: () => void;
}

const reportOf = (r: unknown): Report => ({
  mediaId: text(r, 'mediaId'), account: text(r, 'account'), kind: text(r, 'kind'), lostAt: num(r, 'lostAt'), by: text(r, 'by'), reason: text(r, 'reason'),
  denyListVersion: text(r, 'denyListVersion'), foundAt: num(r, 'foundAt'), foundBy: text(r, 'foundBy'),
});

const mediaPath = (mediaId: string, what: 'lost' | 'found'): string => `/v1/media/${encodeURIComponent(mediaId)}/${what}`;

/** Asks, then reports the medium lost and shows the transaction and the deny-list version it made. */
function askLost(desk: Desk, mediaId: string, reason: string): void {
  confirmStep(desk.area, {
    id: 'lost-confirm', question: `Report medium ${shortId(mediaId)} lost?`,
    consequences: ['It is deny-listed at once (a new deny-list version): terminals refuse it as soon as they sync, its certificates are revoked, ',
      `and its key never comes back. Reason recorded: “${reason}”.`],
    confirm: 'Confirm: report lost',
    send: async () => {
      const answer = await desk.api.post(mediaPath(mediaId, 'lost'), { reason });
      desk.reload();
      const r = obj(answer, 'result');
      const again = text(r, 'replayed') === 'true';
      return [h('div', { class: 'step' }, h('h3', {}, again ? 'Already reported lost: nothing new written' : 'Medium reported lost'), txLine(answer, desk.tz, formatTime),
        h('p', {}, 'Medium ', longId(text(r, 'mediaId')), ` of ${text(r, 'account')} ${again ? 'was' : 'is'} reported lost ${desk.time(num(r, 'at'))} by ${text(r, 'by')}: `,
          'deny-listed at version ', h('strong', { 'data-testid': 'deny-version' }, text(r, 'denyListVersion') || '?'), '.'))];
    },
  });
}

/** A lost medium's "found" button: asks (with a reason), then records it found; the medium stays refused. */
function foundButton(desk: Desk, r: Report): HTMLElement {
  return h('button', { type: 'button', 'aria-label': `Record found: ${shortId(r.mediaId)}`, onclick: () => {
    const reason = field('Where or how it was found', 'found-reason', { maxlength: '256' });
    confirmStep(desk.area, {
      id: 'found-confirm', question: `Record medium ${shortId(r.mediaId)} of ${r.account} found?`,
      consequences: [`It was reported lost ${desk.time(r.lostAt)}. Recording it found does not bring it back: it stays deny-listed and its certificates stay revoked, `,
        'because its key may have been copied while it was away. The student certifies a new key in the wallet (or the desk personalises a new card).'],
      inputs: [reason.row], confirm: 'Confirm: record found',
      send: async () => {
        const answer = await desk.api.post(mediaPath(r.mediaId, 'found'), { reason: reason.input.value.trim() });
        desk.reload();
        return [h('div', { class: 'step' }, h('h3', {}, 'Medium recorded found'), txLine(answer, desk.tz, formatTime),
          h('p', {}, 'Medium ', longId(r.mediaId), ` of ${r.account} found ${desk.time(num(obj(answer, 'result'), 'at'))}: it stays refused; the student certifies a new key.`))];
      },
    });
  } }, 'Record found');
}

function reportsTable(desk: Desk, rows: readonly Report[]): HTMLElement {
  return searchableTable({ id: 'losses-search', label: 'Find account or medium', key: (r: Report) => `${r.account} ${r.mediaId}` }, 'Loss reports, newest first', [
    { title: 'reported', cell: (r: Report) => desk.time(r.lostAt) },
    { title: 'medium', cell: (r: Report) => longId(r.mediaId) },
    { title: 'account', cell: (r: Report) => r.account },
    { title: 'kind', cell: (r: Report) => r.kind || '—' },
    { title: 'by', cell: (r: Report) => r.by },
    { title: 'reason', cell: (r: Report) => r.reason || '—' },
    { title: 'deny-list version', numeric: true, cell: (r: Report) => r.denyListVersion || '—' },
    { title: 'found', cell: (r: Report) => (Number.isFinite(r.foundAt) ? `${desk.time(r.foundAt)} by ${r.foundBy} (still refused)` : foundButton(desk, r)) },
  ], rows);
}

export function lossReportPages(api: Api, me: Me): Pages {
  const tz = me.campusTimeZone;
  const time = (ms: number): string => (Number.isFinite(ms) ? formatTime(ms, tz) : '');
  return {
    losses: { title: 'Loss reports', render: (root) => {
      const reports = h('div', {});
      const desk: Desk = { api, tz, time, area: h('div', { class: 'desk', 'aria-live': 'polite' }), reload: () => {
        void into(reports, async () => {
          const rows = list(await api.get('/v1/loss-reports')).map(reportOf);
          return [csvButton(api, '/v1/loss-reports', 'loss-reports.csv'), rows.length === 0 ? nothingYet('No medium has been reported lost.') : reportsTable(desk, rows)];
        });
      } };
      const mediaId = field('Medium id', 'lost-media', { required: '', autocomplete: 'off', spellcheck: 'false', placeholder: 'w-… or c-…', maxlength: '128', size: '46' });
      const reason = field('Reason', 'lost-reason', { required: '', maxlength: '256', placeholder: 'e.g. phone stolen' });
      const form = h('form', { class: 'inline', onsubmit: (e) => {
        e.preventDefault();
        askLost(desk, mediaId.input.value.trim(), reason.input.value.trim());
      } }, mediaId.row, reason.row, h('button', { type: 'submit' }, 'Report lost…'));
      root.replaceChildren(
        h('p', { class: 'lead' }, 'A medium reported lost is deny-listed at once: a terminal that synced the new deny-list version refuses it; a sale a terminal accepted before it synced still settles, flagged, at the operator’s risk.'),
        h('section', { 'aria-labelledby': 'lost-h' }, h('h2', { id: 'lost-h' }, 'Report a medium lost at the desk'), form, desk.area),
        h('section', { 'aria-labelledby': 'reports-h' }, h('h2', { id: 'reports-h' }, 'Loss reports'), reports));
      desk.reload();
    } },
  };
}
