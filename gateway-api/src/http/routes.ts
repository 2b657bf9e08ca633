/**
 * Every endpoint of the API, each in one place: path, roles, input, the ledger call and its
 * documentation (the OpenAPI description is made from this list). What they are made of is in
 * route-kit.ts, the batch upload in batch-upload.ts, the answers to errors in error-info.ts.
 */
import { z } from 'zod';
import { DEFAULT_CAMPUS_TZ, type CallerRole } from '../config';
import { CALLER_ROLES } from '../credential';
import { ApiError } from '../errors';
import { DENY_LIST } from '../ledger/deny-list-transactions';
import { FUNDING } from '../ledger/funding-transactions';
import { CLEARANCE_RECORD_ROUTES } from './clearance-routes';
import { PURSE_ROUTES } from './purse-routes';
import { LedgerError, ledgerLabel } from '../ledger/ledger-port';
import { SETTLEMENT } from '../ledger/settlement-transactions';
import { acceptBatch, intakeView, ledgerBatchView } from './batch-upload';
import { debtsOfAccount } from './debt-list';
import { EDGE_ROUTES } from './edge-routes';
import { PAYOUT_ROUTES } from './payout-routes';
import { STUDENT_ROUTES } from './student-routes';
import {
  amount, contractOf, createdAny, evaluate, id, ledgerRole, ownTerminal, ownTerminalOrSiteEdge, param, registeredTerminal, route, submit, submitIdempotent, type Route,
} from './route-kit';

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
  { id: 'getDenyList', method: 'get', path: '/v1/deny-list', roles: ['terminal', 'operator', 'auditor'], ok: [200], summary: 'Deny-list entries after a version, in version order: each lists an id (`action` absent or "deny") or lifts an earlier entry (`action: "lift"`, `lifts`)',
    query: z.object({ since: z.string().regex(/^(0|[1-9][0-9]{0,15})$/).default('0') }),
    handle: (call) => evaluate(call, SETTLEMENT.GetDenyListDelta(call.query.since ?? '0')) },
  route({ id: 'addDenyEntry', method: 'post', path: '/v1/deny-list', roles: ['operator'], ok: [201],
    summary: "Deny-list an account or a medium (the operator's own entry): a new deny-list version that terminals sync, with its reason, who and when",
    body: z.strictObject({ kind: z.enum(['account', 'medium']), id, reason: z.string().min(1).max(256) }),
    handle: async (call) => ({ ...(await submit(call, DENY_LIST.AddDenyEntry(call.body))), status: 201 }) }),
  route({ id: 'liftDenyEntry', method: 'post', path: '/v1/deny-list/{version}/lift', roles: ['operator'], ok: [200],
    summary: "Lift an operator's deny-list entry (by its version): a new version whose entry tells terminals to accept the id again, with its reason, who and when",
    body: z.strictObject({ reason: z.string().min(1).max(256) }),
    handle: (call) => {
      const version = param(call, 'version');
      if (!/^[1-9][0-9]{0,15}$/.test(version)) throw new ApiError('INVALID_FIELD', 'version must be a whole number from 1');
      return submit(call, DENY_LIST.LiftDenyEntry({ version: Number(version), reason: call.body.reason }));
    } }),
  { id: 'whoami', method: 'get', path: '/v1/whoami', roles: [...CALLER_ROLES], ok: [200],
    summary: "The caller's role and subject, the ledger and the campus time zone (the web console starts here)",
    handle: (call) => Promise.resolve({ status: 200, body: {
      role: call.caller?.role ?? null, subject: call.caller?.subject ?? null, campusTimeZone: call.deps.campusTimeZone ?? DEFAULT_CAMPUS_TZ, ...ledgerLabel(call.deps.ledger.kind),
    } }) },
  { id: 'listTerminals', method: 'get', path: '/v1/terminals', roles: ['operator', 'auditor'], ok: [200], summary: 'Every terminal with its status, merchant and chain heads (last record and batch)',
    handle: (call) => evaluate(call, SETTLEMENT.ListTerminals()) },
  { id: 'getTerminalConfig', method: 'get', path: '/v1/terminals/{terminalId}/config', roles: ['terminal', 'operator'], ok: [200], summary: "A terminal's registration and chain heads",
    handle: (call) => {
      ownTerminal(call, param(call, 'terminalId'));
      return evaluate(call, SETTLEMENT.GetTerminal(param(call, 'terminalId')));
    } },
  { id: 'getOfflineConfig', method: 'get', path: '/v1/terminals/{terminalId}/offline-config', roles: ['terminal', 'operator'], ok: [200],
    summary: 'What a terminal or edge syncs before selling offline: the risk policy with its offline limits, the issuer keys, the deny-list version and the edges of its site',
    handle: (call) => {
      ownTerminal(call, param(call, 'terminalId'));
      return evaluate(call, SETTLEMENT.GetOfflineConfig(param(call, 'terminalId')));
    } },
  { id: 'getAllowances', method: 'get', path: '/v1/edges/{edgeId}/allowances', roles: ['terminal', 'operator'], ok: [200],
    summary: "An edge's escrowed slice of every account's offline allowance (available ÷ active edges, rounded down), and its site's active terminals with their keys (it approves only for them); each call is the edge's last contact",
    handle: async (call) => {
      ownTerminal(call, param(call, 'edgeId'));
      // The edge's own sync is its last contact (GET /v1/edges), noted even when the ledger refuses it (a retired edge).
      if (call.caller?.role === 'terminal') await call.deps.store.edges.touch(param(call, 'edgeId'), 'getAllowances');
      return evaluate(call, SETTLEMENT.GetAllowances(param(call, 'edgeId')));
    } },
  // ---- operator ----
  route({ id: 'registerIssuerKey', method: 'post', path: '/v1/issuer-keys', roles: ['operator'], ok: [201], summary: 'Register an issuer key',
    body: z.strictObject({ keyId: id, alg: z.enum(['ES256', 'EdDSA']), publicKey: z.record(z.string(), z.string()), validFrom: z.number().int(), validTo: z.number().int(), status: z.enum(['active', 'revoked']) }),
    handle: (call) => submit(call, SETTLEMENT.RegisterIssuerKey(call.body), 201) }),
  { id: 'revokeIssuerKey', method: 'post', path: '/v1/issuer-keys/{keyId}/revoke', roles: ['operator'], ok: [200], summary: 'Revoke an issuer key',
    handle: (call) => submit(call, SETTLEMENT.RevokeIssuerKey(param(call, 'keyId'))) },
  route({ id: 'registerMerchant', method: 'post', path: '/v1/merchants', roles: ['operator'], ok: [201], summary: 'Register a merchant',
    body: z.strictObject({ merchantId: id, name: z.string().min(1).max(128) }), handle: (call) => submit(call, SETTLEMENT.RegisterMerchant(call.body), 201) }),
  route({ id: 'registerTerminal', method: 'post', path: '/v1/terminals', roles: ['operator'], ok: [201], summary: 'Register a terminal and its public key',
    body: z.strictObject({ terminalId: id, merchantId: id, publicKey: z.record(z.string(), z.string()),
      role: z.enum(['terminal', 'edge']).optional().describe("'edge': the site's edge node, whose key signs approvals for the merchant's terminals (docs/edge.md)") }),
    handle: async (call) => {
      const out = await submit(call, SETTLEMENT.RegisterTerminal(call.body), 201);
      await call.deps.store.putTerminalKey(call.body.terminalId, call.body.publicKey, 'active');
      return out;
    } }),
  route({ id: 'setTerminalStatus', method: 'put', path: '/v1/terminals/{terminalId}/status', roles: ['operator'], ok: [200], summary: 'Activate or revoke a terminal',
    body: z.strictObject({ status: z.enum(['active', 'revoked']) }),
    handle: async (call) => {
      const { status } = call.body;
      const out = await submit(call, SETTLEMENT.SetTerminalStatus(param(call, 'terminalId'), status));
      const cached = await call.deps.store.terminalKey(param(call, 'terminalId'));
      if (cached !== undefined) await call.deps.store.putTerminalKey(param(call, 'terminalId'), cached.publicKey, status);
      return out;
    } }),
  route({ id: 'rotateTerminalKey', method: 'put', path: '/v1/terminals/{terminalId}/key', roles: ['operator'], ok: [200],
    summary: "Replace a terminal's public key; batches are checked with the new key from then on, the old one is kept in the key history",
    body: z.strictObject({ publicKey: z.record(z.string(), z.string()) }),
    handle: async (call) => {
      const { publicKey } = call.body;
      const out = await submit(call, SETTLEMENT.RotateTerminalKey(param(call, 'terminalId'), publicKey));
      const cached = await call.deps.store.terminalKey(param(call, 'terminalId'));
      await call.deps.store.putTerminalKey(param(call, 'terminalId'), publicKey, cached?.status ?? 'active');
      return out;
    } }),
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
      if (revoked === undefined) throw new ApiError('NOT_FOUND', `terminal ${terminalId} has no credential ${credentialId}`);
      return { status: 200, body: { credentialId, terminalId, ...revoked } };
    } },
  // ---- staff credentials (an administrator of this organisation's gateway) ----
  route({ id: 'issueStaffCredential', method: 'post', path: '/v1/staff-credentials', roles: ['admin'], ok: [201],
    summary: 'Issue a credential for one staff member: the bearer token is in this answer only (only its SHA-256 is kept); it works at once and expires after expiresInDays (default 90, at most 366)',
    body: z.strictObject({ role: z.enum(['admin', 'operator', 'finance', 'registrar', 'auditor']), subject: id, expiresInDays: z.number().int().min(1).max(366).optional() }),
    handle: async (call) => {
      const b = call.body;
      return { status: 201, body: await call.deps.store.staff.issue(b.role, b.subject, b.expiresInDays ?? 90, call.caller?.subject ?? '?') };
    } }),
  { id: 'listStaffCredentials', method: 'get', path: '/v1/staff-credentials', roles: ['admin'], ok: [200], summary: 'Staff credentials issued at this gateway, live, expired and revoked (never their tokens)',
    handle: async (call) => ({ status: 200, body: await call.deps.store.staff.list() }) },
  { id: 'revokeStaffCredential', method: 'delete', path: '/v1/staff-credentials/{credentialId}', roles: ['admin'], ok: [200], summary: 'Revoke a staff credential; refused from the next request on',
    handle: async (call) => {
      const revoked = await call.deps.store.staff.revoke(param(call, 'credentialId'));
      if (revoked === undefined) throw new ApiError('NOT_FOUND', `no staff credential ${param(call, 'credentialId')}`);
      return { status: 200, body: revoked };
    } },
  { id: 'getRiskPolicy', method: 'get', path: '/v1/risk-policy', roles: ['operator', 'auditor'], ok: [200], summary: 'The offline risk policy in force, with every limit its defaults filled in (NOT_FOUND before one is set)',
    handle: (call) => evaluate(call, SETTLEMENT.GetRiskPolicy()) },
  route({ id: 'setRiskPolicy', method: 'put', path: '/v1/risk-policy', roles: ['operator'], ok: [200], summary: 'Set the offline risk policy',
    body: z.strictObject({ maxClockSkewMs: z.number().int(), tapMaxAgeMs: z.number().int(), faceCapPerPayment: amount, faceMinScore: z.number().int(),
      offlineMaxMs: z.number().int().optional(), mediumDailyCount: z.number().int().optional(), mediumDailyAmount: amount.optional(),
      edgeTimeoutMs: z.number().int().optional(), edgeOverflow: z.enum(['refuse', 'advance']).optional(),
      certCapTotal: amount.optional(), certCapPerPayment: amount.optional(), certValidityMs: z.number().int().optional(), certCounters: z.number().int().optional(),
      maxLiveMedia: z.number().int().optional(), advanceMaxAgeMs: z.number().int().optional(), certBackdateMs: z.number().int().optional(), purseRefundWaitMs: z.number().int().optional() }),
    handle: (call) => submit(call, SETTLEMENT.SetRiskPolicy(call.body)) }),
  route({ id: 'topUp', method: 'post', path: '/v1/top-ups', roles: ['operator'], ok: [201, 200], summary: 'Top up an account (recovers debt first); idempotent on topUpId: 201 when booked, 200 when a repeat answers the top-up booked before',
    body: z.strictObject({ topUpId: id, account: id, amount }),
    handle: (call) => submitIdempotent(call, SETTLEMENT.GetTopUp(call.body.topUpId), SETTLEMENT.TopUp(call.body), 201) }),
  route({ id: 'importTopUps', method: 'post', path: '/v1/top-ups/import', bodyLimit: 'import', roles: ['operator'], ok: [201, 200],
    summary: 'Book up to 500 top-ups in one transaction (a bank settlement file), in order, each idempotent on its topUpId; all or nothing: 201 when it booked any, 200 when every one was booked before',
    body: z.strictObject({ topUps: z.array(z.strictObject({ topUpId: id, account: id, amount })).min(1).max(500) }),
    handle: async (call) => createdAny(await submit(call, SETTLEMENT.TopUps(call.body.topUps))) }),
  { id: 'getPayout', method: 'get', path: '/v1/payouts/{merchantId}/{payoutId}', roles: ['operator', 'auditor'], ok: [200], csv: 'payout', summary: 'A payout statement: what was paid to the merchant, batch by batch',
    handle: (call) => evaluate(call, SETTLEMENT.GetPayout(param(call, 'merchantId'), param(call, 'payoutId'))) },
  route({ id: 'payout', method: 'post', path: '/v1/payouts', roles: ['operator'], ok: [201, 200], summary: "Pay a merchant its per-batch credits; idempotent on payoutId: 201 when paid, 200 when a repeat answers the payout made before",
    body: z.strictObject({ payoutId: id, merchantId: id }),
    handle: (call) => {
      const b = call.body;
      return submitIdempotent(call, SETTLEMENT.GetPayout(b.merchantId, b.payoutId), SETTLEMENT.Payout(b), 201);
    } }),
  // ---- school finance ----
  route({ id: 'openAccount', method: 'post', path: '/v1/accounts', roles: ['finance'], ok: [201], summary: 'Open a student account',
    body: z.strictObject({ account: id, group: id, creditLine: amount }), handle: (call) => submit(call, SETTLEMENT.OpenAccount(call.body), 201) }),
  route({ id: 'importAccounts', method: 'post', path: '/v1/accounts/import', bodyLimit: 'import', roles: ['finance'], ok: [201],
    summary: 'Open up to 500 student accounts in one transaction (an enrolment import); all or nothing',
    body: z.strictObject({ accounts: z.array(z.strictObject({ account: id, group: id, creditLine: amount })).min(1).max(500) }),
    handle: (call) => submit(call, SETTLEMENT.OpenAccounts(call.body.accounts), 201) }),
  route({ id: 'setCreditLine', method: 'put', path: '/v1/accounts/{account}/credit-line', roles: ['finance'], ok: [200], summary: "Set an account's credit line",
    body: z.strictObject({ creditLine: amount }),
    handle: (call) => submit(call, SETTLEMENT.SetCreditLine(param(call, 'account'), call.body.creditLine)) }),
  route({ id: 'setPointsPolicy', method: 'put', path: '/v1/points-policy', roles: ['finance'], ok: [200], summary: 'Set a new version of the points policy',
    body: z.strictObject({
      ratePerMille: z.number().int(), multipliers: z.record(z.string(), z.number().int()), dailyCap: amount,
      redeemPointsPerMille: z.number().int().optional(), expiryDays: z.number().int().optional(),
    }),
    handle: (call) => submit(call, SETTLEMENT.SetPointsPolicy(call.body)) }),
  route({ id: 'expirePoints', method: 'post', path: '/v1/points/expiries', roles: ['finance'], ok: [200],
    summary: 'Lapse the points of up to 500 accounts that the points policy\'s expiryDays has passed (a nightly job pages through the accounts); all or nothing',
    body: z.strictObject({ accounts: z.array(id).min(1).max(500) }), handle: (call) => submit(call, SETTLEMENT.ExpirePoints(call.body.accounts)) }),
  route({ id: 'setWaiverLimit', method: 'put', path: '/v1/waiver-limit', roles: ['finance'], ok: [200], summary: 'Set the amount above which waiving a debt needs a second registrar (four eyes); until set, every waiver does',
    body: z.strictObject({ amount }), handle: (call) => submit(call, SETTLEMENT.SetWaiverLimit(call.body.amount)) }),
  // ---- registrar ----
  { id: 'beginClearance', method: 'post', path: '/v1/clearances/{account}/begin', roles: ['registrar'], ok: [200], summary: 'Begin graduation clearance (deny-lists the account)',
    handle: (call) => submit(call, SETTLEMENT.BeginClearance(param(call, 'account'))) },
  route({ id: 'approveWaiver', method: 'post', path: '/v1/clearances/{account}/waivers', roles: ['registrar'], ok: [200], summary: 'Approve waiving a debt of an account in clearance: the second registrar of four eyes (another registrar then completes)',
    body: z.strictObject({ debt: z.enum(['advance', 'credit']) }),
    handle: (call) => submit(call, SETTLEMENT.ApproveWaiver({ account: param(call, 'account'), debt: call.body.debt })) }),
  route({ id: 'completeClearance', method: 'post', path: '/v1/clearances/{account}/complete', roles: ['registrar'], ok: [200], summary: 'Resolve every open debt, refund, expire points, close',
    body: z.strictObject({ resolutions: z.array(z.strictObject({ debt: z.enum(['advance', 'credit']), resolution: z.enum(['collected', 'waived', 'referred']), reference: z.string() })).max(2) }),
    handle: (call) => submit(call, SETTLEMENT.CompleteClearance({ account: param(call, 'account'), resolutions: call.body.resolutions })) }),
  // ---- audit ----
  { id: 'getAccount', method: 'get', path: '/v1/accounts/{account}', roles: ACCOUNT_READ, ok: [200], summary: 'Account balances, debt and status', handle: (call) => evaluate(call, SETTLEMENT.GetAccount(param(call, 'account'))) },
  { id: 'getStatement', method: 'get', path: '/v1/accounts/{account}/statement', roles: ACCOUNT_READ, ok: [200], csv: 'statement', summary: 'Account statement: each transaction that moved money on the account (from the key history), its postings and the balances after it, proven against the balances held', handle: (call) => evaluate(call, SETTLEMENT.GetStatement(param(call, 'account'))) },
  { id: 'getPayment', method: 'get', path: '/v1/payments/{paymentId}', roles: AUDIT, ok: [200], summary: 'One payment by <terminalId>:<seq>', handle: (call) => evaluate(call, SETTLEMENT.GetPayment(param(call, 'paymentId'))) },
  { id: 'findPayments', method: 'get', path: '/v1/payments', roles: AUDIT, ok: [200], csv: 'payments', summary: 'Payments by terminal, merchant and time range [from, to) in ms of the sale, ordered by sale time',
    query: z.object({ terminalId: id.optional(), merchantId: id.optional(), from: z.string().regex(/^[0-9]{1,16}$/).optional(), to: z.string().regex(/^[0-9]{1,16}$/).optional() }),
    handle: (call) => {
      const q = call.query;
      return evaluate(call, SETTLEMENT.GetPayments({
        ...(q.terminalId === undefined ? {} : { terminalId: q.terminalId }), ...(q.merchantId === undefined ? {} : { merchantId: q.merchantId }),
        ...(q.from === undefined ? {} : { from: Number(q.from) }), ...(q.to === undefined ? {} : { to: Number(q.to) }),
      }));
    } },
  { id: 'getBatchChain', method: 'get', path: '/v1/terminals/{terminalId}/batches', roles: AUDIT, ok: [200], summary: "A terminal's batch chain with gaps, forks and outcomes", handle: (call) => evaluate(call, SETTLEMENT.GetBatches(param(call, 'terminalId'))) },
  { id: 'listFraudCases', method: 'get', path: '/v1/fraud-cases', roles: AUDIT, ok: [200], summary: 'Double-spend cases', handle: (call) => evaluate(call, SETTLEMENT.ListFraudCases()) },
  { id: 'listDebts', method: 'get', path: '/v1/debts', roles: AUDIT, ok: [200], csv: 'debts', summary: 'Open debts with ageing, of one account (account=) or all, with totals per age bucket',
    query: z.object({ account: id.optional() }),
    handle: async (call) => {
      const all = await evaluate(call, SETTLEMENT.ListDebts());
      const account = call.query.account;
      return account === undefined ? all : { status: all.status, body: debtsOfAccount(all.body, account) };
    } },
  { id: 'getAdvances', method: 'get', path: '/v1/advances', roles: AUDIT, ok: [200], csv: 'advances', summary: 'Advances and recoveries, for one account or all',
    query: z.object({ account: id.optional() }), handle: (call) => evaluate(call, SETTLEMENT.GetAdvances(call.query.account ?? '')) },
  { id: 'getPointsSupply', method: 'get', path: '/v1/points/supply', roles: AUDIT, ok: [200], summary: 'Points issued, expired and held', handle: (call) => evaluate(call, SETTLEMENT.GetPointsSupply()) },
  { id: 'getPointsRollForward', method: 'get', path: '/v1/points/roll-forward', roles: [...AUDIT, 'finance'], ok: [200], csv: 'pointsRollForward',
    summary: 'The points liability over the UTC days [from, to]: opening + issued − redeemed − expired = closing, with the money the points fund paid merchants, reconciled to every posting and to the points the accounts hold',
    query: z.object({ from: z.string().regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/), to: z.string().regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/) }),
    handle: (call) => evaluate(call, SETTLEMENT.GetPointsRollForward(call.query.from ?? '', call.query.to ?? '')) },
  { id: 'listPendingCharges', method: 'get', path: '/v1/pending-charges', roles: AUDIT, ok: [200], summary: 'Settled sales whose funding the fold has not decided yet (account, payment, amount, sale and settlement time), in key order, at most limit (default 100, up to 5000); more when cut',
    query: z.object({ limit: z.string().regex(/^[1-9][0-9]{0,3}$/).optional() }),
    handle: (call) => evaluate(call, FUNDING.ListPendingCharges(Math.min(Number(call.query.limit ?? '100'), 5000))) },
  { id: 'checkInvariant', method: 'get', path: '/v1/invariant', roles: AUDIT, ok: [200], summary: 'Recompute every balance from postings and check the books', handle: (call) => evaluate(call, SETTLEMENT.CheckInvariant()) },
  { id: 'getKeyHistory', method: 'get', path: '/v1/key-history/{kind}/{id}', roles: AUDIT, ok: [200], summary: 'History of an issuer or terminal key', handle: (call) => evaluate(call, SETTLEMENT.GetKeyHistory(param(call, 'kind'), param(call, 'id'))) },
  { id: 'getProof', method: 'get', path: '/v1/proofs/{txId}', roles: AUDIT, ok: [200], summary: "Where a transaction is on the ledger, and how to check it without our code (Fabric CLI commands, or ledger:verify on the embedded ledger)",
    handle: async (call) => {
      const txId = param(call, 'txId');
      if (!/^[0-9a-f]{64}$/.test(txId)) throw new ApiError('INVALID_FIELD', 'txId must be 64 lowercase hex characters');
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
        by = await contractOf(call).evaluate(ledgerRole(call), SETTLEMENT.GetActor(txId));
      } catch (error) {
        if (!(error instanceof LedgerError && error.code === 'NOT_FOUND')) throw error;
      }
      return { status: 200, body: { ...c, channel, ...ledgerLabel(ledger.kind), by, verify } };
    } },
  ...STUDENT_ROUTES,
  ...CLEARANCE_RECORD_ROUTES,
  ...PURSE_ROUTES,
  ...EDGE_ROUTES,
  ...PAYOUT_ROUTES,
];
