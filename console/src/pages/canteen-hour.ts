/**
 * The canteen hour (auditor): payments per bucket of the sale's time by outcome, the settlement
 * lag, and the exceptions (double spends, rejections, duplicates) on a scale of their own, so that
 * a few among thousands are seen. Filtered by canteen and day; the window is where the sales are
 * (the 1st to the 99th percentile of their times), so that a lone sale hours before the rush does
 * not squeeze the hour into a corner; "whole day" draws every sale.
 */
import { list, num, text, type Api } from '../api.js';
import { stackedBars, type Series } from '../chart.js';
import { minuteOf, zoneLabel } from '../format.js';
import { choice, csvButton, h, into, nothingYet, pagedTable } from '../ui.js';

/** One meaning per colour on a page: outcomes in their own hues, lag bands in shades of blue. */
export const OUTCOME_COLOURS: Readonly<Record<string, string>> = {
  settled: '#2f6f4f', 'double-spend': '#b03a2e', rejected: '#6c3483', duplicate: '#7f8c8d', conflict: '#1c2833',
};
const LAG_BANDS: readonly Series[] = [
  { name: '< 1 min', colour: '#c6dbef' }, { name: '1–10 min', colour: '#6baed6' }, { name: '10–60 min', colour: '#2171b5' }, { name: '> 60 min', colour: '#08306b' },
];
/** Outcomes an auditor looks for among the settled ones. */
const EXCEPTIONS: ReadonlySet<string> = new Set(['double-spend', 'rejected', 'duplicate', 'conflict']);
/** Bucket widths for the time axis, in minutes: the first that keeps the axis within 180 bars. */
const BUCKETS = [1, 5, 15, 60, 360, 1440];
const ALL = '(all canteens)';

interface Sale { readonly at: number; readonly code: string; readonly lag: number; readonly merchant: string }

/** The campus-time day of a time: YYYY-MM-DD. */
const dayOf = (ms: number, tz: string): string => new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));

/** The window the sales are in: the 1st to the 99th percentile of their times (all of them when few). */
export function saleWindow(times: readonly number[]): { from: number; to: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const trim = sorted.length >= 100 ? Math.floor(sorted.length / 100) : 0;
  return { from: sorted[trim] ?? 0, to: sorted[sorted.length - 1 - trim] ?? 0 };
}

function charts(sales: readonly Sale[], tz: string): HTMLElement[] {
  const first = Math.min(...sales.map((x) => x.at));
  const last = Math.max(...sales.map((x) => x.at));
  const width = BUCKETS.find((b) => (last - first) / (b * 60_000) < 180) ?? 1440;
  const bucketMs = width * 60_000;
  const keys: string[] = [];
  for (let b = Math.floor(first / bucketMs); b <= Math.floor(last / bucketMs); b++) keys.push(String(b));
  const byOutcome = new Map<string, Map<string, number>>();
  const byLag = new Map<string, Map<string, number>>();
  const add = (m: Map<string, Map<string, number>>, key: string, series: string): void => {
    const row = m.get(key) ?? new Map<string, number>();
    row.set(series, (row.get(series) ?? 0) + 1);
    m.set(key, row);
  };
  for (const x of sales) {
    const key = String(Math.floor(x.at / bucketMs));
    add(byOutcome, key, x.code);
    add(byLag, key, LAG_BANDS[x.lag < 1 ? 0 : x.lag < 10 ? 1 : x.lag < 60 ? 2 : 3]?.name ?? '');
  }
  const colourOf = (name: string): Series => ({ name, colour: OUTCOME_COLOURS[name] ?? '#34495e' });
  const outcomes = [...new Set(sales.map((x) => x.code))].sort().map(colourOf);
  const exceptions = outcomes.filter((s) => EXCEPTIONS.has(s.name));
  const zone = `${tz}, ${zoneLabel(last, tz)}`;
  const per = width === 1 ? 'minute' : `${String(width)} minutes`;
  const axis = { keys, labelOf: (k: string) => minuteOf(Number(k) * bucketMs, tz), xTitle: `time of sale, ${zone}`, yTitle: 'payments' };
  return [
    stackedBars(`Payments per ${per} by outcome (${zone})`, { ...axis, series: outcomes, counts: byOutcome }),
    stackedBars(`Settlement lag, sale to ledger, by ${per} of sale (${zone})`, { ...axis, series: LAG_BANDS, counts: byLag }),
    exceptions.length === 0
      ? h('p', { class: 'empty' }, 'No double spends, rejections or duplicates in this window.')
      : stackedBars(`Exceptions per ${per}: double spends, rejections, duplicates, on their own scale (${zone})`, { ...axis, series: exceptions, counts: byOutcome }),
  ];
}

