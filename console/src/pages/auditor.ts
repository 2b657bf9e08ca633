/** The auditor's console: the books, statements with proofs, batch chains, double spends, debts, the canteen hour. */
import { list, num, obj, text, type Api, type Me } from '../api.js';
import { stackedBars } from '../chart.js';
import { formatMoney, formatTime, minuteOf, sumMinor } from '../format.js';
import { field, h, into, pagedTable, problemBox } from '../ui.js';

export function auditorPages(api: Api, me: Me): Record<string, { title: string; render: (root: HTMLElement) => void }> {
  const tz = me.campusTimeZone;
  const time = (ms: number): string => (Number.isFinite(ms) ? formatTime(ms, tz) : '');
  const money = (v: unknown, key: string): string => formatMoney(text(v, key) || '0');

  return {
    books: { title: 'Books', render: (root) => {
      void into(root, async () => {
        const [inv, points, debts] = await Promise.all([api.get('/v1/invariant'), api.get('/v1/points/supply'), api.get('/v1/debts')]);
        const ok = text(inv, 'ok') === 'true';
        const totals = Object.entries(obj(inv, 'totals'));
        return [
          h('section', { 'aria-labelledby': 'inv-h' }, h('h2', { id: 'inv-h' }, 'The invariant'),
            h('p', { class: ok ? 'ok' : 'bad', 'data-testid': 'invariant' }, ok ? `Holds: ${text(inv, 'postings')} postings sum to ${text(inv, 'sum')}, every stored balance equals its postings.` : `BROKEN: ${JSON.stringify(obj(inv, 'mismatches'))}`)),
          pagedTable('Totals per account class', [
            { title: 'class', cell: (r: [string, unknown]) => r[0] },
            { title: 'balance', numeric: true, cell: (r: [string, unknown]) => (r[0].startsWith('points') ? String(r[1]) : formatMoney(String(r[1]))) },
          ], totals),
          h('section', { 'aria-labelledby': 'pts-h' }, h('h2', { id: 'pts-h' }, 'Campus points'),
            h('p', {}, `Issued ${text(points, 'issued')}, expired ${text(points, 'expired')}, supply ${text(points, 'supply')}, held by accounts ${text(points, 'heldByAccounts')} (${text(points, 'consistent') === 'true' ? 'consistent' : 'INCONSISTENT'}).`)),
          h('section', { 'aria-labelledby': 'debt-h' }, h('h2', { id: 'debt-h' }, 'Debts by age'),
            h('p', {}, ...Object.entries(obj(debts, 'totals')).map(([bucket, v]) => `${bucket} days: ${formatMoney(String(v))}; `))),
        ];
      });
    } },

    statement: { title: 'Statement', render: (root) => {
      const account = field('Student account', 'statement-account', { placeholder: 'e.g. s-00042', required: '' });
      const out = h('div', { 'aria-live': 'polite' });
      const form = h('form', { class: 'inline', onsubmit: (e) => {
        e.preventDefault();
        void into(out, async () => {
          const st = await api.get(`/v1/accounts/${encodeURIComponent(account.input.value.trim())}/statement`);
          const balances = obj(st, 'balances');
          return [
            h('h2', {}, `Statement of ${text(st, 'account')} (${text(st, 'status')})`),
            h('p', { class: text(st, 'consistent') === 'true' ? 'ok' : 'bad' }, text(st, 'consistent') === 'true' ? 'Postings prove every balance.' : 'Postings do NOT prove the balances.'),
            h('p', {}, ...Object.entries(balances).map(([k, v]) => `${k}: ${typeof v === 'string' && /^-?[0-9]+$/.test(v) ? formatMoney(v) : String(v)}; `)),
            pagedTable('Entries', [
              { title: 'time', cell: (e: unknown) => time(num(e, 'at')) },
              { title: 'postings', cell: (e: unknown) => h('ul', {}, ...list(e, 'postings').map((p) => h('li', {}, `${text(p, 'from')} → ${text(p, 'to')} ${money(p, 'amount')} (${text(p, 'ref')})`))) },
              { title: 'transaction', cell: (e: unknown) => proofButton(text(e, 'txId')) },
            ], list(st, 'entries'), 10),
          ];
        });
      } }, account.row, h('button', { type: 'submit' }, 'Show statement'));
      root.replaceChildren(form, out);
    } },

    chains: { title: 'Batch chains', render: (root) => {
      void into(root, async () => {
        const terminals = list(await api.get('/v1/terminals'));
        const out = h('div', { 'aria-live': 'polite' });
        const pick = (id: string): void => void into(out, async () => {
          const entries = list(await api.get(`/v1/terminals/${encodeURIComponent(id)}/batches`));
          const seen = new Set<number>();
          const rows = entries.map((e) => {
            const seq = num(e, 'batchSeq');
            const counts = obj(e, 'counts');
            const marks: string[] = [];
            if (seen.has(seq)) marks.push('repeated upload');
            if (Number(counts.fork ?? 0) > 0) marks.push('FORK');
            if (Number(counts.conflict ?? 0) > 0) marks.push('conflict');
            // Gaps and chain breaks as the ledger found them (between batches and within one).
            for (const a of list(e, 'anomalies')) marks.push(`${text(a, 'kind').toUpperCase()}: ${text(a, 'detail')}`);
            seen.add(seq);
            return { e, marks };
          });
          return pagedTable(`Batch chain of ${id}`, [
            { title: 'batch', numeric: true, cell: (r: { e: unknown }) => String(num(r.e, 'batchSeq')) },
            { title: 'settled at', cell: (r: { e: unknown }) => time(num(r.e, 'at')) },
            { title: 'outcomes', cell: (r: { e: unknown }) => Object.entries(obj(r.e, 'counts')).filter(([, v]) => v !== 0).map(([k, v]) => `${k} ${String(v)}`).join(', ') },
            { title: 'merchant credit', numeric: true, cell: (r: { e: unknown }) => money(r.e, 'merchantCredit') },
            { title: 'marks', cell: (r: { marks: string[] }) => h('span', { class: r.marks.length > 0 ? 'mark' : '' }, r.marks.join('; ') || '—') },
          ], rows);
        });
        return [
          h('nav', { 'aria-label': 'terminals', class: 'chips' }, ...terminals.map((t) => h('button', { type: 'button', onclick: () => { pick(text(t, 'terminalId')); } }, text(t, 'terminalId')))),
          out,
        ];
      });
    } },

    fraud: { title: 'Double spends', render: (root) => {
      void into(root, async () => {
        const cases = list(await api.get('/v1/fraud-cases'));
        const rows = await Promise.all(cases.map(async (c) => ({ c, sales: await Promise.all(list(c, 'payments').map((id) => api.get(`/v1/payments/${encodeURIComponent(String(id))}`).catch(() => null))) })));
        const sale = (p: unknown): HTMLElement => {
          const pay = obj(p, 'payment');
          return h('div', { class: 'sale' }, `${text(pay, 'paymentId')} at ${time(num(pay, 'at'))}, ${money(pay, 'amount')}, ${text(pay, 'code')}`);
        };
        return pagedTable('Double-spend cases', [
          { title: 'case', cell: (r: { c: unknown }) => text(r.c, 'caseId') },
          { title: 'medium, counter', cell: (r: { c: unknown }) => `${text(r.c, 'mediaId')} #${text(r.c, 'ctr')}` },
          { title: 'account', cell: (r: { c: unknown }) => text(r.c, 'account') },
          { title: 'first sale', cell: (r: { sales: unknown[] }) => sale(r.sales[0]) },
          { title: 'second sale', cell: (r: { sales: unknown[] }) => sale(r.sales[1]) },
        ], rows, 10);
      });
    } },

    debts: { title: 'Debts', render: (root) => {
      void into(root, async () => {
        const d = await api.get('/v1/debts');
        const debts = list(d, 'debts');
        return [
          h('p', {}, `As of ${time(num(d, 'asOf'))}: ${String(debts.length)} accounts owe ${formatMoney(sumMinor(debts.flatMap((x) => [text(x, 'advance') || '0', text(x, 'credit') || '0'])))}.`),
          pagedTable('Open debts with ageing', [
            { title: 'account', cell: (x: unknown) => text(x, 'account') },
            { title: 'status', cell: (x: unknown) => text(x, 'status') },
            { title: 'advance', numeric: true, cell: (x: unknown) => money(x, 'advance') },
            { title: 'credit', numeric: true, cell: (x: unknown) => money(x, 'credit') },
            { title: 'age (days)', numeric: true, cell: (x: unknown) => text(x, 'ageDays') },
            { title: 'bucket', cell: (x: unknown) => text(x, 'bucket') },
          ], debts),
        ];
      });
    } },

    hour: { title: 'Canteen hour', render: (root) => {
      void into(root, async () => {
        const terminals = list(await api.get('/v1/terminals'));
        const chains = await Promise.all(terminals.map((t) => api.get(`/v1/terminals/${encodeURIComponent(text(t, 'terminalId'))}/batches`)));
        const byMinute = new Map<string, Map<string, number>>();
        const lagByMinute = new Map<string, Map<string, number>>();
        const outcomes = new Set<string>();
        const lagBands = ['< 1 min', '1–10 min', '10–60 min', '> 60 min'];
        for (const e of chains.flatMap((c) => list(c))) {
          const settledAt = num(e, 'at');
          for (const p of list(e, 'payments')) {
            const minute = minuteOf(num(p, 'at'), tz);
            const code = text(p, 'code');
            outcomes.add(code);
            const m = byMinute.get(minute) ?? new Map<string, number>();
            m.set(code, (m.get(code) ?? 0) + 1);
            byMinute.set(minute, m);
            const lag = (settledAt - num(p, 'at')) / 60_000;
            const band = lagBands[lag < 1 ? 0 : lag < 10 ? 1 : lag < 60 ? 2 : 3] ?? '';
            const l = lagByMinute.get(minute) ?? new Map<string, number>();
            l.set(band, (l.get(band) ?? 0) + 1);
            lagByMinute.set(minute, l);
          }
        }
        const minutes = [...byMinute.keys()].sort();
        if (minutes.length === 0) return h('p', {}, 'No payments on the ledger yet.');
        return [
          stackedBars(`Payments per minute by outcome (${tz})`, minutes, [...outcomes].sort(), byMinute),
          stackedBars('Settlement lag, sale to ledger, by minute of sale', minutes, lagBands, lagByMinute),
        ];
      });
    } },
  };

  function proofButton(txId: string): HTMLElement {
    const out = h('span', {});
    const button = h('button', { type: 'button', class: 'link', onclick: () => {
      void api.get(`/v1/proofs/${txId}`).then((p) => {
        out.replaceChildren(h('span', { class: 'proof' }, `block ${text(p, 'blockNumber')}, ${text(p, 'validationCode')}, hash ${text(p, 'blockHash').slice(0, 16)}…${text(p, 'notice') === '' ? '' : ` (${text(p, 'notice')})`}`));
      }, (error: unknown) => {
        out.replaceChildren(problemBox(error));
      });
    } }, `${txId.slice(0, 12)}… proof`);
    return h('span', {}, button, out);
  }
}
