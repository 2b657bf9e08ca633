/** The points roll-forward (GET /v1/points/roll-forward): the points liability over a period, reconciled to the ledger. */
import { text, type Api } from '../api.js';
import { formatMoney, formatPoints } from '../format.js';
import { csvButton, h, into, problemBox, type Pages } from '../ui.js';

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function pointsPages(api: Api): Pages {
  return {
    points: { title: 'Points roll-forward', render: (root) => {
      const from = h('input', { id: 'rf-from', name: 'from', type: 'date', required: '', value: day(Date.now() - 30 * 86_400_000) });
      const to = h('input', { id: 'rf-to', name: 'to', type: 'date', required: '', value: day(Date.now()) });
      const out = h('div', { 'aria-live': 'polite' });
      const show = (): void => {
        const path = `/v1/points/roll-forward?from=${encodeURIComponent(from.value)}&to=${encodeURIComponent(to.value)}`;
        void into(out, async () => {
          const r = await api.get(path);
          const line = (name: string, value: string, sign = ''): HTMLElement[] => [h('dt', {}, name), h('dd', { 'data-testid': `rf-${name}` }, `${sign}${formatPoints(value || '0')}`)];
          const reconciled = text(r, 'reconciled') === 'true';
          return [
            h('dl', { class: 'facts' },
              ...line('opening', text(r, 'opening')), ...line('issued', text(r, 'issued'), '+ '), ...line('redeemed', text(r, 'redeemed'), '− '),
              ...line('expired', text(r, 'expired'), '− '), ...line('closing', text(r, 'closing'), '= '),
              h('dt', {}, 'paid to merchants from the points fund'), h('dd', { 'data-testid': 'rf-compensated' }, formatMoney(text(r, 'compensated') || '0')),
              h('dt', {}, 'reconciled to the ledger'), h('dd', { 'data-testid': 'rf-reconciled' }, reconciled ? 'yes: the journal equals every posting, and the points outstanding equal what the accounts hold' : 'NO: the journal, the postings and the accounts disagree')),
            csvButton(api, path, `points-roll-forward-${from.value}-${to.value}.csv`),
          ];
        });
      };
      const form = h('form', { class: 'inline', onsubmit: (e) => {
        e.preventDefault();
        if (from.value === '' || to.value === '') out.replaceChildren(problemBox(new Error('choose both days')));
        else show();
      } },
      h('div', { class: 'field' }, h('label', { for: 'rf-from' }, 'From (UTC day)'), from),
      h('div', { class: 'field' }, h('label', { for: 'rf-to' }, 'To (UTC day, inclusive)'), to),
      h('button', { type: 'submit' }, 'Show'));
      root.append(
        h('p', { class: 'lead' }, 'Campus points are a liability until they are spent or lapse (IFRS 15): opening + issued − redeemed − expired = closing, for any period, from the ledger\'s points journal.'),
        form, out);
      show();
    } },
  };
}
