/**
 * What the routes are made of (routes.ts): the request, the endpoint's shape, the ledger calls
 * with the caller's ledger role and the person behind a write, and the checks several endpoints share.
 */
import { z } from 'zod';
import { Amount, DomainError } from '@dol/chaincode';
import type { CallerRole, Credential } from '../config';
import { BODY_LIMITS } from '../body-limits';
import { ApiError } from '../errors';
import type { CsvView } from './csv';
import type { IntakeStore } from '../intake/intake-store';
import type { IssuerService } from '../issuer/issuer-service';
import { ContractClient } from '../ledger/contract-client';
import { LedgerError, ledgerLabel, type Actor, type LedgerPort, type LedgerRole } from '../ledger/ledger-port';
import { SETTLEMENT } from '../ledger/settlement-transactions';
import type { Invocation, StoredWrite } from '../ledger/transaction';
import { withoutCodes } from './error-info';

/** What every handler may use. */
export interface Deps {
  readonly ledger: LedgerPort;
  readonly store: IntakeStore;
  readonly onAccepted: () => void;
  readonly channel: string;
  readonly chaincode: string;
  readonly cli: { readonly ordererAddress: string; readonly peerAddress: string };
  /** The campus's IANA time zone: consoles show times in it. */
  readonly campusTimeZone?: string;
  /** The operator's issuer service (docs/wallet.md); absent where this gateway holds no issuer key. */
  readonly issuer?: IssuerService;
}

/** One request, parsed; `B` is its body as the route's schema parsed it (route()). */
export interface Call<B = unknown> {
  readonly caller: Credential | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly body: B;
  readonly deps: Deps;
}

/** What a handler answers: its status and its JSON body. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** One endpoint: the single place its path, roles, input, ledger call and documentation live. */
export interface Route {
  readonly id: string;
  readonly method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI form: /v1/accounts/{account} */
  readonly path: string;
  /** Who may call; 'signed' means the body's signature authenticates (terminal batch upload). */
  readonly roles: readonly CallerRole[] | 'signed' | 'public';
  readonly summary: string;
  readonly body?: z.ZodType;
  /** The query parameters besides `format`; any other is UNKNOWN_FIELD (queryOf). */
  readonly query?: z.ZodObject;
  /** Documented statuses besides the problem responses. */
  readonly ok: readonly number[];
  readonly handle: (call: Call) => Promise<Answer>;
  /** The answer is also served as CSV with `?format=csv` (http/csv.ts). */
  readonly csv?: CsvView;
  /** The body's limit when it is not a staff request's (BODY_LIMITS): 'import' for bulk writes of up to 500 items. Signed batches always get BODY_LIMITS.batch. */
  readonly bodyLimit?: 'import';
  /** false: the failed-authentication throttle does not see this door (a public one whose own secret makes guessing online hopeless). */
  readonly throttle?: false;
}

export { BODY_LIMITS };

/**
 * A route with a body: its handler receives the body typed as its schema's output. The app parsed
 * it with this schema before the handler runs (app.ts, where its faults are answered); parsing the
 * parsed value again is cheap and lets the type follow from the schema without a cast. So a body
 * schema must accept its own output: no transforms (none has one; a transform would fail every
 * request to its route, at once, in the HTTP tests).
 */
export function route<B extends z.ZodType>(spec: Omit<Route, 'body' | 'handle'> & { readonly body: B; readonly handle: (call: Call<z.output<B>>) => Promise<Answer> }): Route {
  const { handle, ...rest } = spec;
  return { ...rest, handle: (call) => handle({ ...call, body: spec.body.parse(call.body) }) };
}

/** The most bytes a route's body may have. */
export const bodyLimitOf = (route: Route): number => (route.roles === 'signed' ? BODY_LIMITS.batch : route.bodyLimit === 'import' ? BODY_LIMITS.import : BODY_LIMITS.staff);

