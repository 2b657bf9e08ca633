import { z } from 'zod';
import { Amount, DomainError, decodeBatch, parsePublicJwk, verifyBatch } from '@dol/chaincode';
import { DEFAULT_CAMPUS_TZ, type CallerRole, type Credential } from '../config';
import { ApiError } from '../errors';
import type { CsvView } from './csv';
import type { IntakeStore, IntakeRow } from '../intake/intake-store';
import { payerAccounts } from '../intake/payers';
import { LedgerError, ledgerLabel, refusalDetail, type Actor, type LedgerPort, type LedgerRole } from '../ledger/ledger-port';

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
}

/** One request, parsed. */
export interface Call {
  readonly caller: Credential | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly deps: Deps;
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
  readonly query?: z.ZodType;
  /** Documented statuses besides the problem responses. */
  readonly ok: readonly number[];
  readonly handle: (call: Call) => Promise<{ status: number; body: unknown }>;
  /** The answer is also served as CSV with `?format=csv` (http/csv.ts). */
  readonly csv?: CsvView;
}

const LEDGER_ROLE: Record<Exclude<CallerRole, 'admin'>, LedgerRole> = { operator: 'operator', finance: 'finance', registrar: 'registrar', auditor: 'auditor', terminal: 'gateway' };
const ledgerRole = (call: Call): LedgerRole => {
  if (call.caller === undefined) return 'gateway';
  // An administrator manages credentials at this gateway; it has no identity on the ledger.
  if (call.caller.role === 'admin') throw new ApiError(403, 'ACCESS_DENIED', 'an administrator credential does not act on the ledger');
  return LEDGER_ROLE[call.caller.role];
};

