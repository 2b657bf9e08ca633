/** Who is signed in on this phone: the student's bearer token, kept in IndexedDB only. */
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