/** Who may read /metrics (Prometheus): the numbers tell an outsider how busy the campus is. */
export const METRICS_ROLES: readonly CallerRole[] = ['operator', 'auditor'];

/** The one format parameter of the routes that serve CSV files (http/csv.ts). */
const FORMAT = z.enum(['json', 'csv']);

/** Each route's closed query schema, made once (one per route: bounded by the route table). */
const CLOSED_QUERIES = new WeakMap<Route, z.ZodType<Record<string, unknown>>>();
function closedQuery(route: Route): z.ZodType<Record<string, unknown>> {
  const made = CLOSED_QUERIES.get(route);
  if (made !== undefined) return made;
  const schema = z.strictObject({ ...route.query?.shape, ...(route.csv === undefined ? {} : { format: FORMAT.optional() }) });
  CLOSED_QUERIES.set(route, schema);
  return schema;
}

/**
 * A route's query, parsed and closed as its bodies are: a parameter it does not define is
 * UNKNOWN_FIELD, so that a misspelt filter (`?acount=`) is refused, not ignored while every row is
 * answered. `format` is taken out (csv routes only); what is left goes to the handler.
 */
export function queryOf(route: Route, raw: unknown): { format: 'json' | 'csv'; query: Record<string, string> } {
  const parsed: Record<string, unknown> = closedQuery(route).parse(raw, { reportInput: true });
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string' && (route.csv === undefined || k !== 'format')) query[k] = v;
  return { format: route.csv !== undefined && parsed.format === 'csv' ? 'csv' : 'json', query };
}

export const LEDGER_ROLE: Record<Exclude<CallerRole, 'admin'>, LedgerRole> = { operator: 'operator', finance: 'finance', registrar: 'registrar', auditor: 'auditor', terminal: 'gateway', student: 'operator' };
export const ledgerRole = (call: Call): LedgerRole => {
  if (call.caller === undefined) return 'gateway';
  // An administrator manages credentials at this gateway; it has no identity on the ledger.
  if (call.caller.role === 'admin') throw new ApiError('ACCESS_DENIED', 'an administrator credential does not act on the ledger');
  return LEDGER_ROLE[call.caller.role];
};

/** An amount, judged by the domain's own parser so that every door gives the same code (INVALID_AMOUNT, AMOUNT_OUT_OF_RANGE). */
export const amount = z.string({
  // 1250 instead of "1250" is the same fault as "12.50": INVALID_AMOUNT, as inside a batch.
  error: (issue) => (issue.input === undefined ? undefined : 'INVALID_AMOUNT: an amount must be a decimal string of minor units, not a JSON number'),
}).superRefine((value, ctx) => {
  try {
    Amount.parseNonNegative(value);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    ctx.addIssue({ code: 'custom', message: withoutCodes(error.message, error.code), params: { code: error.code } });
  }
}).meta({ description: 'minor units as a decimal string: no sign, no fraction, at most 18 digits', examples: ['1250'] });
export const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/);

/** The contract client over this request's ledger (each call names the ledger role it acts as). */
export const contractOf = (call: Call): ContractClient => new ContractClient(call.deps.ledger);

/** A query whose answer is the API's answer: the contract's JSON, forwarded. */
export async function evaluate(call: Call, query: Invocation<unknown, 'query'>): Promise<Answer> {
  return { status: 200, body: await contractOf(call).evaluateJson(ledgerRole(call), query) };
}

/** What a write answers: 201 when it created the resource its request names, 200 otherwise (docs/gateway.md, "Status codes of creates"). */
export type WriteStatus = 200 | 201;

/** A write on behalf of the caller, answered with its commit, who acted and the contract's JSON answer. */
export async function submit(call: Call, write: Invocation<unknown, 'write'>, status: WriteStatus = 200): Promise<Answer> {
  const actor = actorOf(call);
  const s = await contractOf(call).submit(ledgerRole(call), write, actor);
  return { status, body: {
    txId: s.txId, blockNumber: s.blockNumber, validationCode: s.validationCode, ...ledgerLabel(call.deps.ledger.kind),
    by: actor === undefined ? null : { subject: actor.subject, role: call.caller?.role ?? null }, result: s.json,
  } };
}

