/** The auditor's console: the books, statements with proofs (and the account's media), batch chains, double spends (each sale with its funding), debts; the canteen hour is canteen-hour.ts. */
import { list, num, obj, text, type Api, type Me } from '../api.js';
import { bookName, formatFunding, formatMoney, formatOnBook, formatPoints, formatTime, sumMinor } from '../format.js';
import { csvButton, field, h, into, longId, nothingYet, pagedTable, problemBox } from '../ui.js';
import { accountMedia } from './account-media.js';
import { canteenHourPage } from './canteen-hour.js';
import { chainOverview } from './chain-overview.js';

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
            { title: 'balance', numeric: true, cell: (r: [string, unknown]) => formatOnBook(r[0], String(r[1])) },
          ], totals),
          h('section', { 'aria-labelledby': 'pts-h' }, h('h2', { id: 'pts-h' }, 'Campus points'),
            h('p', {}, `Issued ${formatPoints(text(points, 'issued') || '0')}, expired ${formatPoints(text(points, 'expired') || '0')}, supply ${formatPoints(text(points, 'supply') || '0')}, held by accounts ${formatPoints(text(points, 'heldByAccounts') || '0')} (${text(points, 'consistent') === 'true' ? 'consistent' : 'INCONSISTENT'}).`)),
          h('section', { 'aria-labelledby': 'debt-h' }, h('h2', { id: 'debt-h' }, 'Debts by age'),
            Object.keys(obj(debts, 'totals')).length === 0 ? nothingYet('No open debts: nobody owes an advance or used credit.')
              : h('p', { 'data-testid': 'debts-by-age' }, Object.entries(obj(debts, 'totals')).map(([bucket, v]) => `${bucket} days: ${formatMoney(String(v))}`).join('; '))),
        ];
      });
    } },

    statement: { title: 'Statement', render: (root) => {
      const account = field('Student account', 'statement-account', { placeholder: 'e.g. s00042', required: '' });
      const out = h('div', { 'aria-live': 'polite' });
      const form = h('form', { class: 'inline', onsubmit: (e) => {
        e.preventDefault();
        void into(out, async () => {
          const id = account.input.value.trim();
          const path = `/v1/accounts/${encodeURIComponent(id)}/statement`;
          const st = await api.get(path);
          const balances = obj(st, 'balances');
          return [
            h('h2', {}, `Statement of ${text(st, 'account')} (${text(st, 'status')})`),
            h('p', { class: text(st, 'consistent') === 'true' ? 'ok' : 'bad' }, text(st, 'consistent') === 'true' ? 'Postings prove every balance.' : 'Postings do NOT prove the balances.'),
            h('dl', { class: 'facts', 'data-testid': 'balances' }, ...Object.entries(balances).flatMap(([k, v]) => [
              h('dt', { title: k }, bookName(k)), h('dd', {}, typeof v === 'string' && /^-?[0-9]+$/.test(v) ? formatOnBook(k, v) : String(v))])),
            h('p', { class: 'note' }, 'A negative credit line or advance is what the student owes.'),
            csvButton(api, path, `statement-${id}.csv`),
            pagedTable('Entries', [
              { title: 'time', cell: (e: unknown) => time(num(e, 'at')) },
              { title: 'postings', cell: (e: unknown) => list(e, 'postings').length === 0 ? h('span', { class: 'note' }, list(st, 'entries')[0] === e ? 'account opened (no money moved)' : 'no money moved') : h('ul', {}, ...list(e, 'postings').map((p) => h('li', {}, `${text(p, 'from')} → ${text(p, 'to')} ${formatOnBook(text(p, 'to'), text(p, 'amount') || '0')} (${text(p, 'ref')})`))) },
              { title: 'by', cell: (e: unknown) => (text(obj(e, 'by'), 'subject') === '' ? '—' : `${text(obj(e, 'by'), 'subject')} (${text(obj(e, 'by'), 'role')}, ${text(obj(e, 'by'), 'mspId')})`) },
              { title: 'transaction', cell: (e: unknown) => proofButton(text(e, 'txId')) },
            ], list(st, 'entries'), 10),
            accountMedia(api, id, time),
          ];
        });
      } }, account.row, h('button', { type: 'submit' }, 'Show statement'));
      root.replaceChildren(form, out);
    } },

    chains: { title: 'Batch chains', render: (root) => {
      void into(root, async () => {
        const terminals = list(await api.get('/v1/terminals'));
        if (terminals.length === 0) return nothingYet('No terminals are registered yet, so there are no batch chains to show.');
        // Edges approve sales but upload no batches: they have no chain to show.
        const selling = terminals.filter((t) => text(t, 'role') !== 'edge');
        const out = h('div', { 'aria-live': 'polite' }, nothingYet('Choose a terminal to see its batch chain.'));
        const pick = (id: string): void => void into(out, async () => {
          const entries = list(await api.get(`/v1/terminals/${encodeURIComponent(id)}/batches`));
          if (entries.length === 0) return nothingYet(`No batches from ${id} have settled yet.`);
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
          await chainOverview(api, selling),
          h('nav', { 'aria-label': 'terminals', class: 'chips' }, ...selling.map((t) => h('button', { type: 'button', onclick: () => { pick(text(t, 'terminalId')); } }, text(t, 'terminalId')))),
          out,
        ];
      });
    } },

    fraud: { title: 'Double spends', render: (root) => {
      void into(root, async () => {
        const cases = list(await api.get('/v1/fraud-cases'));
        const rows = await Promise.all(cases.map(async (c) => ({ c, sales: await Promise.all(list(c, 'payments').map((id) => api.get(`/v1/payments/${encodeURIComponent(String(id))}`).catch(() => null))) })));
        // Each sale with its funding: who paid is decided at the fold, seconds after settlement (docs/settlement.md).
        const sale = (p: unknown): HTMLElement => {
          const pay = obj(p, 'payment');
          const funding = formatFunding(p);
          return h('div', { class: 'sale' }, `${text(pay, 'paymentId')} at ${time(num(pay, 'at'))}, ${money(pay, 'amount')}, ${text(pay, 'code')}`,
            funding === '' ? null : h('div', { class: 'funding' }, `Funding: ${funding}`));
        };
        // "Earlier" and "later" by the time of sale (the order the ledger learnt them in says nothing about which came first).
        const atOf = (p: unknown): number => (p === null ? Number.POSITIVE_INFINITY : num(obj(p, 'payment'), 'at'));
        for (const r of rows) r.sales.sort((a, b) => atOf(a) - atOf(b));
        return pagedTable('Double-spend cases', [
          { title: 'case', cell: (r: { c: unknown }) => longId(text(r.c, 'caseId')) },
          { title: 'medium, counter', cell: (r: { c: unknown }) => `${text(r.c, 'mediaId')} #${text(r.c, 'ctr')}` },
          { title: 'account', cell: (r: { c: unknown }) => text(r.c, 'account') },
          { title: 'earlier sale', cell: (r: { sales: unknown[] }) => sale(r.sales[0]) },
          { title: 'later sale', cell: (r: { sales: unknown[] }) => sale(r.sales[1]) },
        ], rows, 10);
      });
    } },

    debts: { title: 'Debts', render: (root) => {
      // One account's debts (GET /v1/debts?account=) or every account's, paged.
      const account = field('Find account', 'debts-account', { type: 'search', placeholder: 'e.g. s00042', autocomplete: 'off', spellcheck: 'false' });
      const out = h('div', { 'aria-live': 'polite' });
      const show = (id: string): void => void into(out, async () => {
        const path = id === '' ? '/v1/debts' : `/v1/debts?account=${encodeURIComponent(id)}`;
        const d = await api.get(path);
        const debts = list(d, 'debts');
        const whose = id === '' ? '' : ` of ${id}`;
        return [
          h('p', { 'data-testid': 'debts-summary' }, debts.length === 0 ? `As of ${time(num(d, 'asOf'))}: no open debts${whose}.` : `As of ${time(num(d, 'asOf'))}: ${String(debts.length)} ${debts.length === 1 ? 'account owes' : 'accounts owe'} ${formatMoney(sumMinor(debts.flatMap((x) => [text(x, 'advance') || '0', text(x, 'credit') || '0'])))}${whose}.`),
          csvButton(api, path, id === '' ? 'debts.csv' : `debts-${id}.csv`),
          pagedTable(`Open debts with ageing${whose}`, [
            { title: 'account', cell: (x: unknown) => text(x, 'account') },
            { title: 'status', cell: (x: unknown) => text(x, 'status') },
            { title: 'advance', numeric: true, cell: (x: unknown) => money(x, 'advance') },
            { title: 'credit', numeric: true, cell: (x: unknown) => money(x, 'credit') },
            { title: 'age (days)', numeric: true, cell: (x: unknown) => text(x, 'ageDays') },
            { title: 'bucket', cell: (x: unknown) => text(x, 'bucket') },
          ], debts),
        ];
      });
      const form = h('form', { class: 'inline', role: 'search', onsubmit: (e) => { e.preventDefault(); show(account.input.value.trim()); } },
        account.row, h('button', { type: 'submit' }, 'Find debts'),
        h('button', { type: 'button', onclick: () => { account.input.value = ''; show(''); } }, 'Show all'));
      root.replaceChildren(form, out);
      show('');
    } },

    hour: canteenHourPage(api, tz),
  };

  function proofButton(txId: string): HTMLElement {
    const out = h('span', {});
    const button = h('button', { type: 'button', class: 'link', onclick: () => {
      void api.get(`/v1/proofs/${txId}`).then((p) => {
        out.replaceChildren(h('span', { class: 'proof' }, `Proof: block ${text(p, 'blockNumber')}, ${text(p, 'validationCode')}, hash ${text(p, 'blockHash').slice(0, 16)}…${text(p, 'notice') === '' ? '' : ` (${text(p, 'notice')})`}`));
      }, (error: unknown) => {
        out.replaceChildren(problemBox(error));
      });
    } }, `${txId.slice(0, 12)}… proof`);
    return h('span', {}, button, out);
  }
}
