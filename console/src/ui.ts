/** Small DOM helpers: elements, paged tables, problem boxes. No framework. */
import { ProblemError, obj, text, type Api } from './api.js';
import { shortId } from './format.js';

/** What an element may hold: nodes and text; nothing for null, undefined and false. */
export type Child = Node | string | null | undefined | false;

/** A set of pages: each one's title (nav and h1) and how it renders its body. */
export type Pages = Record<string, { title: string; render: (root: HTMLElement) => void }>;

/** An element with attributes and children; `on*` attributes take listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | ((e: Event) => void)> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** The API's refusal as the user sees it: code, detail and request id. */
export function problemBox(error: unknown): HTMLElement {
  if (error instanceof ProblemError) {
    const p = error.problem;
    return h('div', { class: 'problem', role: 'alert' },
      h('strong', {}, `Refused: ${p.code}`), ` (HTTP ${String(p.status)}) `, h('span', { class: 'detail' }, p.detail),
      p.instance === undefined ? null : h('small', {}, ` request ${p.instance}`));
  }
  return h('div', { class: 'problem', role: 'alert' }, h('strong', {}, 'Error: '), error instanceof Error ? error.message : String(error));
}

/** A column of a table: its heading and how a row shows in it. */
export interface Column<T> {
  readonly title: string;
  readonly cell: (row: T) => Node | string;
  readonly numeric?: boolean;
}

/** A table of rows, `pageSize` at a time, with previous/next. */
export function pagedTable<T>(caption: string, columns: readonly Column<T>[], rows: readonly T[], pageSize = 20): HTMLElement {
  const wrap = h('div', { class: 'paged' });
  let page = 0;
  const pages = Math.max(1, Math.ceil(rows.length / pageSize));
  const render = (): void => {
    const slice = rows.slice(page * pageSize, (page + 1) * pageSize);
    const table = h('table', {},
      h('caption', {}, `${caption} (${String(rows.length)})`),
      h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col', ...(c.numeric === true ? { class: 'num' } : {}) }, c.title)))),
      h('tbody', {}, ...(slice.length === 0 ? [h('tr', {}, h('td', { colspan: String(columns.length) }, 'none'))]
        : slice.map((r) => h('tr', {}, ...columns.map((c) => h('td', c.numeric === true ? { class: 'num' } : {}, c.cell(r))))))));
    const nav = h('nav', { class: 'pager', 'aria-label': `${caption} pages` },
      h('button', { type: 'button', ...(page === 0 ? { disabled: '' } : {}), onclick: () => { page -= 1; render(); } }, 'Previous'),
      ` page ${String(page + 1)} of ${String(pages)} `,
      h('button', { type: 'button', ...(page + 1 >= pages ? { disabled: '' } : {}), onclick: () => { page += 1; render(); } }, 'Next'));
    // A wide table scrolls in its own box on a phone; focusable (and named), so that the keyboard scrolls it too.
    wrap.replaceChildren(h('div', { class: 'scroll', role: 'group', 'aria-label': caption, tabindex: '0' }, table), nav);
  };
  render();
  return wrap;
}

/**
 * A paged table with a search box above it: only rows whose `key` contains what is typed (any
 * case), searched as one types; the box keeps its focus while the table changes under it.
 */
export function searchableTable<T>(search: { id: string; label: string; key: (row: T) => string }, caption: string, columns: readonly Column<T>[], rows: readonly T[], pageSize = 20): HTMLElement {
  const box = field(search.label, search.id, { type: 'search', autocomplete: 'off', spellcheck: 'false' });
  const out = h('div', {});
  const render = (): void => {
    const q = box.input.value.trim().toLowerCase();
    const shown = q === '' ? rows : rows.filter((r) => search.key(r).toLowerCase().includes(q));
    out.replaceChildren(pagedTable(q === '' ? caption : `${caption} matching “${q}”`, columns, shown, pageSize));
  };
  box.input.addEventListener('input', render);
  render();
  return h('div', { class: 'searchable' }, h('div', { role: 'search' }, box.row), out);
}

/** A long identifier shortened where it shows, in full in its title (and copied whole when selected). */
export function longId(id: string): HTMLElement {
  return h('abbr', { class: 'id', title: id }, h('code', {}, shortId(id)));
}

/** What a confirmation step asks and does. */
export interface Confirmation {
  /** Its heading's id, unique on the page. */
  readonly id: string;
  readonly question: string;
  /** What sending does, in words: said before anything is sent. */
  readonly consequences: readonly Child[];
  /** Inputs the step asks for (labelled), read by `send`. */
  readonly inputs?: readonly Node[];
  /** The confirming button's name: says the act ("Confirm: report lost"). */
  readonly confirm: string;
  /** Sends, and answers what to show; a refusal is shown as the API's problem. */
  readonly send: () => Promise<Node[]>;
}