/**
 * A bulk write of idempotent items (top-ups/import): 201 when its transaction booked any item, 200
 * when every receipt names an earlier transaction (each item a repeat: nothing new was created).
 */
export function createdAny(out: Answer): { status: WriteStatus; body: unknown } {
  const field = (v: unknown, k: string): unknown => (typeof v === 'object' && v !== null ? Reflect.get(v, k) : undefined);
  const result = field(out.body, 'result');
  const receipts: readonly unknown[] = Array.isArray(result) ? result : [];
  return { status: receipts.some((r) => field(r, 'txId') === field(out.body, 'txId')) ? 201 : 200, body: out.body };
}

/** The person behind a staff write, for the ledger to record (terminals' batches carry their own signature). */
export const actorOf = (call: Call): Actor | undefined => (call.caller === undefined || call.caller.role === 'terminal' ? undefined : { subject: call.caller.subject });

/**
 * A write named by an idempotency key (topUpId, payoutId). Asked again, it costs no write: the
 * stored answer is found by a query, the contract judges the repeat by simulating it without
 * ordering (the same body answers the original result, another body IDEMPOTENCY_CONFLICT 409),
 * and the answer names the original transaction with `replayed: true`: 200, where the first one
 * answered `created` (201 for a create).
 */
export async function submitIdempotent(call: Call, lookup: Invocation<StoredWrite, 'query'>, write: Invocation<unknown, 'write'>, created: WriteStatus = 200): Promise<Answer> {
  const role = ledgerRole(call);
  const contract = contractOf(call);
  let stored: unknown;
  try {
    stored = await contract.evaluateJson(role, lookup);
  } catch (error) {
    if (!(error instanceof LedgerError && error.code === 'NOT_FOUND')) throw error;
    return submit(call, write, created);
  }
  const result = await contract.evaluateJson(role, write);
  const { txId } = lookup.read(stored);
  const c = await call.deps.ledger.commitOf(role, txId);
  return { status: 200, body: { txId: c.txId, blockNumber: c.blockNumber, validationCode: c.validationCode, ...ledgerLabel(call.deps.ledger.kind), replayed: true, result } };
}

export const param = (call: Call, name: string): string => {
  const v = call.params[name];
  if (v === undefined) throw new ApiError('MISSING_FIELD', `missing path parameter ${name}`);
  return v;
};

/** The path's terminalId, once the ledger knows it: an unregistered one is UNKNOWN_TERMINAL (404) at every terminal endpoint. */
export async function registeredTerminal(call: Call): Promise<string> {
  const terminalId = param(call, 'terminalId');
  await contractOf(call).evaluate(ledgerRole(call), SETTLEMENT.GetTerminal(terminalId));
  return terminalId;
}

/** A terminal credential reads only its own terminal's data. */
export function ownTerminal(call: Call, terminalId: string): void {
  if (call.caller?.role === 'terminal' && call.caller.subject !== terminalId) throw new ApiError('ACCESS_DENIED', 'a terminal may read only its own data');
}

/** A terminal reads its own batches; its site's edge (which forwards them) reads them too. */
export async function ownTerminalOrSiteEdge(call: Call, terminalId: string): Promise<void> {
  const caller = call.caller;
  if (caller?.role !== 'terminal' || caller.subject === terminalId) return;
  const [edge, terminal] = await Promise.all([caller.subject, terminalId].map((t) => contractOf(call).evaluate('gateway', SETTLEMENT.GetTerminal(t))));
  if (edge?.role !== 'edge' || edge.merchantId !== terminal?.merchantId) ownTerminal(call, terminalId);
}
