import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { resolve } from 'node:path';
import { TLSSocket } from 'node:tls';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { parseStrictJson } from '@dol/chaincode';
import type { Credential } from '../config';
import type { IntakeStore } from '../intake/intake-store';
import { isCatalogued, type ProblemCode } from '../error-catalogue';
import type { Metrics } from '../metrics';
import { ledgerLabel } from '../ledger/ledger-port';
import { csvFile } from './csv';
import { openApi } from './openapi';
import { sendProblem } from './problem';
import { errorInfo } from './error-info';
import type { OidcRelyingParty } from '../oidc/relying-party';
import { mountOidc } from './oidc-routes';
import { BODY_LIMITS, METRICS_ROLES, bodyLimitOf, queryOf, type Deps, type Route } from './route-kit';
import { ROUTES } from './routes';

/** What createApp needs; it never listens (tests use port 0). */
export interface AppDeps extends Deps {
  readonly credentials: readonly Credential[];
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Failed authentications one client address may make per minute before it is answered 429 (valid staff credentials are never held back). */
  readonly authFailuresPerMinute?: number;
  /** With TLS client certificates: whether a terminal's bearer credential also needs its certificate. */
  readonly terminalCertRequired?: boolean;
  /** The campus's OpenID Connect provider students sign in with; absent: activation codes only (GET /v1/oidc says so). */
  readonly oidc?: OidcRelyingParty;
}

/** The terminal a verified TLS client certificate names (its subject CN), if the request came with one. */
function certifiedTerminal(req: Request): string | undefined {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const cert = socket.getPeerCertificate() as { subject?: { CN?: unknown } }; // {} when the client sent none
  const cn = cert.subject?.CN;
  return typeof cn === 'string' && /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(cn) ? cn : undefined;
}

/** Where the built web console is (console/public: index.html, console.css, js/ from tsc). */
const CONSOLE_DIR = resolve(__dirname, '..', '..', '..', 'console', 'public');
/** Where the student's wallet is (wallet/public: a PWA whose service worker keeps it working offline; docs/wallet.md). */
const WALLET_DIR = resolve(__dirname, '..', '..', '..', 'wallet', 'public');
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The bearer token of a request (the scheme is case-insensitive, RFC 7235), or undefined. */
function bearer(header: string | undefined): string | undefined {
  return /^bearer +([A-Za-z0-9._~+/-]{16,512}=*)$/i.exec(header ?? '')?.[1];
}

const sha256 = (token: string): Buffer => createHash('sha256').update(token).digest();
const staffOf = (digest: Buffer, credentials: readonly Credential[]): Credential | undefined =>
  credentials.find((c) => timingSafeEqual(Buffer.from(c.tokenSha256, 'hex'), digest));

/** Staff credentials from the configuration; terminal credentials from the intake database (issued and revoked through the API, effective at once). */
async function authenticate(header: string | undefined, credentials: readonly Credential[], store: IntakeStore): Promise<Credential | undefined> {
  const token = bearer(header);
  if (token === undefined) return undefined;
  const digest = sha256(token);
  const hex = digest.toString('hex');
  return staffOf(digest, credentials) ?? await store.credential(hex);
}

/** The id the first middleware gave this request. */
function requestId(req: Request): string {
  const id: unknown = req.res?.locals.requestId;
  return typeof id === 'string' ? id : '';
}

/** A refusal sent before the body was read: the connection closes, so an unread upload is not drained. */
function refuseEarly(res: Response, code: ProblemCode, detail: string, req: Request): void {
  res.setHeader('connection', 'close');
  sendProblem(res, code, detail, requestId(req));
}

/** Readiness: undefined when ready, else why not (shown to operators in /readyz). */
export type Readiness = () => Promise<string | undefined>;

/**
 * Client faults Express and its body reader raise (http-errors with a 4xx status): each gets a
 * catalogue code and a warn line, never a 500 with a stack.
 */
