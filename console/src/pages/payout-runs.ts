/**
 * Paying merchants (docs/gateway.md, "Paying merchants"): the operator's daily close (what each
 * merchant is owed, a run's preview, a confirmation, the bank file), one merchant's payouts with a
 * picker and a confirmation, and the auditor's check that runs, payouts and credits agree.
 */
import { ProblemError, list, num, obj, text, type Api, type Me } from '../api.js';
import { formatMoney, formatTime } from '../format.js';
import { choice, confirmStep, csvButton, field, h, into, nothingYet, pagedTable, problemBox, txLine } from '../ui.js';

type Page = { title: string; render: (root: HTMLElement) => void };

/** A run id for today's close in the campus time zone: close-YYYY-MM-DD. */
function todaysRunId(timeZone: string): string {
  return `close-${new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())}`;
}

const oldest = (x: unknown, tz: string): string => (Number.isFinite(num(x, 'oldestAt')) ? formatTime(num(x, 'oldestAt'), tz) : '—');

/** What each merchant is owed, as a table. */
function owedTable(balances: unknown, tz: string, caption: string): HTMLElement {
  return pagedTable(caption, [
    { title: 'merchant', cell: (m: unknown) => text(m, 'merchantId') },
    { title: 'name', cell: (m: unknown) => text(m, 'name') },
    { title: 'owed', numeric: true, cell: (m: unknown) => formatMoney(text(m, 'owed') || '0') },
    { title: 'credits', numeric: true, cell: (m: unknown) => text(m, 'credits') },
    { title: 'oldest unpaid', cell: (m: unknown) => oldest(m, tz) },
  ], list(balances, 'merchants'));
}

/** The runs so far, each with its bank file. */
function runsTable(api: Api, runs: unknown[], tz: string): HTMLElement {
  if (runs.length === 0) return nothingYet('No payout run yet.');
  return pagedTable('Payout runs, newest first', [
    { title: 'run', cell: (r: unknown) => text(r, 'runId') },
    { title: 'ran at', cell: (r: unknown) => formatTime(num(r, 'at'), tz) },
    { title: 'merchants', numeric: true, cell: (r: unknown) => text(r, 'merchants') },
    { title: 'total', numeric: true, cell: (r: unknown) => formatMoney(text(r, 'total') || '0') },
    { title: 'bank file', cell: (r: unknown) => csvButton(api, `/v1/payout-runs/${encodeURIComponent(text(r, 'runId'))}`, `payout-run-${text(r, 'runId')}.csv`) },
  ], runs, 10);
}