function outcomeTable(sales: readonly Sale[]): HTMLElement {
  const counts = new Map<string, number>();
  for (const s of sales) counts.set(s.code, (counts.get(s.code) ?? 0) + 1);
  return pagedTable('Outcomes in the window', [
    { title: 'outcome', cell: (r: [string, number]) => r[0] },
    { title: 'payments', numeric: true, cell: (r: [string, number]) => r[1].toLocaleString('en') },
  ], [...counts.entries()].sort((a, b) => b[1] - a[1]));
}

export function canteenHourPage(api: Api, tz: string): { title: string; render: (root: HTMLElement) => void } {
  return { title: 'Canteen hour', render: (root) => {
    void into(root, async () => {
      // Edges upload no batches: only terminals have sales.
      const terminals = list(await api.get('/v1/terminals')).filter((t) => text(t, 'role') !== 'edge');
      const chains = await Promise.all(terminals.map(async (t) => ({ merchant: text(t, 'merchantId'), chain: list(await api.get(`/v1/terminals/${encodeURIComponent(text(t, 'terminalId'))}/batches`)) })));
      const sales: Sale[] = chains.flatMap((c) => c.chain.flatMap((e) => list(e, 'payments').map((p) => ({
        at: num(p, 'at'), code: text(p, 'code'), lag: (num(e, 'at') - num(p, 'at')) / 60_000, merchant: c.merchant,
      }))));
      if (sales.length === 0) return nothingYet('No payments on the ledger yet: the charts appear once the first batch has settled.');
      const canteens = [...new Set(sales.map((s) => s.merchant))].sort();
      const days = [...new Set(sales.map((s) => dayOf(s.at, tz)))].sort().reverse();
      const canteen = choice('Canteen (each scenario cohort has canteens of its own)', 'hour-canteen', [ALL, ...canteens]);
      const day = choice('Day (campus time)', 'hour-day', days);
      const whole = h('input', { type: 'checkbox', id: 'hour-whole', name: 'hour-whole' });
      const out = h('div', { 'aria-live': 'polite' });
      const draw = (): void => {
        const chosen = sales.filter((s) => (canteen.select.value === ALL || s.merchant === canteen.select.value) && dayOf(s.at, tz) === day.select.value);
        if (chosen.length === 0) {
          out.replaceChildren(nothingYet('No payments of this canteen on this day.'));
          return;
        }
        const w = whole.checked ? { from: -Infinity, to: Infinity } : saleWindow(chosen.map((s) => s.at));
        const shown = chosen.filter((s) => s.at >= w.from && s.at <= w.to);
        const left = chosen.length - shown.length;
        out.replaceChildren(
          h('p', { 'data-testid': 'hour-window' }, left === 0 ? `${shown.length.toLocaleString('en')} payments.`
            : `${shown.length.toLocaleString('en')} payments in the window where the sales are; ${left.toLocaleString('en')} outside it (such as a sale set up hours before the rush) are not drawn: tick "Whole day" to see them.`),
          outcomeTable(shown), ...charts(shown, tz));
      };
      for (const el of [canteen.select, day.select, whole]) el.addEventListener('change', draw);
      draw();
      return [h('div', { class: 'inline' }, canteen.row, day.row, h('p', { class: 'check' }, whole, ' ', h('label', { for: 'hour-whole' }, 'Whole day: every sale of the day, the setup too'))), out, csvButton(api, '/v1/payments', 'payments.csv')];
    });
  } };
}
