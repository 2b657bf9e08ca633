/** The operator's console: terminals and their last batch, the deny list and its versions (deny-list.ts), advances (merchant payouts: payout-runs.ts). */
import { list, num, text, type Api, type Me } from '../api.js';
import { formatMoney, formatTime } from '../format.js';
import { csvButton, h, into, pagedTable } from '../ui.js';
import { denyListPage } from './deny-list.js';

export function operatorPages(api: Api, me: Me): Record<string, { title: string; render: (root: HTMLElement) => void }> {
  const tz = me.campusTimeZone;
  return {
    terminals: { title: 'Terminals', render: (root) => {
      void into(root, async () => pagedTable('Terminals', [
        { title: 'terminal', cell: (t: unknown) => text(t, 'terminalId') },
        { title: 'merchant', cell: (t: unknown) => text(t, 'merchantId') },
        { title: 'status', cell: (t: unknown) => h('span', { class: text(t, 'status') === 'active' ? 'ok' : 'bad' }, text(t, 'status')) },
        { title: 'last batch', numeric: true, cell: (t: unknown) => text(t, 'lastBatchSeq') },
        // Ledger time the last batch settled; an edge uploads no batches, a terminal before its first has none.
        { title: 'last batch settled', cell: (t: unknown) => (Number.isFinite(num(t, 'lastBatchAt')) ? formatTime(num(t, 'lastBatchAt'), tz) : '—') },
        { title: 'last record', numeric: true, cell: (t: unknown) => text(t, 'lastSeq') },
      ], list(await api.get('/v1/terminals'))));
    } },

    deny: denyListPage(api, tz),

    advances: { title: 'Advances', render: (root) => {
      void into(root, async () => [csvButton(api, '/v1/advances', 'advances.csv'), pagedTable('Advances by account: fronted, recovered, outstanding', [
        { title: 'account', cell: (x: unknown) => text(x, 'account') },
        { title: 'advanced', numeric: true, cell: (x: unknown) => formatMoney(text(x, 'advanced') || '0') },
        { title: 'recovered', numeric: true, cell: (x: unknown) => formatMoney(text(x, 'recovered') || '0') },
        { title: 'outstanding', numeric: true, cell: (x: unknown) => formatMoney(text(x, 'outstanding') || '0') },
      ], list(await api.get('/v1/advances')))]);
    } },
  };
}
