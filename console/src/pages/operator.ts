/** The operator's console: terminals and their last batch, the deny list and its versions, advances, merchant payouts. */
import { list, num, obj, text, type Api, type Me } from '../api.js';
import { formatMoney, formatTime } from '../format.js';
import { csvButton, field, h, into, pagedTable, problemBox, txLine } from '../ui.js';

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

    deny: { title: 'Deny list', render: (root) => {
      void into(root, async () => {
        const d = await api.get('/v1/deny-list?since=0');
        return [h('p', {}, `Current version ${text(d, 'version')}.`), pagedTable('Deny-list entries, by version', [
          { title: 'version', numeric: true, cell: (x: unknown) => text(x, 'version') },
          { title: 'kind', cell: (x: unknown) => text(x, 'kind') },
          { title: 'id', cell: (x: unknown) => text(x, 'id') },
          { title: 'reason', cell: (x: unknown) => text(x, 'reason') },
        ], list(d, 'entries'))];
      });
    } },

    advances: { title: 'Advances', render: (root) => {
      void into(root, async () => [csvButton(api, '/v1/advances', 'advances.csv'), pagedTable('Advances by account: fronted, recovered, outstanding', [
        { title: 'account', cell: (x: unknown) => text(x, 'account') },
        { title: 'advanced', numeric: true, cell: (x: unknown) => formatMoney(text(x, 'advanced') || '0') },
        { title: 'recovered', numeric: true, cell: (x: unknown) => formatMoney(text(x, 'recovered') || '0') },
        { title: 'outstanding', numeric: true, cell: (x: unknown) => formatMoney(text(x, 'outstanding') || '0') },
      ], list(await api.get('/v1/advances')))]);
    } },

    payouts: { title: 'Payouts', render: (root) => {
      const merchant = field('Merchant', 'payout-merchant', { required: '', placeholder: 'e.g. canteen-north' });
      const payoutId = field('Payout id (idempotency key)', 'payout-id', { required: '', value: `payout-${new Date().toISOString().slice(0, 10)}` });
      const out = h('div', { 'aria-live': 'polite' });
      const form = h('form', { class: 'inline', onsubmit: (e) => {
        e.preventDefault();
        void api.post('/v1/payouts', { merchantId: merchant.input.value.trim(), payoutId: payoutId.input.value.trim() }).then((r) => {
          const st = obj(r, 'result');
          out.replaceChildren(txLine(r, tz, formatTime), h('p', {}, `Paid ${formatMoney(text(st, 'total') || '0')} to ${text(st, 'merchantId')}.`),
            csvButton(api, `/v1/payouts/${encodeURIComponent(text(st, 'merchantId'))}/${encodeURIComponent(text(st, 'payoutId'))}`, `payout-${text(st, 'merchantId')}-${text(st, 'payoutId')}.csv`),
            pagedTable('Statement lines', [
              { title: 'terminal', cell: (l: unknown) => text(l, 'terminalId') },
              { title: 'batch', numeric: true, cell: (l: unknown) => text(l, 'batchSeq') },
              { title: 'settled at', cell: (l: unknown) => formatTime(num(l, 'at'), tz) },
              { title: 'amount', numeric: true, cell: (l: unknown) => formatMoney(text(l, 'amount') || '0') },
            ], list(st, 'lines')));
        }, (err: unknown) => { out.replaceChildren(problemBox(err)); });
      } }, merchant.row, payoutId.row, h('button', { type: 'submit' }, 'Pay out'));
      root.replaceChildren(form, out);
    } },
  };
}
