/**
 * A stacked bar chart as SVG, drawn by hand (no library): the title above, a y axis with a few
 * round ticks and gridlines, an x axis that is continuous (every bucket drawn, empty ones too) with
 * a few labelled ticks, and a legend. Colours come with the series, so that a page gives each colour
 * one meaning.
 */
import { h } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';

/** One stacked series: its name (in the legend) and its colour. */
export interface Series {
  readonly name: string;
  readonly colour: string;
}

/** What the chart shows: buckets in order (`keys`, each with its axis label), counts per bucket and series. */
export interface BarData {
  readonly keys: readonly string[];
  readonly labelOf: (key: string) => string;
  readonly series: readonly Series[];
  readonly counts: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly xTitle: string;
  readonly yTitle: string;
}

function svg(tag: string, attrs: Record<string, string>, text?: string): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A round tick step (1, 2 or 5 × 10^k) giving at most `most` steps up to `max`. */
export function tickStep(max: number, most = 5): number {
  for (let magnitude = 1; ; magnitude *= 10) {
    for (const m of [1, 2, 5]) if (max / (m * magnitude) <= most) return m * magnitude;
  }
}

export function stackedBars(title: string, data: BarData): HTMLElement {
  const { keys, series, counts } = data;
  const left = 48;
  const right = 12;
  const top = 10;
  const plotH = 180;
  const plotW = Math.max(360, Math.min(900, keys.length * 12));
  const width = left + plotW + right;
  const height = top + plotH + 44;
  const total = (k: string): number => series.reduce((s, x) => s + (counts.get(k)?.get(x.name) ?? 0), 0);
  // At least 2 at the top: three ticks (0, 1, 2) even when no bar is taller than one payment.
  const step = tickStep(Math.max(2, ...keys.map(total)));
  const max = Math.ceil(Math.max(2, ...keys.map(total)) / step) * step;
  const y = (n: number): number => top + plotH - (n / max) * plotH;
  const slot = plotW / Math.max(1, keys.length);
  const root = svg('svg', { viewBox: `0 0 ${String(width)} ${String(height)}`, role: 'img', 'aria-label': title, class: 'chart' });
  root.append(svg('title', {}, title));
  for (let t = 0; t <= max; t += step) {
    root.append(
      svg('line', { x1: String(left), x2: String(left + plotW), y1: String(y(t)), y2: String(y(t)), stroke: t === 0 ? '#555' : '#ddd' }),
      svg('text', { x: String(left - 6), y: String(y(t) + 3), 'font-size': '10', 'text-anchor': 'end' }, String(t)),
    );
  }
  keys.forEach((key, i) => {
    let acc = 0;
    for (const s of series) {
      const n = counts.get(key)?.get(s.name) ?? 0;
      if (n === 0) continue;
      const rect = svg('rect', { x: String(left + i * slot + slot * 0.1), y: String(y(acc + n)), width: String(Math.max(1, slot * 0.8)), height: String(y(acc) - y(acc + n)), fill: s.colour });
      rect.append(svg('title', {}, `${data.labelOf(key)} ${s.name}: ${String(n)}`));
      root.append(rect);
      acc += n;
    }
  });
  const every = Math.max(1, Math.ceil(keys.length / 10));
  keys.forEach((key, i) => {
    if (i % every !== 0) return;
    const x = left + i * slot + slot / 2;
    root.append(
      svg('line', { x1: String(x), x2: String(x), y1: String(top + plotH), y2: String(top + plotH + 4), stroke: '#555' }),
      svg('text', { x: String(x), y: String(top + plotH + 16), 'font-size': '10', 'text-anchor': 'middle' }, data.labelOf(key)),
    );
  });
  root.append(
    svg('text', { x: String(left + plotW / 2), y: String(height - 6), 'font-size': '10', 'text-anchor': 'middle' }, data.xTitle),
    svg('text', { x: '10', y: String(top + plotH / 2), 'font-size': '10', 'text-anchor': 'middle', transform: `rotate(-90 10 ${String(top + plotH / 2)})` }, data.yTitle),
  );
  // Swatches are SVG (a fill attribute), not inline styles, which the console's CSP refuses.
  const swatch = (colour: string): SVGElement => {
    const box = svg('svg', { class: 'swatch', viewBox: '0 0 10 10', width: '10', height: '10', 'aria-hidden': 'true' });
    box.append(svg('rect', { width: '10', height: '10', fill: colour }));
    return box;
  };
  const legend = h('ul', { class: 'legend' }, ...series.map((s) => h('li', {}, swatch(s.colour), s.name)));
  return h('figure', {}, h('figcaption', {}, title), root, legend);
}
