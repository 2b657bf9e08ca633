/** Sign in with the account id and the activation code the card office gave: the token goes to IndexedDB. */
import { ensureKey } from '../keys.js';
import { ACCOUNT_PATTERN, activate, type Session } from '../session.js';
import { field, h, problemBox } from '../ui.js';

/** Renders the sign-in form into `main`; `signedIn` runs once the token is stored. */
export function renderSignIn(main: HTMLElement, signedIn: (session: Session) => void, message?: HTMLElement): void {
  const account = field('Student account', 'account', { autocomplete: 'username', required: '', pattern: ACCOUNT_PATTERN, placeholder: 's00001', autocapitalize: 'none', spellcheck: 'false' });
  const code = field('Activation code', 'code', { autocomplete: 'one-time-code', required: '', autocapitalize: 'none', spellcheck: 'false' });
  const out = h('div', { 'aria-live': 'polite' }, message ?? null);
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'signin', onsubmit: (e) => {
    e.preventDefault();
    button.disabled = true;
    out.replaceChildren(h('p', { role: 'status' }, 'Signing in…'));
    const id = account.input.value.trim();
    activate(id, code.input.value.trim())
      .then(async (session) => {
        // The key pair is made on the first sign-in, before anything needs it.
        await ensureKey(session.account);
        signedIn(session);
      })
      .catch((error: unknown) => {
        button.disabled = false;
        out.replaceChildren(problemBox(error));
      });
  } }, account.row, code.row, button, out);
  main.replaceChildren(
    h('h1', {}, 'Campus wallet'),
    h('p', {}, 'Sign in with your student account and the activation code from the card office. The code works once.'),
    form,
  );
  document.title = 'Sign in · Campus wallet';
}
