/** The registrar's console: graduation clearance as a workflow, each step showing the ledger transaction it made. */
import { list, obj, text, type Api, type Me } from '../api.js';
import { formatMoney, formatTime } from '../format.js';
import { choice, field, h, into, problemBox, txLine } from '../ui.js';

export function registrarPages(api: Api, me: Me): Record<string, { title: string; render: (root: HTMLElement) => void }> {
  const tz = me.campusTimeZone;
  return {
    clearance: { title: 'Clearance', render: (root) => {
      const account = field('Student account', 'clearance-account', { placeholder: 'e.g. s00042', required: '' });
      const out = h('div', { 'aria-live': 'polite' });
      const steps = h('div', { class: 'steps', 'aria-live': 'polite' });

      const show = (id: string): void => void into(out, async () => {
        const a = await api.get(`/v1/accounts/${encodeURIComponent(id)}`);
        const status = text(a, 'status');
        const owed = { advance: text(a, 'advance') || '0', credit: text(a, 'creditUsed') || '0' };
        const begin = h('button', { type: 'button', ...(status === 'active' ? {} : { disabled: '' }), onclick: () => {
          void api.post(`/v1/clearances/${encodeURIComponent(id)}/begin`).then((r) => {
            steps.append(h('div', { class: 'step' }, h('h3', {}, 'Clearance begun'), txLine(r, tz, formatTime), h('p', {}, `Deny-listed at version ${text(obj(r, 'result'), 'denyListVersion')}.`)));
            show(id);
          }, (e: unknown) => { steps.append(problemBox(e)); });
        } }, 'Begin clearance');
        const debts = (['advance', 'credit'] as const).filter((d) => owed[d] !== '0');
        // Four eyes: a waiver above the limit finance set needs a second registrar's approval first.
        const approvals = debts.map((d) => h('button', { type: 'button', ...(status === 'clearing' ? {} : { disabled: '' }), onclick: () => {
          void api.post(`/v1/clearances/${encodeURIComponent(id)}/waivers`, { debt: d }).then((r) => {
            steps.append(h('div', { class: 'step' }, h('h3', {}, `Waiver of the ${d} debt approved`), txLine(r, tz, formatTime),
              h('p', {}, `Approved by ${text(obj(r, 'result'), 'approvedBy')} for ${formatMoney(text(obj(r, 'result'), 'amount') || '0')}; another registrar completes the clearance.`)));
          }, (e: unknown) => { steps.append(problemBox(e)); });
        } }, `Approve waiving the ${d} debt (second registrar)`));
        const choices = debts.map((d) => ({ d, pick: choice(`Resolve the ${d} debt of ${formatMoney(owed[d])}`, `resolve-${d}`, ['collected', 'waived', 'referred'], 'choose…'), ref: field(`Reference for the ${d} debt`, `ref-${d}`, { required: '' }) }));
        const complete = h('form', { class: 'complete', onsubmit: (e) => {
          e.preventDefault();
          // No resolution is assumed: the registrar chooses each one, and the page says which is missing.
          const unchosen = choices.filter((c) => c.pick.select.value === '').map((c) => c.d);
          if (unchosen.length > 0) {
            steps.append(h('div', { class: 'problem', role: 'alert' }, h('strong', {}, 'Not sent: '),
              `choose how the ${unchosen.join(' and the ')} debt ${unchosen.length > 1 ? 'are' : 'is'} resolved (collected, waived or referred); nothing is assumed.`));
            return;
          }
          const resolutions = choices.map((c) => ({ debt: c.d, resolution: c.pick.select.value, reference: c.ref.input.value.trim() }));
          void api.post(`/v1/clearances/${encodeURIComponent(id)}/complete`, { resolutions }).then((r) => {
            const result = obj(r, 'result');
            steps.append(h('div', { class: 'step' }, h('h3', {}, 'Clearance completed: account closed'), txLine(r, tz, formatTime),
              h('p', {}, `Refunded ${formatMoney(text(result, 'refunded') || '0')}; points expired ${text(result, 'pointsExpired')}.`),
              h('ul', {}, ...list(result, 'resolved').map((x) => h('li', {}, `${text(x, 'debt')} ${formatMoney(text(x, 'amount') || '0')}: ${text(x, 'resolution')} (${text(x, 'reference')})${text(x, 'approvedBy') === '' ? '' : `, approved by ${text(x, 'approvedBy')}, waived by ${text(x, 'waivedBy')}`}`)))));
            show(id);
          }, (err: unknown) => { steps.append(problemBox(err)); });
        } }, h('h3', {}, 'Complete clearance'), ...choices.flatMap((c) => [c.pick.row, c.ref.row]),
        h('p', {}, debts.length === 0 ? 'No open debts: completing refunds the wallet and closes the account.' : 'Each open debt needs exactly one resolution.'),
        h('button', { type: 'submit', ...(status === 'clearing' ? {} : { disabled: '' }) }, 'Complete and close'));
        return [
          h('h2', {}, `${text(a, 'id')}: ${status}`),
          h('dl', { class: 'facts' },
            h('dt', {}, 'Wallet'), h('dd', {}, formatMoney(text(a, 'wallet') || '0')),
            h('dt', {}, 'Credit used (debt)'), h('dd', {}, formatMoney(owed.credit)),
            h('dt', {}, 'Advance (debt)'), h('dd', {}, formatMoney(owed.advance)),
            h('dt', {}, 'Credit line'), h('dd', {}, formatMoney(text(a, 'creditLine') || '0'))),
          h('div', { class: 'actions' }, begin, ...approvals), complete,
        ];
      });

      const form = h('form', { class: 'inline', onsubmit: (e) => {
        e.preventDefault();
        steps.replaceChildren();
        show(account.input.value.trim());
      } }, account.row, h('button', { type: 'submit' }, 'Find student'));
      root.replaceChildren(form, out, steps);
    } },
  };
}
