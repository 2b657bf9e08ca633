/**
 * Sign in: with the campus's own sign-in where the gateway has an OpenID Connect provider, or with
 * the account id and the activation code the card office gave. Either way the token goes to IndexedDB.
 */
import { ensureKey } from '../keys.js';
import { ProblemError } from '../problem.js';
import {
  ACCOUNT_PATTERN, CAMPUS_FAILURES, activate, campusProvider, campusReturn, campusSignInUrl, finishCampusSignIn,
  type CampusProvider, type Session,
} from '../session.js';
import { field, h, problemBox } from '../ui.js';

const UNFINISHED = 'The campus sign-in could not be finished on this phone. Please sign in again.';

/** A campus sign-in that failed, in the wallet's own words; the gateway's code and reason beside, for the card office. */
function campusProblem(code: string, words: string, detail: string): HTMLElement {
  const codeLine = h('p', { class: 'code' }, h('code', {}, `${code}: ${detail}`));
  return h('div', { class: 'problem', role: 'alert' }, h('p', {}, words), codeLine);
}

/** The campus sign-in's button: it leaves for the provider, which sends the browser back to this page. */
function campusButton(provider: CampusProvider): HTMLElement {
  const go = h('button', { type: 'submit', 'data-testid': 'campus-sign-in' }, `Sign in with ${provider.name}`);
  return h('form', { class: 'signin', onsubmit: (e) => {
    e.preventDefault();
    go.disabled = true;
    location.assign(campusSignInUrl(provider, location.pathname));
  } }, go);
}

/**
 * What the campus sign-in left in the address: a one-time code, redeemed for the session, or a
 * failure, shown. Either leaves the address (and the history entry) at once: the code works once.
 */
function takeCampusReturn(out: HTMLElement, signedIn: (session: Session) => void): void {
  const back = campusReturn(location.hash);
  if (back === undefined) return;
  history.replaceState(null, '', location.pathname + location.search);
  if (back.kind === 'failure') {
    const words = back.reason === undefined ? 'The campus sign-in failed. Please sign in again.' : CAMPUS_FAILURES[back.reason];
    out.replaceChildren(campusProblem(back.code, words, back.reason ?? 'unknown reason'));
    return;
  }
  out.replaceChildren(h('p', { role: 'status' }, 'Finishing your campus sign-in…'));
  finishCampusSignIn(back.code)
    .then(async (session) => {
      await ensureKey(session.account);
      signedIn(session);
    })
    .catch((error: unknown) => {
      out.replaceChildren(error instanceof ProblemError ? campusProblem(error.problem.code, UNFINISHED, error.problem.detail) : problemBox(error));
    });
}

/** Renders the sign-in page into `main`; `signedIn` runs once the token is stored. */
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
  const campusOut = h('div', { 'aria-live': 'polite' });
  const campus = h('div', {});
  main.replaceChildren(
    h('h1', {}, 'Campus wallet'),
    campusOut,
    campus,
    h('p', {}, 'Sign in with your student account and the activation code from the card office. The code works once.'),
    form,
  );
  document.title = 'Sign in · Campus wallet';
  takeCampusReturn(campusOut, signedIn);
  // The campus button shows only where the gateway has a provider; offline, the activation code form stays alone.
  campusProvider().then((provider) => {
    if (provider !== undefined) campus.replaceChildren(campusButton(provider), h('p', {}, 'Or:'));
  }, (error: unknown) => {
    campusOut.replaceChildren(problemBox(error));
  });
}
