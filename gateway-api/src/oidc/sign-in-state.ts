/**
 * What a sign-in keeps between its requests, sealed into cookies of the browser that started it
 * (no server-side table, and any gateway process can finish what another began):
 * - the pending sign-in (state, nonce, PKCE verifier, where to return), from the login redirect to
 *   the callback, 10 minutes at most;
 * - the hand-off, from the callback to the wallet's POST /v1/oidc/session: the account, bound to a
 *   one-time code that travels in the URL fragment (never sent to a server), 60 seconds, once.
 * Neither half alone opens a session: a code read from the browser's history lacks the cookie,
 * and the cookie lacks the code.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { CookieSealer } from './cookie-sealer';
import { SpentSet } from './spent-set';

/** A sign-in has this long from the login redirect to the callback (the student types a password meanwhile). */
export const SIGN_IN_MS = 10 * 60_000;
/** The wallet redeems its hand-off within this long of the callback: it does so at once when the page loads. */
export const HANDOFF_MS = 60_000;
/**
 * Hand-offs remembered as spent: a minute's sign-ins. A campus's morning rush is a few thousand a
 * minute; past the bound the oldest is forgotten early, and its cookie (cleared when it was
 * redeemed) is what still stands in the way of a second use.
 */
const MAX_SPENT_HANDOFFS = 100_000;
/** Where the wallet may be sent back to: its own pages, nothing else (no open redirect). */
const RETURN_PATH = /^\/wallet\/(?:[A-Za-z0-9_-]+\/)*(?:[A-Za-z0-9_-]+\.html)?$/;
/** The wallet's start page. */
export const DEFAULT_RETURN_PATH = '/wallet/';

const token = (min: number): z.ZodString => z.string().regex(/^[A-Za-z0-9._~-]+$/).min(min).max(128);

/** A sign-in waiting for the provider's answer. */
export interface PendingSignIn {
  readonly state: string;
  readonly nonce: string;
  /** PKCE code_verifier (RFC 7636); only its S256 challenge went to the provider. */
  readonly verifier: string;
  readonly returnTo: string;
}

const PENDING = z.strictObject({
  state: token(22), nonce: token(22), verifier: token(43), returnTo: z.string().max(256).regex(RETURN_PATH),
});
const HANDOFF = z.strictObject({
  account: z.string().min(1).max(64), codeSha256: z.string().regex(/^[0-9a-f]{64}$/), id: token(22),
});

/** The wallet page a sign-in returns to: DEFAULT_RETURN_PATH when none is asked; undefined when that asked is not allowed. */
export function parseReturnPath(value: unknown): string | undefined {
  if (value === undefined || value === '') return DEFAULT_RETURN_PATH;
  return typeof value === 'string' && value.length <= 256 && RETURN_PATH.test(value) ? value : undefined;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Seals and opens a sign-in's cookies, and spends each hand-off once. */
export class SignInState {
  private readonly sealer: CookieSealer;
  private readonly spentHandoffs = new SpentSet(HANDOFF_MS, MAX_SPENT_HANDOFFS);

  constructor(cookieKey: Buffer) {
    this.sealer = new CookieSealer(cookieKey);
  }

  /** The login cookie's value for a pending sign-in begun at `now`. */
  sealPending(pending: PendingSignIn, now: number): string {
    return this.sealer.seal('oidc-login', pending, now + SIGN_IN_MS);
  }

  /** The pending sign-in in a login cookie, if the cookie is intact, of this gateway and not expired. */
  openPending(sealed: string | undefined, now: number): PendingSignIn | undefined {
    const parsed = PENDING.safeParse(sealed === undefined ? undefined : this.sealer.open('oidc-login', sealed, now));
    return parsed.success ? parsed.data : undefined;
  }

  /** A hand-off for an account the provider vouched for: the cookie's value and the one-time code for the fragment. */
  handoff(account: string, now: number): { readonly sealed: string; readonly code: string } {
    const code = randomBytes(32).toString('base64url');
    const handoff = { account, codeSha256: sha256(code).toString('hex'), id: randomBytes(16).toString('base64url') };
    return { sealed: this.sealer.seal('oidc-handoff', handoff, now + HANDOFF_MS), code };
  }

  /** The account of a hand-off cookie and its code, the first time both are redeemed within 60 s; else undefined. */
  redeem(sealed: string | undefined, code: string, now: number): string | undefined {
    const parsed = HANDOFF.safeParse(sealed === undefined ? undefined : this.sealer.open('oidc-handoff', sealed, now));
    if (!parsed.success) return undefined;
    if (!timingSafeEqual(sha256(code), Buffer.from(parsed.data.codeSha256, 'hex'))) return undefined;
    return this.spentHandoffs.spend(parsed.data.id, now) ? parsed.data.account : undefined;
  }
}
