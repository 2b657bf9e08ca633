/** The operator's deny list: every version with its date, reason and author, and the forms to add an entry and lift one. */
import { list, num, obj, text, type Api } from '../api.js';
import { formatTime } from '../format.js';
import { choice, confirmStep, field, h, into, longId, pagedTable, problemBox, txLine } from '../ui.js';

/** Who made an entry: the staff member and role, or the ledger itself (a loss report, a clearance, a double spend). */
function author(entry: unknown): string {
  const by = obj(entry, 'by');
  if (text(by, 'subject') === '' && text(by, 'role') === '') return 'the ledger';
  return `${text(by, 'subject') || '?'} (${text(by, 'role') || '?'})`;
}

/** What an entry did: listed, lifted since, or a lift of an earlier version. */
function action(entry: unknown, tz: string): string {
  if (text(entry, 'action') === 'lift') return `lifts version ${text(entry, 'lifts')}`;
  const lifted = obj(entry, 'lifted');
  return text(lifted, 'version') === '' ? 'listed' : `listed; lifted at version ${text(lifted, 'version')}, ${formatTime(num(lifted, 'at'), tz)}`;
}

/** The page: the add form, the entries (newest first), and a lift step for each of the operator's own live entries. */
export function denyListPage(api: Api, tz: string): { title: string; render: (root: HTMLElement) => void } {
  const when = (entry: unknown): string => (Number.isFinite(num(entry, 'at')) ? formatTime(num(entry, 'at'), tz) : '—');
  return { title: 'Deny list', render: (root) => {
    const step = h('div', { 'aria-live': 'polite' });
    const table = h('div', {});
    const kind = choice('Kind', 'deny-kind', ['account', 'medium']);
    const id = field('Account or medium id', 'deny-id', { required: '', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. s00042' });
    const reason = field('Reason', 'deny-reason', { required: '', maxlength: '256' });
    function load(): void {
      void into(table, async () => {
      const d = await api.get('/v1/deny-list?since=0');
      const entries = [...list(d, 'entries')].reverse();
      return [h('p', {}, `Current version ${text(d, 'version')}: terminals refuse what is listed from the version they hold.`), pagedTable('Deny-list entries, newest first', [
        { title: 'version', numeric: true, cell: (x: unknown) => text(x, 'version') },
        { title: 'when', cell: when },
        { title: 'kind', cell: (x: unknown) => text(x, 'kind') },
        { title: 'id', cell: (x: unknown) => longId(text(x, 'id')) },
        { title: 'action', cell: (x: unknown) => action(x, tz) },
        // A double spend's reason names its 64-hex case: shortened where it shows, in full in the title.
        { title: 'reason', cell: (x: unknown) => h('span', { title: text(x, 'reason') }, text(x, 'reason').replace(/\b([0-9a-f]{8})[0-9a-f]{52}([0-9a-f]{4})\b/g, '$1…$2')) },
        { title: 'by', cell: author },
        { title: 'lift', cell: (x: unknown) => liftable(x) ? h('button', { type: 'button', onclick: () => { lift(x); } }, `Lift version ${text(x, 'version')}…`) : '—' },
      ], entries)];
      });
    }
    const liftable = (x: unknown): boolean => text(x, 'source') === 'operator' && text(x, 'action') === 'deny' && text(obj(x, 'lifted'), 'version') === '';
    function lift(x: unknown): void {
      const why = field('Why it is lifted', 'lift-reason', { required: '', maxlength: '256' });
      confirmStep(step, {
        id: 'lift-h', question: `Lift deny-list version ${text(x, 'version')} (${text(x, 'kind')} ${text(x, 'id')})?`,
        consequences: ['Terminals accept it again once they sync the new version; the entry stays in the list, marked lifted.'],
        inputs: [why.row], confirm: 'Confirm: lift',
        send: async () => {
          if (why.input.value.trim() === '') throw new Error('Say why the entry is lifted: nothing was sent.');
          const r = await api.post(`/v1/deny-list/${text(x, 'version')}/lift`, { reason: why.input.value.trim() });
          load();
          return [h('h3', {}, `Version ${text(x, 'version')} lifted`), txLine(r, tz, formatTime), h('p', {}, `Lifted at deny-list version ${text(obj(r, 'result'), 'version')}.`)];
        },
      });
    }
    const form = h('form', { class: 'inline', onsubmit: (e) => {
      e.preventDefault();
      const body = { kind: kind.select.value, id: id.input.value.trim(), reason: reason.input.value.trim() };
      void api.post('/v1/deny-list', body).then((r) => {
        step.replaceChildren(h('h3', {}, `${body.kind} ${body.id} deny-listed`), txLine(r, tz, formatTime),
          h('p', {}, 'Deny-list version ', h('strong', { 'data-testid': 'deny-version' }, text(obj(r, 'result'), 'version')), ': terminals refuse it once they sync.'));
        load();
      }, (err: unknown) => { step.replaceChildren(problemBox(err)); });
    } }, kind.row, id.row, reason.row, h('button', { type: 'submit' }, 'Deny-list'));
    root.replaceChildren(h('h2', {}, 'Add an entry'), form, step, table);
    load();
  } };
}