/** An amount, judged by the domain's own parser so that every door gives the same code (INVALID_AMOUNT, AMOUNT_OUT_OF_RANGE). */
const amount = z.string({
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
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/);
const jsonArg = (v: unknown): string => JSON.stringify(v);
const parse = (text: string): unknown => JSON.parse(text) as unknown;

async function evaluate(call: Call, fn: string, args: readonly string[]): Promise<{ status: number; body: unknown }> {
  return { status: 200, body: parse(await call.deps.ledger.evaluate(ledgerRole(call), fn, args)) };
}

async function submit(call: Call, fn: string, args: readonly string[]): Promise<{ status: number; body: unknown }> {
  const actor = actorOf(call);
  const s = await call.deps.ledger.submit(ledgerRole(call), fn, args, actor);
  return { status: 200, body: {
    txId: s.txId, blockNumber: s.blockNumber, validationCode: s.validationCode, ...ledgerLabel(call.deps.ledger.kind),
    by: actor === undefined ? null : { subject: actor.subject, role: call.caller?.role ?? null }, result: s.result === '' ? null : parse(s.result),
  } };
}

/** The person behind a staff write, for the ledger to record (terminals' batches carry their own signature). */
const actorOf = (call: Call): Actor | undefined => (call.caller === undefined || call.caller.role === 'terminal' ? undefined : { subject: call.caller.subject });

/**
 * A write named by an idempotency key (topUpId, payoutId). Asked again, it costs no write: the
 * stored answer is found by a query, the contract judges the repeat by simulating it without
 * ordering (the same body answers the original result, another body IDEMPOTENCY_CONFLICT 409),
 * and the answer names the original transaction with `replayed: true`.
 */
async function submitIdempotent(call: Call, lookup: { fn: string; args: readonly string[] }, fn: string, args: readonly string[]): Promise<{ status: number; body: unknown }> {
  const role = ledgerRole(call);
  let stored: string | undefined;
  try {
    stored = await call.deps.ledger.evaluate(role, lookup.fn, lookup.args);
  } catch (error) {
    if (!(error instanceof LedgerError && error.code === 'NOT_FOUND')) throw error;
  }
  if (stored === undefined) return submit(call, fn, args);
  const result = await call.deps.ledger.evaluate(role, fn, args);
  const original = parse(stored);
  const txId: unknown = typeof original === 'object' && original !== null ? Reflect.get(original, 'txId') : undefined;
  if (typeof txId !== 'string') throw new Error(`${lookup.fn} answered without a txId`);
  const c = await call.deps.ledger.commitOf(role, txId);
  return { status: 200, body: { txId: c.txId, blockNumber: c.blockNumber, validationCode: c.validationCode, ...ledgerLabel(call.deps.ledger.kind), replayed: true, result: parse(result) } };
}

/**
 * A write to some accounts, serialised with every other write to them and with the settlements in
 * flight that charge them, across this organisation's gateway processes (the settlement queue):
 * concurrent top-ups to one account wait their turn instead of invalidating each other.
 */
function onAccounts<T>(call: Call, accounts: readonly string[], work: () => Promise<T>): Promise<T> {
  return call.deps.store.queue.withAccounts(accounts, work);
}

const param = (call: Call, name: string): string => {
  const v = call.params[name];
  if (v === undefined) throw new ApiError(400, 'MISSING_FIELD', `missing path parameter ${name}`);
  return v;
};

/** The path's terminalId, once the ledger knows it: an unregistered one is UNKNOWN_TERMINAL (404) at every terminal endpoint. */
async function registeredTerminal(call: Call): Promise<string> {
  const terminalId = param(call, 'terminalId');
  await call.deps.ledger.evaluate(ledgerRole(call), 'GetTerminal', [terminalId]);
  return terminalId;
}

/** A terminal credential reads only its own terminal's data. */
function ownTerminal(call: Call, terminalId: string): void {
  if (call.caller?.role === 'terminal' && call.caller.subject !== terminalId) throw new ApiError(403, 'ACCESS_DENIED', 'a terminal may read only its own data');
}

/** A terminal reads its own batches; its site's edge (which forwards them) reads them too. */
async function ownTerminalOrSiteEdge(call: Call, terminalId: string): Promise<void> {
  const caller = call.caller;
  if (caller?.role !== 'terminal' || caller.subject === terminalId) return;
  const [edge, terminal] = await Promise.all([caller.subject, terminalId].map(async (t) => parse(await call.deps.ledger.evaluate('gateway', 'GetTerminal', [t]))));
  const field = (v: unknown, k: string): unknown => (typeof v === 'object' && v !== null ? Reflect.get(v, k) : undefined);
  if (field(edge, 'role') !== 'edge' || field(edge, 'merchantId') !== field(terminal, 'merchantId')) ownTerminal(call, terminalId);
}

function intakeView(row: IntakeRow, deps: Deps): unknown {
  return {
    ...(row.txId === null ? {} : ledgerLabel(deps.ledger.kind)),
    receipt: row.receipt, terminalId: row.terminalId, batchSeq: row.batchSeq, records: row.recordCount, receivedAt: row.receivedAt, status: row.status,
    attempts: row.attempts, error: row.errorCode === null ? null : { code: row.errorCode, detail: row.lastError }, txId: row.txId, blockNumber: row.blockNumber,
    result: row.result,
  };
}

/**
 * A receipt this gateway's intake does not hold (another organisation's gateway took the upload,
 * or its intake was purged): the batch as the ledger settled it, found by its digest, with
 * `source: "ledger"`. Only settled batches are on the ledger; one still waiting in another
 * gateway's intake is not found here.
 */
async function ledgerBatchView(call: Call, receipt: string): Promise<{ status: number; body: unknown }> {
  const missing = new ApiError(404, 'NOT_FOUND', "no batch with this receipt, in this gateway's intake or on the ledger");
  if (!/^[0-9a-f]{64}$/.test(receipt)) throw missing;
  let found: unknown;
  try {
    found = parse(await call.deps.ledger.evaluate(ledgerRole(call), 'GetBatchByReceipt', [receipt]));
  } catch (error) {
    if (error instanceof LedgerError && error.code === 'NOT_FOUND') throw missing;
    throw error;
  }
  const batch: unknown = typeof found === 'object' && found !== null ? Reflect.get(found, 'batch') : undefined;
  if (typeof batch !== 'object' || batch === null) throw missing;
  // The payments are the statement's business (GET /v1/payments); the receipt answers outcomes, as the intake does.
  const result: Record<string, unknown> = Object.fromEntries(Object.entries(batch as Record<string, unknown>).filter(([k]) => k !== 'payments'));
  const terminalId = typeof result.terminalId === 'string' ? result.terminalId : '';
  ownTerminal(call, terminalId);
  const txId = typeof result.txId === 'string' ? result.txId : null;
  const commit = txId === null ? undefined : await call.deps.ledger.commitOf(ledgerRole(call), txId);
  return { status: 200, body: {
    ...ledgerLabel(call.deps.ledger.kind), source: 'ledger',
    receipt, terminalId, batchSeq: result.batchSeq, records: Array.isArray(result.outcomes) ? result.outcomes.length : null, receivedAt: null, status: 'settled',
    attempts: null, error: null, txId, blockNumber: commit?.blockNumber ?? null, result,
  } };
}

/** The terminal's key, from the intake's cache or the ledger: refuses an unregistered or revoked terminal and a batch it did not sign. */
async function verifyUpload(call: Call, batch: ReturnType<typeof decodeBatch>): Promise<void> {
  const { store, ledger } = call.deps;
  let key = await store.terminalKey(batch.terminalId);
  if (key === undefined) {
    try {
      const t = parse(await ledger.evaluate('gateway', 'GetTerminal', [batch.terminalId])) as { publicKey: unknown; status: string };
      await store.putTerminalKey(batch.terminalId, t.publicKey, t.status);
      key = { publicKey: t.publicKey, status: t.status };
    } catch (error) {
      if (error instanceof LedgerError && error.failure === 'refused') throw new ApiError(404, 'UNKNOWN_TERMINAL', `terminal ${batch.terminalId} is not registered`);
      throw error;
    }
  }
  if (key.status !== 'active') throw new ApiError(403, 'TERMINAL_REVOKED', `terminal ${batch.terminalId} is revoked`);
  verifyBatch(batch, parsePublicJwk(key.publicKey));
}

/** Signature, size and shape are checked before anything is stored; the ledger checks them again. */
async function acceptBatch(call: Call): Promise<{ status: number; body: unknown }> {
  const { batch: jws } = z.strictObject({ batch: z.string() }).parse(call.body);
  const batch = decodeBatch(jws);
  const { store } = call.deps;
  try {
    await verifyUpload(call, batch);
  } catch (error) {
    // The very bytes accepted before (a retry whose answer was lost): their receipt, even if the
    // terminal's key has been rotated or revoked since; they were verified when first accepted.
    const earlier = await store.getSame(batch.digest, jws);
    if (earlier !== undefined) return { status: 200, body: intakeView(earlier, call.deps) };
    throw error;
  }
  const { row, created } = await store.accept({ receipt: batch.digest, terminalId: batch.terminalId, batchSeq: batch.batchSeq, jws, recordCount: batch.records.length, payers: payerAccounts(batch) });
  if (created) call.deps.onAccepted();
  return { status: created ? 202 : 200, body: intakeView(row, call.deps) };
}

const AUDIT: readonly CallerRole[] = ['auditor', 'operator'];
const ACCOUNT_READ: readonly CallerRole[] = ['auditor', 'operator', 'finance', 'registrar'];

/** Every endpoint of the API. */
export const ROUTES: readonly Route[] = [
  // ---- terminals ----
  { id: 'submitBatch', method: 'post', path: '/v1/batches', roles: 'signed', ok: [200, 202], summary: 'Upload a signed batch (protocol v1). 202 once durably stored; the same batch again returns the same receipt.',
    body: z.strictObject({ batch: z.string().describe('compact JWS of the batch') }), handle: acceptBatch },
  { id: 'getBatch', method: 'get', path: '/v1/batches/{receipt}', roles: ['terminal', 'operator', 'auditor'], ok: [200], summary: 'Status and per-record outcomes of an uploaded batch',
    handle: async (call) => {
      const receipt = param(call, 'receipt');
      const row = await call.deps.store.get(receipt);
      if (row === undefined) return ledgerBatchView(call, receipt);
      await ownTerminalOrSiteEdge(call, row.terminalId);
      return { status: 200, body: intakeView(row, call.deps) };
    } },
  { id: 'getDenyList', method: 'get', path: '/v1/deny-list', roles: ['terminal', 'operator', 'auditor'], ok: [200], summary: 'Deny-list entries added after a version',
    query: z.object({ since: z.string().regex(/^(0|[1-9][0-9]{0,15})$/).default('0') }),
    handle: (call) => evaluate(call, 'GetDenyListDelta', [call.query.since ?? '0']) },
  { id: 'whoami', method: 'get', path: '/v1/whoami', roles: ['admin', 'operator', 'finance', 'registrar', 'auditor', 'terminal'], ok: [200],
    summary: "The caller's role and subject, the ledger and the campus time zone (the web console starts here)",
    handle: (call) => Promise.resolve({ status: 200, body: {
      role: call.caller?.role ?? null, subject: call.caller?.subject ?? null, campusTimeZone: call.deps.campusTimeZone ?? DEFAULT_CAMPUS_TZ, ...ledgerLabel(call.deps.ledger.kind),
    } }) },
  { id: 'listTerminals', method: 'get', path: '/v1/terminals', roles: ['operator', 'auditor'], ok: [200], summary: 'Every terminal with its status, merchant and chain heads (last record and batch)',
    handle: (call) => evaluate(call, 'ListTerminals', []) },
  { id: 'getTerminalConfig', method: 'get', path: '/v1/terminals/{terminalId}/config', roles: ['terminal', 'operator'], ok: [200], summary: "A terminal's registration and chain heads",
    handle: (call) => {
      ownTerminal(call, param(call, 'terminalId'));
      return evaluate(call, 'GetTerminal', [param(call, 'terminalId')]);
    } },
  { id: 'getOfflineConfig', method: 'get', path: '/v1/terminals/{terminalId}/offline-config', roles: ['terminal', 'operator'], ok: [200],
    summary: 'What a terminal or edge syncs before selling offline: the risk policy with its offline limits, the issuer keys, the deny-list version and the edges of its site',
    handle: (call) => {
      ownTerminal(call, param(call, 'terminalId'));
      return evaluate(call, 'GetOfflineConfig', [param(call, 'terminalId')]);
    } },
  { id: 'getAllowances', method: 'get', path: '/v1/edges/{edgeId}/allowances', roles: ['terminal', 'operator'], ok: [200],
    summary: "An edge's escrowed slice of every account's offline allowance (available ÷ active edges, rounded down)",
    handle: (call) => {
      ownTerminal(call, param(call, 'edgeId'));
      return evaluate(call, 'GetAllowances', [param(call, 'edgeId')]);
    } },
  // ---- operator ----
  { id: 'registerIssuerKey', method: 'post', path: '/v1/issuer-keys', roles: ['operator'], ok: [200], summary: 'Register an issuer key',
    body: z.strictObject({ keyId: id, alg: z.enum(['ES256', 'EdDSA']), publicKey: z.record(z.string(), z.string()), validFrom: z.number().int(), validTo: z.number().int(), status: z.enum(['active', 'revoked']) }),
    handle: (call) => submit(call, 'RegisterIssuerKey', [jsonArg(call.body)]) },
  { id: 'revokeIssuerKey', method: 'post', path: '/v1/issuer-keys/{keyId}/revoke', roles: ['operator'], ok: [200], summary: 'Revoke an issuer key',
    handle: (call) => submit(call, 'RevokeIssuerKey', [param(call, 'keyId')]) },
  { id: 'registerMerchant', method: 'post', path: '/v1/merchants', roles: ['operator'], ok: [200], summary: 'Register a merchant',
    body: z.strictObject({ merchantId: id, name: z.string().min(1).max(128) }), handle: (call) => submit(call, 'RegisterMerchant', [jsonArg(call.body)]) },
  { id: 'registerTerminal', method: 'post', path: '/v1/terminals', roles: ['operator'], ok: [200], summary: 'Register a terminal and its public key',
    body: z.strictObject({ terminalId: id, merchantId: id, publicKey: z.record(z.string(), z.string()),
      role: z.enum(['terminal', 'edge']).optional().describe("'edge': the site's edge node, whose key signs approvals for the merchant's terminals (docs/edge.md)") }),
    handle: async (call) => {
      const out = await submit(call, 'RegisterTerminal', [jsonArg(call.body)]);
      const b = call.body as { terminalId: string; publicKey: unknown };
      await call.deps.store.putTerminalKey(b.terminalId, b.publicKey, 'active');
      return out;
    } },
  { id: 'setTerminalStatus', method: 'put', path: '/v1/terminals/{terminalId}/status', roles: ['operator'], ok: [200], summary: 'Activate or revoke a terminal',
    body: z.strictObject({ status: z.enum(['active', 'revoked']) }),
    handle: async (call) => {
      const { status } = call.body as { status: string };
      const out = await submit(call, 'SetTerminalStatus', [param(call, 'terminalId'), status]);
      const cached = await call.deps.store.terminalKey(param(call, 'terminalId'));
      if (cached !== undefined) await call.deps.store.putTerminalKey(param(call, 'terminalId'), cached.publicKey, status);
      return out;
    } },
  { id: 'rotateTerminalKey', method: 'put', path: '/v1/terminals/{terminalId}/key', roles: ['operator'], ok: [200],
    summary: "Replace a terminal's public key; batches are checked with the new key from then on, the old one is kept in the key history",
    body: z.strictObject({ publicKey: z.record(z.string(), z.string()) }),
    handle: async (call) => {
      const { publicKey } = call.body as { publicKey: unknown };
      const out = await submit(call, 'RotateTerminalKey', [param(call, 'terminalId'), jsonArg(publicKey)]);
      const cached = await call.deps.store.terminalKey(param(call, 'terminalId'));
      await call.deps.store.putTerminalKey(param(call, 'terminalId'), publicKey, cached?.status ?? 'active');
      return out;
    } },
  { id: 'issueTerminalCredential', method: 'post', path: '/v1/terminals/{terminalId}/credentials', roles: ['operator'], ok: [201],
    summary: 'Issue a read credential for a registered terminal: the bearer token is in this answer only (only its SHA-256 is kept); it works at once',
    handle: async (call) => {
      const terminalId = await registeredTerminal(call);
      return { status: 201, body: await call.deps.store.issueTerminalCredential(terminalId) };
    } },
  { id: 'listTerminalCredentials', method: 'get', path: '/v1/terminals/{terminalId}/credentials', roles: ['operator'], ok: [200], summary: "A terminal's credentials, live and revoked (never their tokens)",
    handle: async (call) => ({ status: 200, body: await call.deps.store.terminalCredentials(await registeredTerminal(call)) }) },
  { id: 'revokeTerminalCredential', method: 'delete', path: '/v1/terminals/{terminalId}/credentials/{credentialId}', roles: ['operator'], ok: [200], summary: 'Revoke a terminal credential; refused from the next request on',
    handle: async (call) => {
      const [terminalId, credentialId] = [await registeredTerminal(call), param(call, 'credentialId')];
      const revoked = await call.deps.store.revokeTerminalCredential(terminalId, credentialId);
      if (revoked === undefined) throw new ApiError(404, 'NOT_FOUND', `terminal ${terminalId} has no credential ${credentialId}`);
      return { status: 200, body: { credentialId, terminalId, ...revoked } };
    } },
  // ---- staff credentials (an administrator of this organisation's gateway) ----
  { id: 'issueStaffCredential', method: 'post', path: '/v1/staff-credentials', roles: ['admin'], ok: [201],
    summary: 'Issue a credential for one staff member: the bearer token is in this answer only (only its SHA-256 is kept); it works at once and expires after expiresInDays (default 90, at most 366)',
    body: z.strictObject({ role: z.enum(['admin', 'operator', 'finance', 'registrar', 'auditor']), subject: id, expiresInDays: z.number().int().min(1).max(366).optional() }),
    handle: async (call) => {
      const b = call.body as { role: 'admin' | 'operator' | 'finance' | 'registrar' | 'auditor'; subject: string; expiresInDays?: number };
      return { status: 201, body: await call.deps.store.staff.issue(b.role, b.subject, b.expiresInDays ?? 90, call.caller?.subject ?? '?') };
    } },
  { id: 'listStaffCredentials', method: 'get', path: '/v1/staff-credentials', roles: ['admin'], ok: [200], summary: 'Staff credentials issued at this gateway, live, expired and revoked (never their tokens)',
    handle: async (call) => ({ status: 200, body: await call.deps.store.staff.list() }) },
  { id: 'revokeStaffCredential', method: 'delete', path: '/v1/staff-credentials/{credentialId}', roles: ['admin'], ok: [200], summary: 'Revoke a staff credential; refused from the next request on',
    handle: async (call) => {
      const revoked = await call.deps.store.staff.revoke(param(call, 'credentialId'));
      if (revoked === undefined) throw new ApiError(404, 'NOT_FOUND', `no staff credential ${param(call, 'credentialId')}`);
      return { status: 200, body: revoked };
    } },
  { id: 'setRiskPolicy', method: 'put', path: '/v1/risk-policy', roles: ['operator'], ok: [200], summary: 'Set the offline risk policy',
    body: z.strictObject({ maxClockSkewMs: z.number().int(), tapMaxAgeMs: z.number().int(), faceCapPerPayment: amount, faceMinScore: z.number().int(),
      offlineMaxMs: z.number().int().optional(), mediumDailyCount: z.number().int().optional(), mediumDailyAmount: amount.optional(),
      edgeTimeoutMs: z.number().int().optional(), edgeOverflow: z.enum(['refuse', 'advance']).optional() }),
    handle: (call) => submit(call, 'SetRiskPolicy', [jsonArg(call.body)]) },
  { id: 'topUp', method: 'post', path: '/v1/top-ups', roles: ['operator'], ok: [200], summary: 'Top up an account (recovers debt first); idempotent on topUpId',
    body: z.strictObject({ topUpId: id, account: id, amount }),
    handle: (call) => {
      const b = call.body as { topUpId: string; account: string };
      return onAccounts(call, [b.account], () => submitIdempotent(call, { fn: 'GetTopUp', args: [b.topUpId] }, 'TopUp', [jsonArg(call.body)]));
    } },
  { id: 'importTopUps', method: 'post', path: '/v1/top-ups/import', roles: ['operator'], ok: [200],
    summary: 'Book up to 500 top-ups in one transaction (a bank settlement file), in order, each idempotent on its topUpId; all or nothing',
    body: z.strictObject({ topUps: z.array(z.strictObject({ topUpId: id, account: id, amount })).min(1).max(500) }),
    handle: (call) => {
      const { topUps } = call.body as { topUps: { account: string }[] };
      return onAccounts(call, topUps.map((t) => t.account), () => submit(call, 'TopUps', [jsonArg(topUps)]));
    } },
  { id: 'getPayout', method: 'get', path: '/v1/payouts/{merchantId}/{payoutId}', roles: ['operator', 'auditor'], ok: [200], csv: 'payout', summary: 'A payout statement: what was paid to the merchant, batch by batch',
    handle: (call) => evaluate(call, 'GetPayout', [param(call, 'merchantId'), param(call, 'payoutId')]) },
  { id: 'payout', method: 'post', path: '/v1/payouts', roles: ['operator'], ok: [200], summary: "Pay a merchant its per-batch credits; idempotent on payoutId",
    body: z.strictObject({ payoutId: id, merchantId: id }),
    handle: (call) => {
      const b = call.body as { payoutId: string; merchantId: string };
      return submitIdempotent(call, { fn: 'GetPayout', args: [b.merchantId, b.payoutId] }, 'Payout', [jsonArg(call.body)]);
    } },
  // ---- school finance ----
  { id: 'openAccount', method: 'post', path: '/v1/accounts', roles: ['finance'], ok: [200], summary: 'Open a student account',
    body: z.strictObject({ account: id, group: id, creditLine: amount }), handle: (call) => submit(call, 'OpenAccount', [jsonArg(call.body)]) },
  { id: 'importAccounts', method: 'post', path: '/v1/accounts/import', roles: ['finance'], ok: [200],
    summary: 'Open up to 500 student accounts in one transaction (an enrolment import); all or nothing',
    body: z.strictObject({ accounts: z.array(z.strictObject({ account: id, group: id, creditLine: amount })).min(1).max(500) }),
    handle: (call) => submit(call, 'OpenAccounts', [jsonArg((call.body as { accounts: unknown }).accounts)]) },
  { id: 'setCreditLine', method: 'put', path: '/v1/accounts/{account}/credit-line', roles: ['finance'], ok: [200], summary: "Set an account's credit line",
    body: z.strictObject({ creditLine: amount }),
    handle: (call) => onAccounts(call, [param(call, 'account')], () => submit(call, 'SetCreditLine', [param(call, 'account'), (call.body as { creditLine: string }).creditLine])) },
  { id: 'setPointsPolicy', method: 'put', path: '/v1/points-policy', roles: ['finance'], ok: [200], summary: 'Set a new version of the points policy',
    body: z.strictObject({ ratePerMille: z.number().int(), multipliers: z.record(z.string(), z.number().int()), dailyCap: amount }),
    handle: (call) => submit(call, 'SetPointsPolicy', [jsonArg(call.body)]) },
  { id: 'setWaiverLimit', method: 'put', path: '/v1/waiver-limit', roles: ['finance'], ok: [200], summary: 'Set the amount above which waiving a debt needs a second registrar (four eyes); until set, every waiver does',
    body: z.strictObject({ amount }), handle: (call) => submit(call, 'SetWaiverLimit', [(call.body as { amount: string }).amount]) },
  // ---- registrar ----
  { id: 'beginClearance', method: 'post', path: '/v1/clearances/{account}/begin', roles: ['registrar'], ok: [200], summary: 'Begin graduation clearance (deny-lists the account)',
    handle: (call) => onAccounts(call, [param(call, 'account')], () => submit(call, 'BeginClearance', [param(call, 'account')])) },
  { id: 'approveWaiver', method: 'post', path: '/v1/clearances/{account}/waivers', roles: ['registrar'], ok: [200], summary: 'Approve waiving a debt of an account in clearance: the second registrar of four eyes (another registrar then completes)',
    body: z.strictObject({ debt: z.enum(['advance', 'credit']) }),
    handle: (call) => onAccounts(call, [param(call, 'account')], () => submit(call, 'ApproveWaiver', [jsonArg({ account: param(call, 'account'), debt: (call.body as { debt: string }).debt })])) },
  { id: 'completeClearance', method: 'post', path: '/v1/clearances/{account}/complete', roles: ['registrar'], ok: [200], summary: 'Resolve every open debt, refund, expire points, close',
    body: z.strictObject({ resolutions: z.array(z.strictObject({ debt: z.enum(['advance', 'credit']), resolution: z.enum(['collected', 'waived', 'referred']), reference: z.string() })).max(2) }),
    handle: (call) => onAccounts(call, [param(call, 'account')], () => submit(call, 'CompleteClearance', [jsonArg({ account: param(call, 'account'), resolutions: (call.body as { resolutions: unknown }).resolutions })])) },
  // ---- audit ----
  { id: 'getAccount', method: 'get', path: '/v1/accounts/{account}', roles: ACCOUNT_READ, ok: [200], summary: 'Account balances, debt and status', handle: (call) => evaluate(call, 'GetAccount', [param(call, 'account')]) },
  { id: 'getStatement', method: 'get', path: '/v1/accounts/{account}/statement', roles: ACCOUNT_READ, ok: [200], csv: 'statement', summary: 'Account statement: each transaction that moved money on the account (from the key history), its postings and the balances after it, proven against the balances held', handle: (call) => evaluate(call, 'GetStatement', [param(call, 'account')]) },
  { id: 'getPayment', method: 'get', path: '/v1/payments/{paymentId}', roles: AUDIT, ok: [200], summary: 'One payment by <terminalId>:<seq>', handle: (call) => evaluate(call, 'GetPayment', [param(call, 'paymentId')]) },
  { id: 'findPayments', method: 'get', path: '/v1/payments', roles: AUDIT, ok: [200], csv: 'payments', summary: 'Payments by terminal, merchant and time range [from, to) in ms of the sale, ordered by sale time',
    query: z.object({ terminalId: id.optional(), merchantId: id.optional(), from: z.string().regex(/^[0-9]{1,16}$/).optional(), to: z.string().regex(/^[0-9]{1,16}$/).optional() }),
    handle: (call) => {
      const q = call.query;
      return evaluate(call, 'GetPayments', [jsonArg({
        ...(q.terminalId === undefined ? {} : { terminalId: q.terminalId }), ...(q.merchantId === undefined ? {} : { merchantId: q.merchantId }),
        ...(q.from === undefined ? {} : { from: Number(q.from) }), ...(q.to === undefined ? {} : { to: Number(q.to) }),
      })]);
    } },
  { id: 'getBatchChain', method: 'get', path: '/v1/terminals/{terminalId}/batches', roles: AUDIT, ok: [200], summary: "A terminal's batch chain with gaps, forks and outcomes", handle: (call) => evaluate(call, 'GetBatches', [param(call, 'terminalId')]) },
  { id: 'listFraudCases', method: 'get', path: '/v1/fraud-cases', roles: AUDIT, ok: [200], summary: 'Double-spend cases', handle: (call) => evaluate(call, 'ListFraudCases', []) },
  { id: 'listDebts', method: 'get', path: '/v1/debts', roles: AUDIT, ok: [200], csv: 'debts', summary: 'Open debts with ageing', handle: (call) => evaluate(call, 'ListDebts', []) },
  { id: 'getAdvances', method: 'get', path: '/v1/advances', roles: AUDIT, ok: [200], csv: 'advances', summary: 'Advances and recoveries, for one account or all',
    query: z.object({ account: id.optional() }), handle: (call) => evaluate(call, 'GetAdvances', [call.query.account ?? '']) },
  { id: 'getPointsSupply', method: 'get', path: '/v1/points/supply', roles: AUDIT, ok: [200], summary: 'Points issued, expired and held', handle: (call) => evaluate(call, 'GetPointsSupply', []) },
  { id: 'checkInvariant', method: 'get', path: '/v1/invariant', roles: AUDIT, ok: [200], summary: 'Recompute every balance from postings and check the books', handle: (call) => evaluate(call, 'CheckInvariant', []) },
  { id: 'getKeyHistory', method: 'get', path: '/v1/key-history/{kind}/{id}', roles: AUDIT, ok: [200], summary: 'History of an issuer or terminal key', handle: (call) => evaluate(call, 'GetKeyHistory', [param(call, 'kind'), param(call, 'id')]) },
  { id: 'getProof', method: 'get', path: '/v1/proofs/{txId}', roles: AUDIT, ok: [200], summary: "Where a transaction is on the ledger, and how to check it without our code (Fabric CLI commands, or ledger:verify on the embedded ledger)",
    handle: async (call) => {
      const txId = param(call, 'txId');
      if (!/^[0-9a-f]{64}$/.test(txId)) throw new ApiError(400, 'INVALID_FIELD', 'txId must be 64 lowercase hex characters');
      const c = await call.deps.ledger.commitOf(ledgerRole(call), txId);
      const { channel, ledger } = call.deps;
      // How to check it without the gateway: Fabric's own CLI, or a re-verification of the embedded ledger.
      const verify = ledger.kind === 'embedded'
        ? ['npm run ledger:verify   # re-hashes every block from genesis, validates and replays every write set, compares the state, recomputes the books']
        : [
          `peer chaincode query -C ${channel} -n qscc -c '{"Args":["GetTransactionByID","${channel}","${txId}"]}' --peerAddresses ${call.deps.cli.peerAddress} --tls --tlsRootCertFiles <peer TLS CA>`,
          `peer channel fetch ${c.blockNumber} block.pb -c ${channel} -o ${call.deps.cli.ordererAddress} --tls --cafile <orderer TLS CA> && grep -ac ${txId} block.pb`,
        ];
      // Who acted, for a staff write (a batch settlement is signed by its terminal: no actor).
      let by: unknown = null;
      try {
        by = parse(await ledger.evaluate(ledgerRole(call), 'GetActor', [txId]));
      } catch (error) {
        if (!(error instanceof LedgerError && error.code === 'NOT_FOUND')) throw error;
      }
      return { status: 200, body: { ...c, channel, ...ledgerLabel(ledger.kind), by, verify } };
    } },
];

/** Validation codes of a transaction another one invalidated: contention on the same keys. */
const CONTENDED = /^(MVCC_READ_CONFLICT|PHANTOM_READ_CONFLICT|ENDORSEMENT_POLICY_FAILURE)$/;

/** Turns a thrown error into (status, code, detail). */
export function errorInfo(error: unknown): { status: number; code: string; detail: string; retryAfterSeconds?: number } | undefined {
  if (error instanceof ApiError) return { status: error.status, code: error.code, detail: error.message, ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }) };
  if (error instanceof DomainError) return { status: -1, code: error.code, detail: withoutCodes(error.message, error.code) };
  if (error instanceof z.ZodError) {
    const first = error.issues[0];
    return { status: -1, code: first === undefined ? 'INVALID_FIELD' : codeOfIssue(first), detail: error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message.replace(/^[A-Z][A-Z0-9_]{2,40}: /, '')}`).join('; ') };
  }
  if (error instanceof LedgerError) {
    if (error.failure === 'refused') return { status: -1, code: error.code ?? 'REFUSED', detail: error.code === undefined ? error.message : withoutCodes(refusalDetail(error.message, error.code), error.code) };
    // The ledger answered, but a concurrent transaction kept invalidating this one (MVCC) through
    // every re-endorsement: contention, not an outage. Nothing was written; a retry will pass.
    if (error.failure === 'retryable' && error.code !== undefined && CONTENDED.test(error.code)) {
      return { status: 409, code: 'CONTENTION', detail: `a concurrent transaction kept changing the same state (${error.code}); nothing was written, retry in a moment`, retryAfterSeconds: 1 };
    }
    return { status: 503, code: 'LEDGER_UNAVAILABLE', detail: error.message };
  }
  return undefined;
}

/** The domain code a request-shape fault gets, the same as the ledger's parsers give it. */
function codeOfIssue(issue: z.core.$ZodIssue): string {
  const params: unknown = issue.code === 'custom' ? issue.params : undefined;
  const code: unknown = typeof params === 'object' && params !== null ? Reflect.get(params, 'code') : undefined;
  if (typeof code === 'string') return code;
  const named = /^([A-Z][A-Z0-9_]{2,40}): /.exec(issue.message);
  if (named?.[1] !== undefined) return named[1];
  if (issue.code === 'invalid_type') return issue.message.endsWith('received undefined') ? 'MISSING_FIELD' : 'WRONG_TYPE';
  if (issue.code === 'unrecognized_keys') return 'UNKNOWN_FIELD';
  return 'INVALID_FIELD';
}

/**
 * A problem's detail is for people, its code for programs: the domain message without the leading
 * code (`INVALID_KEY: ...`), and a nested code (`INVALID_KEY: UNKNOWN_FIELD: crv2 ...`) as words.
 */
export function withoutCodes(message: string, code: string): string {
  const rest = message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message;
  return rest.replace(/(^|: )([A-Z][A-Z0-9_]{2,40}): /g, (_m, before: string, inner: string) => `${before}${inner.toLowerCase().replace(/_/g, ' ')}: `);
}
