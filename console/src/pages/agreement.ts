/**
 * The direct-debit agreement (代扣协议) students accept before they get certificates: the version in
 * force (GET /v1/agreement) and a new version set by the operator (PUT /v1/agreement), asked first.
 */
import { ProblemError, obj, text, type Api, type Me } from '../api.js';
import { formatTime } from '../format.js';
import { confirmStep, h, into, nothingYet, txLine, type Pages } from '../ui.js';

/** The API takes at most 32 KiB of UTF-8: the box stops at as many characters, and the API refuses longer text with its problem. */
const MAX_TEXT = 32 * 1024;

export function agreementPages(api: Api, me: Me): Pages {
  const tz = me.campusTimeZone;
  return {
    agreement: { title: 'Agreement', render: (root) => {
      const current = h('div', { 'aria-live': 'polite' });
      const out = h('div', { 'aria-live': 'polite' });
      const box = h('textarea', { id: 'agreement-text', name: 'agreement-text', required: '', rows: '8', maxlength: String(MAX_TEXT) });
      let version = 0;

      const load = (): void => void into(current, async () => {
        let a: unknown;
        try {
          a = await api.get('/v1/agreement');
        } catch (error) {
          // None set yet is a state of the ledger, not a failure: say what it means.
          if (error instanceof ProblemError && error.problem.code === 'NOT_FOUND') {
            version = 0;
            return nothingYet('No agreement text is set yet: students cannot accept one, so no certificate is issued (NO_AGREEMENT).');
          }
          throw error;
        }
        version = Number(text(a, 'version')) || 0;
        if (box.value === '') box.value = text(a, 'text');
        return [
          h('dl', { class: 'facts' },
            h('dt', {}, 'Version'), h('dd', { 'data-testid': 'agreement-version' }, text(a, 'version')),
            h('dt', {}, 'SHA-256 of its UTF-8 text'), h('dd', {}, h('code', { class: 'hash' }, text(a, 'textHash')))),
          h('blockquote', { class: 'agreement-text' }, text(a, 'text')),
        ];
      });

      const form = h('form', { onsubmit: (e) => {
        e.preventDefault();
        const next = box.value;
        confirmStep(out, {
          id: 'agreement-confirm', question: `Publish this text as version ${String(version + 1)}?`,
          consequences: ['From now on students accept this version (the wallet shows it and checks its hash; an acceptance of an older version is refused as AGREEMENT_OUTDATED). ',
            'Acceptances already recorded stay on the ledger with the version each student signed.'],
          confirm: 'Confirm: publish',
          send: async () => {
            const answer = await api.put('/v1/agreement', { text: next });
            load();
            const r = obj(answer, 'result');
            return [h('div', { class: 'step' }, h('h3', {}, `Version ${text(r, 'version')} published`), txLine(answer, tz, formatTime),
              h('p', {}, 'SHA-256 ', h('code', { class: 'hash' }, text(r, 'textHash')), '.'))];
          },
        });
      } }, h('div', { class: 'field' }, h('label', { for: 'agreement-text' }, 'New agreement text'), box), h('button', { type: 'submit' }, 'Publish as a new version…'));

      root.replaceChildren(
        h('p', { class: 'lead' }, 'Students accept the agreement in force with their wallet key before the issuer service certifies it; the ledger keeps every version and the SHA-256 of its text.'),
        h('section', { 'aria-labelledby': 'agreement-h' }, h('h2', { id: 'agreement-h' }, 'In force'), current),
        h('section', { 'aria-labelledby': 'agreement-new-h' }, h('h2', { id: 'agreement-new-h' }, 'Set a new version'), form, out));
      load();
    } },
  };
}
