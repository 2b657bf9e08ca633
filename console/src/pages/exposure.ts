/** The offline exposure (GET /v1/exposure): what live media certificates still allow, in total and per account. */
import { list, num, text, type Api, type Me } from '../api.js';
import { compareMinor, formatMoney, formatTime } from '../format.js';
import { csvButton, h, into, nothingYet, searchableTable, type Pages } from '../ui.js';

/** One account's row as the API answers it. */
interface Row {
  readonly account: string;
  readonly exposure: string;
  readonly liveCertificates: string;
}

export function exposurePages(api: Api, me: Me): Pages {
  const tz = me.campusTimeZone;
  return {
    exposure: { title: 'Offline exposure', render: (root) => {
      void into(root, async () => {
        const e = await api.get('/v1/exposure');
        const rows: Row[] = list(e, 'byAccount')
          .map((r) => ({ account: text(r, 'account'), exposure: text(r, 'exposure') || '0', liveCertificates: text(r, 'liveCertificates') }))
          .sort((a, b) => compareMinor(b.exposure, a.exposure) || a.account.localeCompare(b.account));
        return [
          h('p', { class: 'lead' }, 'Offline exposure is what the live media certificates still allow students to spend offline before the ledger sees the sales: for each live certificate, its cap less what was already spent under it.'),
          h('dl', { class: 'facts' },
            h('dt', {}, 'Total exposure'), h('dd', { 'data-testid': 'exposure-total' }, formatMoney(text(e, 'total') || '0')),
            h('dt', {}, 'Accounts with live certificates'), h('dd', {}, text(e, 'accounts') || '0'),
            h('dt', {}, 'Live certificates'), h('dd', {}, text(e, 'liveCertificates') || '0'),
            h('dt', {}, 'As of (ledger time)'), h('dd', {}, formatTime(num(e, 'asOf'), tz))),
          csvButton(api, '/v1/exposure', 'exposure.csv'),
          rows.length === 0 ? nothingYet('No live certificates: nothing can be spent offline under a certificate right now.')
            : searchableTable({ id: 'exposure-search', label: 'Find account', key: (r: Row) => r.account }, 'Exposure by account, largest first', [
              { title: 'account', cell: (r: Row) => r.account },
              { title: 'exposure', numeric: true, cell: (r: Row) => formatMoney(r.exposure) },
              { title: 'live certificates', numeric: true, cell: (r: Row) => r.liveCertificates },
            ], rows),
        ];
      });
    } },
  };
}
