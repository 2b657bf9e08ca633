import { z } from 'zod';
import { PROBLEM_CODES, RECORD_REASONS, SETTLE_FLAGS } from '../error-catalogue';
import { EMBEDDED_NOTICE, type LedgerKind } from '../ledger/ledger-port';
import { METRICS_ROLES, type Route } from './route-kit';

const PROBLEM = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail', 'instance'],
  properties: {
    type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' },
    code: { type: 'string', enum: Object.keys(PROBLEM_CODES), description: 'Stable code for programs; x-error-catalogue says where each occurs and what to do' },
    detail: { type: 'string', description: 'For people; never repeats the code' }, instance: { type: 'string', description: 'The request id' },
  },
};

const schemaOf = (t: z.ZodType): unknown => z.toJSONSchema(t, { io: 'input', unrepresentable: 'any' });

/** What a success status of a route means (docs/gateway.md, "Status codes of creates"). */
function okDescription(r: Route, status: number): string {
  if (status === 202) return 'Accepted: stored durably, settling';
  if (status === 201) return 'Created';
  if (r.ok.includes(201)) return 'OK: a repeat of an idempotent create; nothing new was made, the answer is what the first one made';
  return r.csv === undefined ? 'OK' : 'OK; with format=csv the same data as a CSV file (amounts in minor units, times in ms with an ISO 8601 UTC column beside)';
}

/** The OpenAPI 3.1 description, generated from the same route table the server runs. */
export function openApi(routes: readonly Route[], ledger: LedgerKind = 'fabric'): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const params = [...r.path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const query = r.query === undefined ? [] : Object.entries((schemaOf(r.query) as { properties?: Record<string, unknown> }).properties ?? {})
      .map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
    const responses: Record<string, unknown> = {};
    for (const s of r.ok) {
      responses[String(s)] = { description: okDescription(r, s),
        content: { 'application/json': { schema: {} }, ...(r.csv === undefined ? {} : { 'text/csv': { schema: { type: 'string' } } }) } };
    }
    if (r.csv !== undefined) query.push({ name: 'format', in: 'query', required: false, schema: { type: 'string', enum: ['json', 'csv'], default: 'json' } });
    for (const s of r.roles === 'public' ? [400] : r.roles === 'signed' ? [400, 401, 403, 404, 413, 415, 422, 429, 503] : [400, 401, 403, 404, 409, 413, 415, 429, 502, 503]) {
      responses[String(s)] = { $ref: '#/components/responses/Problem' };
    }
    responses['500'] = { $ref: '#/components/responses/Problem' };
    paths[r.path] = {
      ...paths[r.path],
      [r.method]: {
        operationId: r.id, summary: r.summary,
        ...(Array.isArray(r.roles) ? { security: [{ bearer: [] }], 'x-roles': r.roles } : { security: [] }),
        parameters: [...params, ...query],
        ...(r.body === undefined ? {} : { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body) } } } }),
        responses,
      },
    };
  }
  for (const [path, summary] of [['/healthz', 'Liveness'], ['/readyz', 'Ready only when the ledger answers and settles'], ['/openapi.json', 'This description']] as const) {
    paths[path] = { get: { operationId: path.slice(1).replace('.json', ''), summary, security: [], responses: { 200: { description: 'OK' }, ...(path === '/readyz' ? { 503: { $ref: '#/components/responses/Problem' } } : {}) } } };
  }
  // /metrics is mounted beside the route table (app.ts) but checks credentials as a route does.
  const problem = { $ref: '#/components/responses/Problem' };
  paths['/metrics'] = { get: { operationId: 'metrics', summary: 'Prometheus metrics', security: [{ bearer: [] }], 'x-roles': METRICS_ROLES,
    responses: { 200: { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } }, 401: problem, 403: problem, 429: problem, 500: problem } } };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Dual-offline payments ledger API', version: '0.1.0', 'x-ledger': ledger,
      description: 'Terminals upload signed batches; operator, school finance, registrar and auditors use the ledger. Money is minor units as decimal strings.'
        + (ledger === 'embedded'
          ? ` THIS GATEWAY RUNS ON THE ${EMBEDDED_NOTICE.toUpperCase()}: the same contract in one process over a durable, hash-chained block store; no organisation endorses, and whoever runs it could rewrite it (npm run ledger:verify detects a rewrite it did not redo end to end). Answers and proofs say ledger: embedded.`
          : ' It runs on a Hyperledger Fabric network: writes are endorsed by OperatorOrg and CampusOrg and ordered by Raft; proofs give Fabric CLI commands.'),
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API credential, mapped to a role (operator, finance, registrar, auditor, terminal)' } },
      schemas: { Problem: PROBLEM },
      responses: { Problem: { description: 'RFC 9457 problem with a stable code', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } } },
    },
    paths,
    'x-error-catalogue': {
      problems: Object.entries(PROBLEM_CODES).map(([code, e]) => ({ code, ...e })),
      recordReasons: Object.entries(RECORD_REASONS).map(([reason, e]) => ({ reason, ...e })),
      settleFlags: Object.entries(SETTLE_FLAGS).map(([flag, e]) => ({ flag, ...e })),
    },
  };
}

/** Who may call what, as a markdown table, rendered from the route table (docs/gateway.md holds it; `npm run docs`). */
export function renderRoleTable(routes: readonly Route[]): string {
  const who = (r: Route): string => (r.roles === 'signed' ? 'anyone holding a registered terminal key (the batch signature is the credential)' : r.roles === 'public' ? 'anyone' : r.roles.join(', '));
  return [
    '| endpoint | who may call it | what it does |',
    '| --- | --- | --- |',
    ...routes.map((r) => `| \`${r.method.toUpperCase()} ${r.path}\` | ${who(r)} | ${r.summary.replace(/\|/g, '\\|')} |`),
  ].join('\n');
}