function clientFault(error: unknown, route: Route | undefined): { code: ProblemCode; detail: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status: unknown = Reflect.get(error, 'status') ?? Reflect.get(error, 'statusCode');
  const type: unknown = Reflect.get(error, 'type');
  const message = error instanceof Error ? error.message : 'bad request';
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (type === 'entity.too.large') {
    const limit = route === undefined ? BODY_LIMITS.staff : bodyLimitOf(route);
    return route?.roles === 'signed' ? { code: 'BATCH_TOO_LARGE', detail: `request body over ${String(limit)} bytes` } : { code: 'BODY_TOO_LARGE', detail: `request body over ${String(limit)} bytes, this endpoint's limit` };
  }
  if (type === 'encoding.unsupported' || status === 415) return { code: 'UNSUPPORTED_ENCODING', detail: `${message}: send the body uncompressed, or gzip, deflate or br` };
  if (type === 'request.aborted') return { code: 'MALFORMED_REQUEST', detail: 'the upload was aborted before its body was complete' };
  if (error instanceof URIError) return { code: 'MALFORMED_REQUEST', detail: 'the path is not valid percent-encoding' };
  return { code: 'MALFORMED_REQUEST', detail: message };
}

/** Builds the Express app: routes from the table, problem+json errors, logs, metrics, health, the door's limits. */
export function createApp(deps: AppDeps, ready: Readiness): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const id = /^[A-Za-z0-9._-]{1,64}$/.test(req.get('x-request-id') ?? '') ? String(req.get('x-request-id')) : randomUUID();
    res.locals.requestId = id;
    res.setHeader('x-request-id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = typeof res.locals.routeId === 'string' ? res.locals.routeId : 'unmatched';
      deps.metrics.requests.inc({ route, status: String(res.statusCode) });
      const caller = res.locals.caller as Credential | undefined;
      deps.log.info({ requestId: id, method: req.method, path: req.path, route, status: res.statusCode, ...(caller === undefined ? {} : { role: caller.role, subject: caller.subject }), ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
    });
    next();
  });
  // Security headers on everything: a strict CSP (the console loads only its own scripts and
  // styles, no inline code), no framing, no MIME sniffing, no referrer; API answers are never cached.
  app.use(helmet({
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'], connectSrc: ["'self'"], frameAncestors: ["'none'"], formAction: ["'self'"], baseUri: ["'none'"], objectSrc: ["'none'"] } },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false, // set by whoever terminates TLS for this address (docs/gateway.md)
  }));
  app.use('/v1', (_req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    next();
  });

  // Failed authentications per client address: after the limit, 429 with Retry-After, before any
  // database look-up. A valid staff credential of the configuration (checked in memory) or a
  // verified terminal certificate is never held back.
  const throttle = rateLimit({
    windowMs: 60_000,
    limit: deps.authFailuresPerMinute ?? 30,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => res.statusCode !== 401,
    // Every valid credential passes unthrottled (a campus NAT puts thousands of students behind one
    // address, and their requests in flight must not count as failures before they answer); the
    // look-up is kept for authorizeCall, so a request is authenticated once.
    skip: async (req, res) => {
      if (certifiedTerminal(req) !== undefined) return true;
      const token = bearer(req.get('authorization'));
      // A batch upload needs no token (its signature is its credential, checked in full before it
      // is stored) and is never a failed authentication; counted while in flight, 30 terminals
      // uploading at once behind one address would turn the 31st away.
      if (token === undefined && req.method === 'POST' && req.originalUrl.split('?')[0] === '/v1/batches') return true;
      if (token === undefined) return false;
      if (staffOf(sha256(token), deps.credentials) !== undefined) return true;
      const caller = await authenticate(req.get('authorization'), deps.credentials, deps.store);
      res.locals.authenticated = caller;
      return caller !== undefined;
    },
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req, res, _next, options) => {
      deps.metrics.authThrottled.inc();
      res.setHeader('retry-after', String(Math.ceil(options.windowMs / 1000)));
      refuseEarly(res, 'TOO_MANY_FAILED_AUTHENTICATIONS', `more than ${String(options.limit)} failed authentications from this address within a minute; retry after the Retry-After seconds`, req);
    },
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', ...ledgerLabel(deps.ledger.kind) });
  });
  app.get('/readyz', async (req, res) => {
    const notReady = await ready();
    if (notReady === undefined) res.json({ status: 'ready' });
    else sendProblem(res, 'LEDGER_UNAVAILABLE', notReady, requestId(req));
  });
  // Metrics tell an outsider how busy the campus is: operator and auditor credentials only.
  app.get('/metrics', throttle, async (req, res) => {
    const caller = await authenticate(req.get('authorization'), deps.credentials, deps.store);
    if (caller === undefined) {
      deps.metrics.authFailures.inc();
      refuseEarly(res, 'UNAUTHENTICATED', 'metrics need an operator or auditor bearer credential', req);
      return;
    }
    if (!METRICS_ROLES.includes(caller.role)) {
      refuseEarly(res, 'ACCESS_DENIED', `metrics are for ${METRICS_ROLES.join(', ')} credentials; this credential is ${caller.role}`, req);
      return;
    }
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  // The web console (console/): static files, same origin, the same bearer credentials and roles. No source maps.
  app.get('/', (_req, res) => {
    res.redirect(302, '/console/');
  });
  app.use('/console', (req, res, next) => {
    if (req.path.endsWith('.map')) {
      sendProblem(res, 'NOT_FOUND', `no route ${req.method} ${req.originalUrl}`, requestId(req));
      return;
    }
    next();
  }, express.static(CONSOLE_DIR, { index: 'index.html', fallthrough: true, maxAge: 0 }));
  // The wallet: the same static serving; its service worker is always revalidated, so an update reaches phones.
  app.use('/wallet', (req, res, next) => {
    if (req.path.endsWith('.map')) {
      sendProblem(res, 'NOT_FOUND', `no route ${req.method} ${req.originalUrl}`, requestId(req));
      return;
    }
    if (req.path === '/sw.js') res.setHeader('cache-control', 'no-cache');
    next();
  }, express.static(WALLET_DIR, { index: 'index.html', fallthrough: true, maxAge: 0 }));
  const description = openApi(ROUTES, deps.ledger.kind);
  app.get('/openapi.json', (_req, res) => {
    res.json(description);
  });

  // Students' sign-in through the campus's OpenID Connect provider: redirects and cookies, so beside the route table.
  mountOidc(app, deps, throttle);

  for (const route of ROUTES) {
    const path = route.path.replace(/\{([A-Za-z]+)\}/g, ':$1');
    const authorize: RequestHandler = (req, res, next) => {
      res.locals.routeId = route.id;
      authorizeCall(route, req, res, deps).then((allowed) => {
        if (allowed) next();
      }, next);
    };
    // The body is read only once the caller is known to be allowed, up to this route's limit; it
    // is read as bytes and decoded strictly below (Express's text reader would turn invalid UTF-8
    // into U+FFFD and store it).
    const readBody: RequestHandler = route.body === undefined
      ? (_req, _res, next) => {
        next();
      }
      : express.raw({ type: ['application/json', 'application/*+json'], limit: bodyLimitOf(route) });
    app[route.method](path, ...(route.throttle === false ? [] : [throttle]), authorize, readBody, (req, res, next) => {
      handle(route, req, res, deps).catch(next);
    });
  }

  app.use((req, res) => {
    sendProblem(res, 'NOT_FOUND', `no route ${req.method} ${req.path}`, requestId(req));
  });
  // Express knows an error handler by its four parameters, so `next` stays although unused.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const route = ROUTES.find((r) => r.id === res.locals.routeId);
    const info = errorInfo(error);
    const fault = info === undefined ? clientFault(error, route) : undefined;
    if (fault !== undefined) {
      deps.log.warn({ requestId: requestId(req), code: fault.code, detail: fault.detail }, 'client fault');
      if (res.headersSent) return;
      res.setHeader('connection', 'close');
      sendProblem(res, fault.code, fault.detail, requestId(req));
      return;
    }
    if (info === undefined) {
      deps.log.error({ err: error, requestId: requestId(req) }, 'unexpected error');
      sendProblem(res, 'INTERNAL', 'unexpected error; see the gateway log with this request id', requestId(req));
      return;
    }
    if (!isCatalogued(info.code)) deps.log.error({ err: error, requestId: requestId(req), code: info.code }, 'a code outside the error catalogue: a defect, answered 500');
    if (info.retryAfterSeconds !== undefined) res.set('Retry-After', String(info.retryAfterSeconds));
    sendProblem(res, info.code, info.detail, requestId(req));
  });
  return app;
}

