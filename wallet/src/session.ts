/**
 * Who is signed in on this phone: the student's bearer token, kept in IndexedDB only. It comes from
 * an activation code, or from the campus's OpenID Connect provider through the gateway.
 */
import { call } from './api.js';
import { Fields } from './fields.js';
import { keysWith, load, remove, saveOne } from './store.js';

/** A signed-in student. */
export interface Session {
  readonly account: string;
  readonly token: string;
  readonly expiresAt: number;
}

/** Account ids as the ledger allows them (chaincode ids.ts), written for an input's pattern (the v flag). */
export const ACCOUNT_PATTERN = '[A-Za-z0-9][A-Za-z0-9._:\\-]{0,63}';

function parseSession(value: unknown, what: string): Session {
  const f = Fields.of(value, what);
  return { account: f.string('account'), token: f.string('token'), expiresAt: f.time('expiresAt') };
}

/** The stored session, if any. */
export async function loadSession(): Promise<Session | undefined> {
  const value = await load('session');
  return value === undefined ? undefined : parseSession(value, 'stored session');
}

/** Trades an activation code for a token (POST /v1/student-activations) and stores it. */
export async function activate(account: string, code: string): Promise<Session> {
  const answer = await call('POST', '/v1/student-activations', undefined, { account, code });
  const session = parseSession(answer, 'activation');
  if (session.account !== account) throw new Error(`the gateway signed in ${session.account}, not ${account}`);
  await saveOne('session', session);
  return session;
}

/**
 * Signs out: asks the gateway to refuse the token from now on (when it can be reached), and forgets
 * the token and the account's cached answers here (the key and certificate stay, for this account only).
 */
export async function signOut(session: Session): Promise<void> {
  try {
    await call('DELETE', '/v1/me/session', session.token);
  } catch {
    // Offline or already refused: the token is forgotten here all the same, and expires by itself.
  }
  await remove('session', ...(await keysWith(`cache:${session.account}:`)));
}

/** The campus's OpenID Connect provider, as the gateway names it (GET /v1/oidc). */
export interface CampusProvider {
  readonly name: string;
  /** Where the browser goes to sign in there. */
  readonly login: string;
}

/** The campus provider; undefined where students sign in with activation codes only, or the gateway cannot be asked. */
export async function campusProvider(): Promise<CampusProvider | undefined> {
  let answer: unknown;
  try {
    answer = await call('GET', '/v1/oidc', undefined);
  } catch {
    return undefined; // offline, or a gateway without the endpoint: the activation code still works
  }
  const f = Fields.of(answer, 'OpenID Connect status');
  if (f.raw('configured') !== true) return undefined;
  const login = f.string('login');
  if (!login.startsWith('/v1/oidc/')) throw new Error(`the gateway names an unexpected sign-in address ${login}`);
  return { name: f.string('name'), login };
}

/** The sign-in address at the gateway, which sends the browser to the provider and back to this page. */
export function campusSignInUrl(provider: CampusProvider, returnTo: string): string {
  return `${provider.login}?return_to=${encodeURIComponent(returnTo)}`;
}

/** Why a campus sign-in failed, as the gateway's callback says (gateway-api/src/oidc/sign-in-failure.ts). */
export type CampusFailureReason =
  | 'not-started' | 'state' | 'replayed' | 'denied' | 'rejected' | 'claim' | 'unknown-account' | 'provider' | 'ledger';

/** Each reason in plain words, written here: the wallet never shows text taken from its address. */
export const CAMPUS_FAILURES: Readonly<Record<CampusFailureReason, string>> = {
  'not-started': 'The campus sign-in took too long or was started elsewhere. Please sign in again.',
  state: 'The campus sign-in answered for another sign-in than this one. Please sign in again.',
  replayed: 'That campus sign-in was used already. Please sign in again.',
  denied: 'The campus sign-in was cancelled or refused.',
  rejected: 'The campus sign-in\'s answer could not be checked. Please sign in again.',
  claim: 'The campus sign-in did not say which student account is yours. Please ask the card office.',
  'unknown-account': 'Your campus sign-in worked, but no wallet account is open for you yet. Ask the card office.',
  provider: 'The campus sign-in cannot be reached right now. Try again later, or use an activation code.',
  ledger: 'The campus server is busy right now. Try again in a moment.',
};

const isCampusFailure = (v: string): v is CampusFailureReason => Object.hasOwn(CAMPUS_FAILURES, v);

/** What the gateway's callback left in this page's fragment: a one-time code, a failure, or nothing. */
export type CampusReturn =
  | { readonly kind: 'code'; readonly code: string }
  | { readonly kind: 'failure'; readonly code: string; readonly reason: CampusFailureReason | undefined };

/** Reads `#oidc=<code>` or `#oidc-error=<problem code>&reason=<reason>`; anything else is no campus return. */
export function campusReturn(hash: string): CampusReturn | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const code = params.get('oidc');
  if (code !== null && /^[A-Za-z0-9_-]{43}$/.test(code)) return { kind: 'code', code };
  const problem = params.get('oidc-error');
  if (problem === null || !/^[A-Z][A-Z0-9_]{2,40}$/.test(problem)) return undefined;
  const reason = params.get('reason') ?? '';
  return { kind: 'failure', code: problem, reason: isCampusFailure(reason) ? reason : undefined };
}

/**
 * Trades the campus sign-in's one-time code for a session (POST /v1/oidc/session; the gateway also
 * wants the cookie it set in this browser) and stores it.
 */
export async function finishCampusSignIn(code: string): Promise<Session> {
  const session = parseSession(await call('POST', '/v1/oidc/session', undefined, { code }), 'campus sign-in');
  await saveOne('session', session);
  return session;
}
