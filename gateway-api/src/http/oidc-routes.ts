/**
 * Students sign in through the campus's OpenID Connect provider (docs/wallet.md, "Signing in").
 * Four public endpoints, beside the route table because they redirect browsers and read cookies:
 * - GET /v1/oidc: whether this gateway has a provider, and its name (the wallet shows its button only then);
 * - GET /v1/oidc/login?return_to=/wallet/: 302 to the provider; the pending sign-in in a sealed cookie;
 * - GET /v1/oidc/callback: the provider's answer, verified; 302 back to the wallet with a one-time
 *   code in the fragment (`#oidc=...`: fragments reach no server's log) and the hand-off in a sealed cookie,
 *   or with the failure (`#oidc-error=<code>&reason=<reason>`), and no session;
 * - POST /v1/oidc/session {code}: the code and its cookie, once within 60 s, open a student session (201, the token).
 */
import express, { type CookieOptions, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { parseStrictJson } from '@dol/chaincode';
import { ApiError } from '../errors';
import type { IntakeStore } from '../intake/intake-store';
import type { LedgerPort } from '../ledger/ledger-port';
import { overTls } from '../oidc/oidc-config';
import type { OidcRelyingParty } from '../oidc/relying-party';
import { refusalOf, SignInFailure } from '../oidc/sign-in-failure';
import { DEFAULT_RETURN_PATH, HANDOFF_MS, parseReturnPath, SIGN_IN_MS } from '../oidc/sign-in-state';
import { studentAccount } from '../oidc/student-account';

/** What the sign-in endpoints use; `oidc` is absent where the campus has no provider (activation codes only). */
export interface OidcDeps {
  readonly ledger: LedgerPort;
  readonly store: IntakeStore;
  readonly log: Logger;
  readonly oidc?: OidcRelyingParty;
}

const LOGIN_COOKIE = 'dol_oidc_login';
const HANDOFF_COOKIE = 'dol_oidc_handoff';
/** Both cookies go only to the sign-in endpoints. */
const COOKIE_PATH = '/v1/oidc';
/** {"code": "<43 characters>"} and some room. */
const HANDOFF_BODY_LIMIT = 1024;
/** A Cookie header is read up to this many pairs. */
const MAX_COOKIE_PAIRS = 64;
const HANDOFF_BODY = z.strictObject({
  code: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'the code from the wallet\'s address after #oidc='),
});

/** The value of one cookie in a Cookie header. Ours are base64url: nothing to decode. */
function cookieNamed(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';', MAX_COOKIE_PAIRS)) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * HttpOnly (no script reads them), Secure when the gateway is reached over TLS, on the sign-in
 * paths only. The login cookie is Lax: the provider's answer arrives as a cross-site top-level
 * navigation, which Lax cookies follow. The hand-off is Strict: only the wallet's same-origin POST reads it.
 */
function cookieOptions(oidc: OidcRelyingParty, sameSite: 'lax' | 'strict', maxAgeMs?: number): CookieOptions {
  const lifetime = maxAgeMs === undefined ? {} : { maxAge: maxAgeMs };
  return { httpOnly: true, secure: overTls(oidc.config), sameSite, path: COOKIE_PATH, ...lifetime };
}

function requestId(res: Response): string {
  const id: unknown = res.locals.requestId;
  return typeof id === 'string' ? id : '';
}

/** The error's message and code for the log: never the whole error, whose cause may carry a token's claims. */
function described(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const message: unknown = Reflect.get(error, 'message');
  const code: unknown = Reflect.get(error, 'code');
  return `${typeof message === 'string' ? message : '?'}${typeof code === 'string' ? ` (${code})` : ''}`;
}

function relyingParty(deps: OidcDeps): OidcRelyingParty {
  if (deps.oidc === undefined) {
    throw new ApiError('NOT_FOUND', 'this gateway has no OpenID Connect provider: students sign in with activation codes');
  }
  return deps.oidc;
}

/** Back to the wallet with the failure's code and reason (the wallet words the reason itself); no session. */
function refuse(res: Response, deps: OidcDeps, returnTo: string, failure: SignInFailure): void {
  const problem = refusalOf(failure.reason);
  const cause = described(failure.cause);
  deps.log.warn({ requestId: requestId(res), reason: failure.reason, code: problem.code, cause }, 'OpenID Connect sign-in refused');
  res.redirect(302, `${returnTo}#oidc-error=${problem.code}&reason=${failure.reason}`);
}