/** Authenticates and checks the role before anything of the body is read; false once a refusal was sent. */
async function authorizeCall(route: Route, req: Request, res: Response, deps: AppDeps): Promise<boolean> {
  const sent = req.get('authorization');
  const certified = certifiedTerminal(req);
  const known = res.locals.authenticated as Credential | undefined;
  let caller = known ?? await authenticate(sent, deps.credentials, deps.store);
  // A terminal may authenticate with the client certificate the operator's CA issued it (TLS).
  if (caller === undefined && sent === undefined && certified !== undefined) caller = { tokenSha256: '', role: 'terminal', subject: certified };
  if (caller?.role === 'terminal' && deps.terminalCertRequired === true && certified !== caller.subject) {
    deps.metrics.authFailures.inc();
    refuseEarly(res, 'UNAUTHENTICATED', `a terminal credential is accepted here only with the TLS client certificate of terminal ${caller.subject}`, req);
    return false;
  }
  res.locals.caller = caller;
  if (route.roles === 'signed' && sent !== undefined && caller === undefined) {
    // The signature is the upload's credential; a bearer token is optional, but one that is sent must be valid.
    deps.metrics.authFailures.inc();
    refuseEarly(res, 'UNAUTHENTICATED', 'the bearer credential sent is not valid (uploads need none: the batch signature authenticates them)', req);
    return false;
  }
  if (Array.isArray(route.roles)) {
    if (caller === undefined) {
      deps.metrics.authFailures.inc();
      refuseEarly(res, 'UNAUTHENTICATED', 'a valid bearer credential is required', req);
      return false;
    }
    if (!route.roles.includes(caller.role)) {
      refuseEarly(res, 'ACCESS_DENIED', `${route.id} is for ${route.roles.join(', ')}; this credential is ${caller.role}`, req);
      return false;
    }
  }
  return true;
}