/**
 * A step before a write that cannot be taken back: what it will do, then confirm or cancel. It
 * replaces what `target` showed, and focus moves to its heading so that keyboard and screen-reader
 * users meet it where it appeared.
 */
export function confirmStep(target: HTMLElement, step: Confirmation): void {
  const heading = h('h3', { id: step.id, tabindex: '-1' }, step.question);
  const yes = h('button', { type: 'button', class: 'danger' }, step.confirm);
  const no = h('button', { type: 'button' }, 'Cancel');
  yes.addEventListener('click', () => {
    yes.disabled = true;
    no.disabled = true;
    yes.after(h('span', { role: 'status' }, ' Sending…'));
    void step.send().then((nodes) => { target.replaceChildren(...nodes); }, (error: unknown) => { target.replaceChildren(problemBox(error)); });
  });
  no.addEventListener('click', () => { target.replaceChildren(h('p', { role: 'status' }, 'Cancelled: nothing was sent.')); });
  target.replaceChildren(h('div', { class: 'confirm', role: 'group', 'aria-labelledby': step.id },
    heading, h('p', {}, ...step.consequences), ...(step.inputs ?? []), h('div', { class: 'actions' }, yes, no)));
  heading.focus();
}

/** A labelled input. */
export function field(label: string, id: string, attrs: Record<string, string> = {}): { row: HTMLElement; input: HTMLInputElement } {
  const input = h('input', { id, name: id, ...attrs });
  return { row: h('div', { class: 'field' }, h('label', { for: id }, label), input), input };
}

/** A labelled choice; with a `prompt`, nothing is chosen until the user picks (the prompt's value is ''). */
export function choice(label: string, id: string, options: readonly string[], prompt?: string): { row: HTMLElement; select: HTMLSelectElement } {
  const none = prompt === undefined ? null : h('option', { value: '', selected: '', disabled: '' }, prompt);
  const select = h('select', { id, name: id }, none, ...options.map((o) => h('option', { value: o }, o)));
  return { row: h('div', { class: 'field' }, h('label', { for: id }, label), select), select };
}

/** Runs `load` into `target`, showing a refusal in its place. */
export async function into(target: HTMLElement, load: () => Promise<Node | Node[]>): Promise<void> {
  target.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  try {
    const out = await load();
    target.replaceChildren(...(Array.isArray(out) ? out : [out]));
  } catch (error) {
    target.replaceChildren(problemBox(error));
  }
}

/** The ledger transaction a step made, with a link to its proof. */
export function txLine(answer: unknown, timeZone: string, fmt: (ms: number, tz: string) => string): HTMLElement {
  // The issuing side's writes answer only their txId (no block): say what is known, not a "?".
  return h('p', { class: 'tx', role: 'status' }, 'Ledger transaction ', h('code', { 'data-testid': 'tx-id' }, text(answer, 'txId') || '?'),
    text(answer, 'blockNumber') === '' ? '' : ` in block ${text(answer, 'blockNumber')}, ${text(answer, 'validationCode')}`,
    text(answer, 'replayed') === 'true' ? ' (replayed: nothing new written)' : '', text(obj(answer, 'by'), 'subject') === '' ? '' : `; by ${text(obj(answer, 'by'), 'subject')}`, `; answered ${fmt(Date.now(), timeZone)}`);
}

/**
 * A button that downloads what the API answers at `path` as CSV (`?format=csv`: the same data,
 * amounts in minor units), saved as `name`; a refusal is shown beside it.
 */
export function csvButton(api: Api, path: string, name: string): HTMLElement {
  const out = h('span', { class: 'csv-status', 'aria-live': 'polite' });
  const button = h('button', { type: 'button', class: 'csv', onclick: () => {
    void api.file(`${path}${path.includes('?') ? '&' : '?'}format=csv`).then((csv) => {
      const a = h('a', { href: URL.createObjectURL(new Blob([csv], { type: 'text/csv' })), download: name });
      document.body.append(a);
      a.click();
      a.remove();
      out.replaceChildren(` saved ${name}`);
    }, (error: unknown) => {
      out.replaceChildren(problemBox(error));
    });
  } }, `Download CSV (${name})`);
  return h('div', { class: 'csv-row' }, button, out);
}

/** What an empty page says instead of nothing. */
export function nothingYet(what: string): HTMLElement {
  return h('p', { class: 'empty' }, what);
}