async function login(req: Request, res: Response, deps: OidcDeps): Promise<void> {
  const oidc = relyingParty(deps);
  const returnTo = parseReturnPath(req.query.return_to);
  if (returnTo === undefined) throw new ApiError('INVALID_FIELD', 'return_to must be a wallet page, such as /wallet/');
  try {
    const { url, pending } = await oidc.begin(returnTo);
    res.cookie(LOGIN_COOKIE, oidc.state.sealPending(pending, Date.now()), cookieOptions(oidc, 'lax', SIGN_IN_MS));
    res.redirect(302, url.href);
  } catch (error) {
    if (!(error instanceof SignInFailure)) throw error;
    refuse(res, deps, returnTo, error);
  }
}

async function callback(req: Request, res: Response, deps: OidcDeps): Promise<void> {
  const oidc = relyingParty(deps);
  const pending = oidc.state.openPending(cookieNamed(req.get('cookie'), LOGIN_COOKIE), Date.now());
  // The login cookie serves one answer, whatever becomes of it.
  res.clearCookie(LOGIN_COOKIE, cookieOptions(oidc, 'lax'));
  const returnTo = pending?.returnTo ?? DEFAULT_RETURN_PATH;
  try {
    if (pending === undefined) throw new SignInFailure('not-started');
    const query = new URL(req.originalUrl, 'http://callback.invalid').searchParams;
    const account = await studentAccount(await oidc.finish(query, pending), deps.ledger);
    const { sealed, code } = oidc.state.handoff(account, Date.now());
    res.cookie(HANDOFF_COOKIE, sealed, cookieOptions(oidc, 'strict', HANDOFF_MS));
    deps.log.info({ requestId: requestId(res), account }, 'OpenID Connect sign-in: handed to the wallet');
    res.redirect(302, `${returnTo}#oidc=${code}`);
  } catch (error) {
    if (!(error instanceof SignInFailure)) throw error;
    refuse(res, deps, returnTo, error);
  }
}

async function openSession(req: Request, res: Response, deps: OidcDeps): Promise<void> {
  const oidc = relyingParty(deps);
  if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
    throw new ApiError('MALFORMED_JSON', 'a JSON body (Content-Type: application/json) is required');
  }
  const { code } = HANDOFF_BODY.parse(parseStrictJson(req.body, { maxBytes: HANDOFF_BODY_LIMIT }));
  const account = oidc.state.redeem(cookieNamed(req.get('cookie'), HANDOFF_COOKIE), code, Date.now());
  res.clearCookie(HANDOFF_COOKIE, cookieOptions(oidc, 'strict'));
  if (account === undefined) {
    throw new ApiError('UNAUTHENTICATED', 'this sign-in hand-off is unknown, used, expired (60 s) or of another browser');
  }
  res.status(201).json(await deps.store.students.openSession(account));
}

/** Names the endpoint for the request log and metrics; sign-in answers are never cached. */
const endpoint = (id: string): RequestHandler => (_req, res, next) => {
  res.locals.routeId = id;
  res.setHeader('cache-control', 'no-store');
  next();
};

const passThrough: RequestHandler = (_req, _res, next) => {
  next();
};

/**
 * Mounts the sign-in endpoints on the gateway's app: before its 404 handler, after its security
 * headers. `failureLimit` is the app's limit on failed authentications per address, which a
 * wrong hand-off (401) counts towards. Errors go to the app's error handler as problems.
 */
export function mountOidc(app: express.Express, deps: OidcDeps, failureLimit: RequestHandler = passThrough): void {
  app.get('/v1/oidc', endpoint('getOidc'), (_req, res) => {
    const oidc = deps.oidc;
    res.json(oidc === undefined ? { configured: false } : { configured: true, name: oidc.name, login: '/v1/oidc/login' });
  });
  app.get('/v1/oidc/login', endpoint('oidcLogin'), (req, res, next) => {
    login(req, res, deps).catch(next);
  });
  app.get('/v1/oidc/callback', endpoint('oidcCallback'), (req, res, next) => {
    callback(req, res, deps).catch(next);
  });
  const body = express.raw({ type: ['application/json'], limit: HANDOFF_BODY_LIMIT });
  app.post('/v1/oidc/session', endpoint('oidcSession'), failureLimit, body, (req, res, next) => {
    openSession(req, res, deps).catch(next);
  });
}