async function handle(route: Route, req: Request, res: Response, deps: AppDeps): Promise<void> {
  const caller = res.locals.caller as Credential | undefined;
  let body: unknown;
  if (route.body !== undefined) {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
      sendProblem(res, 'MALFORMED_JSON', 'a JSON body (Content-Type: application/json) is required', requestId(req));
      return;
    }
    const charset = /charset=([^;]+)/i.exec(req.get('content-type') ?? '')?.[1]?.trim().replace(/^"|"$/g, '').toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      sendProblem(res, 'UNSUPPORTED_ENCODING', `charset ${charset}: JSON bodies are UTF-8`, requestId(req));
      return;
    }
    let text: string;
    try {
      text = STRICT_UTF8.decode(req.body);
    } catch {
      sendProblem(res, 'INVALID_UTF8', 'the body is not valid UTF-8', requestId(req));
      return;
    }
    // reportInput: a closed set's fault is told apart by what was sent (error-info.ts); details never echo it.
    body = route.body.parse(parseStrictJson(text, { maxBytes: BODY_LIMITS.batch }), { reportInput: true });
  }
  const { format, query } = queryOf(route, req.query);
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.params)) if (typeof v === 'string') params[k] = v;
  const out = await route.handle({ caller, params, query, body, deps });
  if (route.csv !== undefined && format === 'csv') {
    const file = csvFile(route.csv, out.body, Object.values(params));
    res.status(out.status).type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="${file.name}"`).send(file.text);
    return;
  }
  res.status(out.status).json(out.body);
}
