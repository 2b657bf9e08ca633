/** A stacked bar chart as SVG: one bar per label, one colour per series. Drawn by hand: no library. */
import { h } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
const COLOURS = ['#2f6f4f', '#b03a2e', '#7d5ba6', '#c57f1b', '#1f618d', '#7f8c8d'];

function svg(tag: string, attrs: Record<string, string>, text?: string): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** `counts[label][series]`; labels in order. */
export function stackedBars(title: string, labels: readonly string[], series: readonly string[], counts: ReadonlyMap<string, ReadonlyMap<string, number>>): HTMLElement {
  const width = Math.max(320, labels.length * 14 + 60);
  const height = 200;
  const max = Math.max(1, ...labels.map((l) => series.reduce((s, k) => s + (counts.get(l)?.get(k) ?? 0), 0)));
  const root = svg('svg', { viewBox: `0 0 ${String(width)} ${String(height + 40)}`, role: 'img', 'aria-label': title, class: 'chart' });
  root.append(svg('title', {}, title));
  labels.forEach((label, i) => {
    let y = height;
    series.forEach((k, j) => {
      const n = counts.get(label)?.get(k) ?? 0;
      if (n === 0) return;
      const bar = Math.max(1, Math.round((n / max) * (height - 10)));
      y -= bar;
      const rect = svg('rect', { x: String(40 + i * 14), y: String(y), width: '11', height: String(bar), fill: COLOURS[j % COLOURS.length] ?? '#333' });
      rect.append(svg('title', {}, `${label} ${k}: ${String(n)}`));
      root.append(rect);
    });
    if (i % 5 === 0) root.append(svg('text', { x: String(40 + i * 14), y: String(height + 14), 'font-size': '9' }, label));
  });
  root.append(svg('text', { x: '0', y: '10', 'font-size': '9' }, String(max)), svg('line', { x1: '38', y1: String(height), x2: String(width), y2: String(height), stroke: '#555' }));
  const legend = h('ul', { class: 'legend' }, ...series.map((k, j) => h('li', {}, h('span', { class: 'swatch', style: `background:${COLOURS[j % COLOURS.length] ?? '#333'}` }), k)));
  return h('figure', {}, root, h('figcaption', {}, title), legend);
}