/** The run of this id, if one was made before (404: none). */
async function madeBefore(api: Api, runId: string): Promise<unknown> {
  try {
    return await api.get(`/v1/payout-runs/${encodeURIComponent(runId)}`);
  } catch (error) {
    if (error instanceof ProblemError && error.problem.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

function closePage(api: Api, tz: string): Page {
  return { title: 'Daily close', render: (root) => {
    const preview = h('div', { class: 'preview' });
    const action = h('div', { 'aria-live': 'polite' });
    const runs = h('div', {});
    const runId = field('Run id (idempotency key: the same id again pays nothing more)', 'run-id', { required: '', value: todaysRunId(tz) });
    const showRuns = (): void => { void into(runs, async () => runsTable(api, list(await api.get('/v1/payout-runs')), tz)); };
    const form = h('form', { class: 'inline', onsubmit: (e) => {
      e.preventDefault();
      const id = runId.input.value.trim();
      void madeBefore(api, id).then((earlier) => {
        if (earlier !== undefined) {
          // The same id again would answer the earlier run and pay nothing: say so, and offer nothing to confirm.
          action.replaceChildren(h('p', { class: 'bad', role: 'alert' }, `Run ${id} was already made at ${formatTime(num(earlier, 'at'), tz)}: it paid ${text(earlier, 'merchants')} merchants ${formatMoney(text(earlier, 'total') || '0')}. Nothing is paid again under this id: choose another run id for what is owed now.`),
            csvButton(api, `/v1/payout-runs/${encodeURIComponent(id)}`, `payout-run-${id}.csv`));
          return undefined;
        }
        return api.get('/v1/merchant-balances');
      }).then((b) => {
        if (b === undefined) return;
        const owing = list(b, 'merchants').filter((m) => text(m, 'owed') !== '0');
        confirmStep(action, {
          id: 'confirm-run', question: `Pay ${String(owing.length)} merchants ${formatMoney(text(b, 'total') || '0')} as run ${id}?`,
          consequences: [`Every merchant below is paid all its unpaid credits, in one ledger transaction. The run's bank file is then ready to download; the same run id again pays nothing more.`],
          inputs: [owedTable({ merchants: owing }, tz, 'This run pays')], confirm: 'Confirm: pay every merchant',
          send: async () => {
            const r = await api.post('/v1/payout-runs', { runId: id });
            const run = obj(r, 'result');
            if (text(r, 'replayed') === 'true') return [txLine(r, tz, formatTime), h('p', { class: 'bad', role: 'alert' }, `Run ${id} had been made already: nothing was paid now.`)];
            showRuns();
            void into(preview, async () => owedTable(await api.get('/v1/merchant-balances'), tz, 'Owed now, after the run'));
            return [txLine(r, tz, formatTime), h('p', {}, `Run ${text(run, 'runId')} paid ${text(run, 'merchants')} merchants ${formatMoney(text(run, 'total') || '0')}.`),
              csvButton(api, `/v1/payout-runs/${encodeURIComponent(text(run, 'runId'))}`, `payout-run-${text(run, 'runId')}.csv`)];
          },
        });
      }, (error: unknown) => { action.replaceChildren(problemBox(error)); });
    } }, runId.row, h('button', { type: 'submit' }, 'Preview the run…'));
    root.replaceChildren(h('p', {}, 'Each merchant is paid what its settled batches credited it and no payout has taken yet.'), preview, form, action, h('h2', {}, 'Runs'), runs);
    void into(preview, async () => {
      const b = await api.get('/v1/merchant-balances');
      return [h('p', {}, `Owed now: ${formatMoney(text(b, 'total') || '0')} over ${text(b, 'credits')} credits.`), owedTable(b, tz, 'What each merchant is owed now')];
    });
    showRuns();
  } };
}

function merchantPage(api: Api, tz: string): Page {
  return { title: 'Payouts', render: (root) => {
    const out = h('div', { 'aria-live': 'polite' });
    void into(root, async () => {
      const merchants = list(await api.get('/v1/merchant-balances'), 'merchants');
      const pick = choice('Merchant', 'payout-merchant', merchants.map((m) => text(m, 'merchantId')), 'Choose a merchant');
      const show = (): void => {
        const id = pick.select.value;
        if (id === '') return;
        void into(out, async () => {
          const m = await api.get(`/v1/merchants/${encodeURIComponent(id)}/payouts`);
          const action = h('div', { 'aria-live': 'polite' });
          const payoutId = field('Payout id (idempotency key)', 'payout-id', { required: '', value: `${id}-${todaysRunId(tz).slice('close-'.length)}` });
          const pay = h('button', { type: 'button', onclick: () => {
            confirmStep(action, {
              id: 'confirm-payout', question: `Pay ${text(m, 'name') || id} ${formatMoney(text(m, 'unpaid') || '0')} now?`,
              consequences: [`All ${text(m, 'unpaidCredits')} unpaid credits of ${id} are paid as payout ${payoutId.input.value.trim()}.`], confirm: 'Confirm: pay this merchant',
              send: async () => {
                const r = await api.post('/v1/payouts', { merchantId: id, payoutId: payoutId.input.value.trim() });
                return [txLine(r, tz, formatTime), h('p', {}, `Paid ${formatMoney(text(obj(r, 'result'), 'total') || '0')} to ${id}.`),
                  csvButton(api, `/v1/payouts/${encodeURIComponent(id)}/${encodeURIComponent(payoutId.input.value.trim())}`, `payout-${id}-${payoutId.input.value.trim()}.csv`)];
              },
            });
          } }, 'Pay this merchant…');
          return [h('p', {}, `${text(m, 'name') || id}: unpaid ${formatMoney(text(m, 'unpaid') || '0')} (${text(m, 'unpaidCredits')} credits), paid so far ${formatMoney(text(m, 'paid') || '0')}.`),
            payoutId.row, pay, action, pagedTable('Payouts, newest first', [
              { title: 'payout', cell: (p: unknown) => text(p, 'payoutId') },
              { title: 'run', cell: (p: unknown) => text(p, 'runId') || '—' },
              { title: 'paid at', cell: (p: unknown) => formatTime(num(p, 'at'), tz) },
              { title: 'credits', numeric: true, cell: (p: unknown) => text(p, 'lineCount') },
              { title: 'total', numeric: true, cell: (p: unknown) => formatMoney(text(p, 'total') || '0') },
            ], list(m, 'payouts'))];
        });
      };
      pick.select.addEventListener('change', show);
      return [pick.row, out];
    });
  } };
}

function checkPage(api: Api): Page {
  return { title: 'Payout check', render: (root) => {
    void into(root, async () => {
      const c = await api.get('/v1/payout-check');
      const ok = text(c, 'ok') === 'true';
      return [
        h('p', { class: ok ? 'ok' : 'bad', role: 'status' }, ok ? 'Runs, payouts and merchant credits agree.' : 'Runs, payouts and merchant credits DISAGREE:'),
        ...(ok ? [] : [h('ul', {}, ...list(c, 'problems').map((p) => h('li', {}, String(p))))]),
        h('p', {}, `Paid out in all: ${formatMoney(text(c, 'paidTotal') || '0')}; the payouts book: ${formatMoney(text(c, 'payoutsBook') || '0')}.`),
        pagedTable('Merchants: book against unpaid credits', [
          { title: 'merchant', cell: (m: unknown) => text(m, 'merchantId') },
          { title: 'book', numeric: true, cell: (m: unknown) => formatMoney(text(m, 'book') || '0') },
          { title: 'unpaid credits', numeric: true, cell: (m: unknown) => formatMoney(text(m, 'unpaid') || '0') },
          { title: 'paid', numeric: true, cell: (m: unknown) => formatMoney(text(m, 'paid') || '0') },
          { title: 'agrees', cell: (m: unknown) => h('span', { class: text(m, 'agrees') === 'true' ? 'ok' : 'bad' }, text(m, 'agrees') === 'true' ? 'yes' : 'NO') },
        ], list(c, 'merchants')),
        pagedTable('Runs: total against their payouts', [
          { title: 'run', cell: (r: unknown) => text(r, 'runId') },
          { title: 'total', numeric: true, cell: (r: unknown) => formatMoney(text(r, 'total') || '0') },
          { title: 'payouts', numeric: true, cell: (r: unknown) => formatMoney(text(r, 'statements') || '0') },
          { title: 'agrees', cell: (r: unknown) => h('span', { class: text(r, 'agrees') === 'true' ? 'ok' : 'bad' }, text(r, 'agrees') === 'true' ? 'yes' : 'NO') },
        ], list(c, 'runs')),
      ];
    });
  } };
}

export function payoutPages(api: Api, me: Me): Record<string, Page> {
  const tz = me.campusTimeZone;
  return { close: closePage(api, tz), payouts: merchantPage(api, tz), 'payout-check': checkPage(api) };
}
