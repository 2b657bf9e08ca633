/** Small DOM helpers: elements, labelled fields, refusals in plain words, two-step confirmations. No framework. */
import { OfflineError, ProblemError, plainWords } from './problem.js';

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | ((e: Event) => void)>;

/** An element with attributes and children; `on*` attributes take listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A labelled input. */
export function field(label: string, id: string, attrs: Record<string, string> = {}): { row: HTMLElement; input: HTMLInputElement } {
  const input = h('input', { id, name: id, ...attrs });
  return { row: h('div', { class: 'field' }, h('label', { for: id }, label), input), input };
}

/** A refusal or failure as the student sees it: plain words first, then `code: detail`. */
export function problemBox(error: unknown): HTMLElement {
  if (error instanceof ProblemError) {
    const { code, detail } = error.problem;
    const words = plainWords(code);
    return h('div', { class: 'problem', role: 'alert' }, words === undefined ? null : h('p', {}, words), h('p', { class: 'code' }, h('code', {}, `${code}: ${detail}`)));
  }
  if (error instanceof OfflineError) return h('div', { class: 'problem', role: 'alert' }, h('p', {}, 'No connection to the campus server. Try again when you are online.'));
  return h('div', { class: 'problem', role: 'alert' }, h('p', {}, `Something went wrong: ${error instanceof Error ? error.message : String(error)}`));
}

/** A status line that screen readers announce. */
export function status(text: string, kind: 'ok' | 'info' = 'info'): HTMLElement {
  return h('p', { class: `status ${kind}`, role: 'status' }, text);
}

/**
 * A button that asks before it acts: the first press shows what will happen and a second button
 * to go ahead (and one to cancel); `action` runs only on the second. `describedBy` names what it acts on.
 */
export function confirmButton(label: string, question: string, confirmLabel: string, action: () => Promise<void>, describedBy?: string): HTMLElement {
  const wrap = h('div', { class: 'confirm' });
  const out = h('div', { 'aria-live': 'polite' });
  const first = (): void => {
    wrap.replaceChildren(h('button', { type: 'button', class: 'secondary', onclick: ask, ...(describedBy === undefined ? {} : { 'aria-describedby': describedBy }) }, label), out);
  };
  const ask = (): void => {
    const go = h('button', { type: 'button', class: 'danger', onclick: () => {
      go.disabled = true;
      action().then(first, (error: unknown) => {
        first();
        out.replaceChildren(problemBox(error));
      });
    } }, confirmLabel);
    wrap.replaceChildren(h('p', { class: 'question' }, question), go, h('button', { type: 'button', class: 'secondary', onclick: first }, 'Cancel'), out);
    go.focus();
  };
  first();
  return wrap;
}

/** Replaces `target`'s children, skipping the absent ones. */
export function fill(target: HTMLElement, ...children: Child[]): void {
  target.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}
