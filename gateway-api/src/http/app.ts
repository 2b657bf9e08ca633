import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { resolve } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { parseStrictJson } from '@dol/chaincode';
import type { Credential } from '../config';
import type { IntakeStore } from '../intake/intake-store';
import { statusOf } from '../errors';
import type { Metrics } from '../metrics';
import { ledgerLabel } from '../ledger/ledger-port';
import { CSV_VIEWS, toCsv } from './csv';
import { openApi } from './openapi';
import { sendProblem } from './problem';
import { ROUTES, errorInfo, type Deps, type Route } from './routes';

/** What createApp needs; it never listens (tests use port 0). */
export interface AppDeps extends Deps {
  readonly credentials: readonly Credential[];
  readonly log: Logger;
  readonly metrics: Metrics;
}

/** Where the built web console is (console/public: index.html, console.css, js/ from tsc). */
const CONSOLE_DIR = resolve(__dirname, '..', '..', '..', 'console', 'public');
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const MAX_BODY = 3 * 1024 * 1024; // a 2 MiB batch payload, base64url-encoded, in a JSON envelope

/** Staff credentials from the configuration; terminal credentials from the intake database (issued and revoked through the API, effective at once). */
async function authenticate(header: string | undefined, credentials: readonly Credential[], store: IntakeStore): Promise<Credential | undefined> {
  const m = /^Bearer ([A-Za-z0-9._~+/-]{16,512}=*)$/.exec(header ?? '');
  if (m?.[1] === undefined) return undefined;
  const digest = createHash('sha256').update(m[1]).digest();
  return credentials.find((c) => timingSafeEqual(Buffer.from(c.tokenSha256, 'hex'), digest)) ?? await store.terminalCredential(digest.toString('hex'));
}

/** The id the first middleware gave this request. */
function requestId(req: Request): string {
  const id: unknown = req.res?.locals.requestId;
  return typeof id === 'string' ? id : '';
}

/** Readiness: undefined when ready, else why not (shown to operators in /readyz). */
export type Readiness = () => Promise<string | undefined>;

/** Builds the Express app: routes from the table, problem+json errors, logs, metrics, health. */
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
      deps.log.info({ requestId: id, method: req.method, path: req.path, route, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', ...ledgerLabel(deps.ledger.kind) });
  });
  app.get('/readyz', async (req, res) => {
    const notReady = await ready();
    if (notReady === undefined) res.json({ status: 'ready' });
    else sendProblem(res, 503, 'LEDGER_UNAVAILABLE', notReady, requestId(req));
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  // The web console (console/): static files, same origin, the same bearer credentials and roles.
  app.get('/', (_req, res) => {
    res.redirect(302, '/console/');
  });
  app.use('/console', express.static(CONSOLE_DIR, { index: 'index.html', fallthrough: true, maxAge: 0 }));
  const description = openApi(ROUTES, deps.ledger.kind);
  app.get('/openapi.json', (_req, res) => {
    res.json(description);
  });

  // Bodies are read as text and parsed by the domain's strict JSON parser: duplicate keys,
  // __proto__, floats and huge integers get the same stable codes as on the ledger.
  // Read as bytes and decoded here, strictly: Express's text parser would turn invalid UTF-8 into
  // U+FFFD and store it (a merchant named with byte 0xFF); this door answers INVALID_UTF8, as the ledger's do.
  app.use(express.raw({ type: ['application/json', 'application/*+json'], limit: MAX_BODY }));

  for (const route of ROUTES) {
    const path = route.path.replace(/\{([A-Za-z]+)\}/g, ':$1');
    app[route.method](path, (req, res, next) => {
      res.locals.routeId = route.id;
      handle(route, req, res, deps).catch(next);
    });
  }

  app.use((req, res) => {
    sendProblem(res, 404, 'NOT_FOUND', `no route ${req.method} ${req.path}`, requestId(req));
  });
  // Express knows an error handler by its four parameters, so `next` stays although unused.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const info = errorInfo(error);
    const tooLarge = typeof error === 'object' && error !== null && (error as { type?: unknown }).type === 'entity.too.large';
    if (tooLarge) {
      sendProblem(res, 413, 'BATCH_TOO_LARGE', `request body over ${MAX_BODY} bytes`, requestId(req));
      return;
    }
    if (info === undefined) {
      deps.log.error({ err: error, requestId: requestId(req) }, 'unexpected error');
      sendProblem(res, 500, 'INTERNAL', 'unexpected error; see the gateway log with this request id', requestId(req));
      return;
    }
    if (info.retryAfterSeconds !== undefined) res.set('Retry-After', String(info.retryAfterSeconds));
    sendProblem(res, info.status > 0 ? info.status : statusOf(info.code), info.code, info.detail, requestId(req));
  });
  return app;
}

async function handle(route: Route, req: Request, res: Response, deps: AppDeps): Promise<void> {
  const caller = await authenticate(req.get('authorization'), deps.credentials, deps.store);
  if (route.roles === 'signed' && req.get('authorization') !== undefined && caller === undefined) {
    // The signature is the upload's credential; a bearer token is optional, but one that is sent must be valid.
    sendProblem(res, 401, 'UNAUTHENTICATED', 'the bearer credential sent is not valid (uploads need none: the batch signature authenticates them)', requestId(req));
    return;
  }
  if (Array.isArray(route.roles)) {
    if (caller === undefined) {
      sendProblem(res, 401, 'UNAUTHENTICATED', 'a valid bearer credential is required', requestId(req));
      return;
    }
    if (!route.roles.includes(caller.role)) {
      sendProblem(res, 403, 'ACCESS_DENIED', `${route.id} is for ${route.roles.join(', ')}; this credential is ${caller.role}`, requestId(req));
      return;
    }
  }
  let body: unknown;
  if (route.body !== undefined) {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
      sendProblem(res, 400, 'MALFORMED_JSON', 'a JSON body (Content-Type: application/json) is required', requestId(req));
      return;
    }
    let text: string;
    try {
      text = STRICT_UTF8.decode(req.body);
    } catch {
      sendProblem(res, 400, 'INVALID_UTF8', 'the body is not valid UTF-8', requestId(req));
      return;
    }
    body = route.body.parse(parseStrictJson(text, { maxBytes: MAX_BODY }));
  }
  const query = route.query === undefined ? {} : (route.query.parse(req.query) as Record<string, string>);
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.params)) if (typeof v === 'string') params[k] = v;
  const out = await route.handle({ caller, params, query, body, deps });
  if (route.csv !== undefined && req.query.format !== undefined && req.query.format !== 'csv' && req.query.format !== 'json') {
    sendProblem(res, 400, 'INVALID_FIELD', 'format must be json or csv', requestId(req));
    return;
  }
  if (route.csv !== undefined && req.query.format === 'csv') {
    const name = [route.id, ...Object.values(params)].join('-').replace(/[^A-Za-z0-9._-]/g, '_');
    res.status(out.status).type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="${name}.csv"`).send(toCsv(CSV_VIEWS[route.csv](out.body)));
    return;
  }
  res.status(out.status).json(out.body);
}
