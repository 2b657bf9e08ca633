import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { Amount } from '../core/amount';
import { canonicalJson } from '../core/canonical-json';
import { DomainError } from '../core/errors';
import { FieldReader, isJsonObject } from '../core/fields';
import { parseAccountId, parseKeyId, parseMerchantId, parseTerminalId, type Digest } from '../core/ids';
import { parseIssuerKey, type IssuerKey } from '../core/issuer-key';
import { parsePublicJwk } from '../core/jwk';
import { parseRiskPolicy, riskPolicyToJson } from '../core/risk-policy';
import { edgeAllowances, offlineConfig, retireEdge } from './edge-sync';
import { parseStrictJson, type JsonValue } from '../core/strict-json';
import { ZERO_DIGEST } from '../core/encoding';
import { postingToJson } from '../settlement/books';
import { beginClearance, completeClearance, parseResolutions } from '../settlement/clearance';
import { parsePointsPolicy, pointsPolicyFromJson, pointsPolicyToJson } from '../settlement/points';
import { ANY_ROLE, requireRole } from './access';
import { STAFF_WRITES, actorOf } from './actor';
import { approveWaiver, fourEyes } from './four-eyes';
import { bookTopUps, openAccounts, parseNewAccount, parseNewAccountList, parseTopUpList, parseTopUpRequest } from './bulk-writes';
import { BatchGroup, groupEntryToJson, parseBatchList, summaryToJson } from './batch-group';
import { accountToJson, decode, pad, terminalFromJson, terminalToJson } from './codec';
import { K } from './keys';
import { Ledger, txTime } from './ledger-records';
import { payMerchant, unpaidCredits, writePostings } from './payout-records';
import { advances, batchByReceipt, debts, invariant, merchantNamesOf, numberOr0, paymentById, payments, paymentsById, pointsSupply, statement } from './audit-queries';

/** A stored text, or '' where an older record lacks it (sort keys). */

/** Parses a transaction's JSON argument strictly; fabric-contract-api hands strings through untouched. */
function arg(text: string, what: string): JsonValue {
  if (typeof text !== 'string') throw new DomainError('INVALID_FIELD', `${what} must be a JSON string`);
  return parseStrictJson(text, { maxBytes: 64 * 1024 });
}

const json = (value: JsonValue): string => JSON.stringify(value);

/**
 * The settlement contract (DESIGN §5): registries, batch settlement, top-ups and audit queries.
 * Every transaction is read, decide, write, with one guard first; the rules live in the domain code.
 */
@Info({ title: 'Dual-offline settlement', description: 'Settles offline canteen payments and keeps double-entry books' })
export class SettlementContract extends Contract {
  /** After every staff write, as part of it: who acted (contract/actor.ts). */
  override async afterTransaction(ctx: Context): Promise<void> {
    const fn = ctx.stub.getFunctionAndParameters().fcn.split(':').pop() ?? '';
    if (STAFF_WRITES.has(fn)) await new Ledger(ctx).write(K.actor, [ctx.stub.getTxID()], { ...actorOf(ctx, fn) });
  }

  constructor() {
    super('settlement');
  }

  // ---- registries (operator) ----

  @Transaction()
  @Param('issuerKey', 'string', 'JSON {keyId, alg, publicKey, validFrom, validTo, status}')
  async RegisterIssuerKey(ctx: Context, issuerKey: string): Promise<void> {
    requireRole(ctx.clientIdentity, ['operator'], 'RegisterIssuerKey');
    const key = parseIssuerKey(arg(issuerKey, 'issuerKey'));
    const ledger = new Ledger(ctx);
    if (await ledger.store.get(K.issuer, [key.keyId])) throw new DomainError('ALREADY_EXISTS', `issuer key ${key.keyId} exists`);
    await ledger.write(K.issuer, [key.keyId], issuerKeyToJson(key));
    await ledger.history('issuer', key.keyId, 'registered', issuerKeyToJson(key));
  }

  @Transaction()
  async RevokeIssuerKey(ctx: Context, keyId: string): Promise<void> {
    requireRole(ctx.clientIdentity, ['operator'], 'RevokeIssuerKey');
    const ledger = new Ledger(ctx);
    const id = parseKeyId(keyId);
    const key = await ledger.read(K.issuer, [id], parseIssuerKey);
    if (key === undefined) throw new DomainError('NOT_FOUND', `issuer key ${id} does not exist`);
    await ledger.write(K.issuer, [id], issuerKeyToJson({ ...key, status: 'revoked' }));
    await ledger.history('issuer', id, 'revoked', issuerKeyToJson({ ...key, status: 'revoked' }));
  }

  @Transaction()
  @Param('merchant', 'string', 'JSON {merchantId, name}')
  async RegisterMerchant(ctx: Context, merchant: string): Promise<void> {
    requireRole(ctx.clientIdentity, ['operator'], 'RegisterMerchant');
    const r = FieldReader.of(arg(merchant, 'merchant'), 'merchant', ['merchantId', 'name']);
    const merchantId = r.parsed('merchantId', parseMerchantId);
    const name = r.string('name', /^[^\p{Cc}]{1,128}$/u, '1-128 printable characters');
    const ledger = new Ledger(ctx);
    if (await ledger.store.get(K.merchant, [merchantId])) throw new DomainError('ALREADY_EXISTS', `merchant ${merchantId} exists`);
    await ledger.write(K.merchant, [merchantId], { merchantId, name });
  }

  @Transaction()
  @Param('terminal', 'string', 'JSON {terminalId, merchantId, publicKey}')
  async RegisterTerminal(ctx: Context, terminal: string): Promise<void> {
    requireRole(ctx.clientIdentity, ['operator'], 'RegisterTerminal');
    const r = FieldReader.of(arg(terminal, 'terminal'), 'terminal', ['terminalId', 'merchantId', 'publicKey'], ['role']);
    const terminalId = r.parsed('terminalId', parseTerminalId);
    const merchantId = r.parsed('merchantId', parseMerchantId);
    const publicKey = r.parsed('publicKey', parsePublicJwk);
    const role = r.has('role') ? r.oneOf('role', ['terminal', 'edge'] as const) : 'terminal';
    const ledger = new Ledger(ctx);
    if (!(await ledger.store.get(K.merchant, [merchantId]))) throw new DomainError('NOT_FOUND', `merchant ${merchantId} does not exist`);
    if (await ledger.store.get(K.terminal, [terminalId])) throw new DomainError('ALREADY_EXISTS', `terminal ${terminalId} exists`);
    const zero = ZERO_DIGEST as Digest;
    await ledger.write(K.terminal, [terminalId], terminalToJson({
      terminalId, merchantId, publicKey, status: 'active', lastSeq: 0, lastDigest: zero, lastBatchSeq: 0, lastBatchDigest: zero,
      ...(role === 'edge' ? { role } : {}),
    }));
    await ledger.write(K.merchantTerminal, [merchantId, terminalId], { merchantId, terminalId });
    await ledger.history('terminal', terminalId, 'registered', { merchantId, publicKey: { ...publicKey }, ...(role === 'edge' ? { role } : {}) });
  }

  @Transaction()
  async SetTerminalStatus(ctx: Context, terminalId: string, status: string): Promise<void> {
    requireRole(ctx.clientIdentity, ['operator'], 'SetTerminalStatus');
    if (status !== 'active' && status !== 'revoked') throw new DomainError('INVALID_FIELD', 'status must be active or revoked', { field: 'status' });
    const ledger = new Ledger(ctx);
    const t = await ledger.terminal(parseTerminalId(terminalId));
    await ledger.write(K.terminal, [t.terminalId], terminalToJson({ ...t, status }));
    await ledger.history('terminal', t.terminalId, status === 'active' ? 'activated' : 'revoked', { merchantId: t.merchantId, publicKey: { ...t.publicKey } });
  }

  /** Retires an edge: out of the slices from now on, its approvals of earlier sales still count (docs/edge.md). */
  @Transaction()
  @Returns('string')
  async RetireEdge(ctx: Context, edgeId: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator'], 'RetireEdge');
    return json(await retireEdge(new Ledger(ctx), edgeId));
  }

  /**
   * Replaces a terminal's key (a terminal re-keyed, or one registered with a key it cannot use):
   * batches signed from this transaction on are checked with the new key; the old one stays in the
   * terminal's key history (GetKeyHistory terminal <id>), as issuer keys' do.
   */
  @Transaction()
  @Param('publicKey', 'string', 'JSON public JWK (P-256 or Ed25519)')
  async RotateTerminalKey(ctx: Context, terminalId: string, publicKey: string): Promise<void> {
    requireRole(ctx.clientIdentity, ['operator'], 'RotateTerminalKey');
    const key = parsePublicJwk(arg(publicKey, 'publicKey'), 'publicKey');
    const ledger = new Ledger(ctx);
    const t = await ledger.terminal(parseTerminalId(terminalId));
    await ledger.write(K.terminal, [t.terminalId], terminalToJson({ ...t, publicKey: key }));
    await ledger.history('terminal', t.terminalId, 'key-rotated', { merchantId: t.merchantId, publicKey: { ...key }, previousKey: { ...t.publicKey } });
  }

  @Transaction()
  @Param('policy', 'string', 'JSON {maxClockSkewMs, tapMaxAgeMs, faceCapPerPayment, faceMinScore, offlineMaxMs?, mediumDailyCount?, mediumDailyAmount?, edgeTimeoutMs?, edgeOverflow?}')
  async SetRiskPolicy(ctx: Context, policy: string): Promise<void> {
    requireRole(ctx.clientIdentity, ['operator'], 'SetRiskPolicy');
    const p = parseRiskPolicy(arg(policy, 'policy'));
    await new Ledger(ctx).write(K.config, ['risk'], riskPolicyToJson(p));
  }

  @Transaction(false)
  @Returns('string')
  async GetRiskPolicy(ctx: Context): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetRiskPolicy');
    return json(riskPolicyToJson(await new Ledger(ctx).riskPolicy()));
  }

  // ---- accounts (school finance) ----

  @Transaction()
  @Param('account', 'string', 'JSON {account, group, creditLine}')
  async OpenAccount(ctx: Context, account: string): Promise<void> {
    requireRole(ctx.clientIdentity, ['finance'], 'OpenAccount');
    await openAccounts(new Ledger(ctx), [parseNewAccount(arg(account, 'account'))]);
  }

  /** An enrolment import: up to 500 accounts in one transaction, all or nothing. */
  @Transaction()
  @Param('accounts', 'string', 'JSON array of 1-500 {account, group, creditLine}')
  @Returns('string')
  async OpenAccounts(ctx: Context, accounts: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['finance'], 'OpenAccounts');
    return json({ opened: await openAccounts(new Ledger(ctx), parseNewAccountList(accounts)) });
  }

  @Transaction()
  async SetCreditLine(ctx: Context, account: string, creditLine: string): Promise<void> {
    requireRole(ctx.clientIdentity, ['finance'], 'SetCreditLine');
    const ledger = new Ledger(ctx);
    const a = await ledger.account(parseAccountId(account));
    const line = Amount.parseNonNegative(creditLine, 'creditLine');
    if (a.status === 'closed') throw new DomainError('ACCOUNT_CLOSED', `account ${a.id} is closed`);
    await ledger.write(K.account, [a.id], accountToJson({ ...a, creditLine: line }));
  }

  // ---- money in (operator) ----

  @Transaction()
  @Param('topUp', 'string', 'JSON {topUpId, account, amount}')
  @Returns('string')
  async TopUp(ctx: Context, topUp: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator'], 'TopUp');
    const request = parseTopUpRequest(arg(topUp, 'topUp'));
    const [receipt] = await bookTopUps(new Ledger(ctx), [request]);
    if (receipt === undefined) throw new Error('TopUp booked nothing');
    ctx.stub.setEvent('TopUp', Buffer.from(receipt));
    return receipt;
  }

  /** Top-ups in bulk (a bank's settlement file): in order, each idempotent on its topUpId, all or nothing. */
  @Transaction()
  @Param('topUps', 'string', 'JSON array of 1-500 {topUpId, account, amount}')
  @Returns('string')
  async TopUps(ctx: Context, topUps: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator'], 'TopUps');
    const receipts = await bookTopUps(new Ledger(ctx), parseTopUpList(topUps));
    const text = `[${receipts.join(',')}]`;
    ctx.stub.setEvent('TopUps', Buffer.from(json({ count: receipts.length })));
    return text;
  }

  // ---- batches (the operator's gateway) ----

  @Transaction()
  @Param('batch', 'string', 'compact JWS of a protocol v1 batch')
  @Returns('string')
  async SubmitBatch(ctx: Context, batchJws: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['gateway'], 'SubmitBatch');
    const ledger = new Ledger(ctx);
    const [entry] = await new BatchGroup(ledger).settle([batchJws]);
    if (entry === undefined) throw new Error('SubmitBatch settled no batch');
    if (!entry.ok) throw entry.error; // a batch alone is refused as a transaction: nothing is written
    ctx.stub.setEvent('BatchSettled', Buffer.from(json(summaryToJson(entry.summary))));
    return json({ ...(groupEntryToJson(entry) as Record<string, JsonValue>), stateCalls: ledger.store.calls });
  }

  /**
   * Group commit: settles several terminals' batches in one transaction, in the order given, so
   * that batches charging the same students meet inside the contract instead of as MVCC
   * conflicts (docs/settlement.md). A batch the ledger refuses whole is answered with its code and
   * writes nothing; the others settle.
   */
  @Transaction()
  @Param('batches', 'string', 'compact JWS of protocol v1 batches, one per line')
  @Returns('string')
  async SubmitBatches(ctx: Context, batches: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['gateway'], 'SubmitBatches');
    const list = parseBatchList(batches);
    const ledger = new Ledger(ctx);
    const entries = await new BatchGroup(ledger).settle(list);
    ctx.stub.setEvent('BatchesSettled', Buffer.from(json(entries.flatMap((e) => (e.ok ? [summaryToJson(e.summary)] : [])))));
    return json({ txId: ctx.stub.getTxID(), batches: entries.map(groupEntryToJson), stateCalls: ledger.store.calls });
  }

  @Transaction()
  @Param('policy', 'string', 'JSON {ratePerMille, multipliers, dailyCap}')
  @Returns('string')
  async SetPointsPolicy(ctx: Context, policy: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['finance'], 'SetPointsPolicy');
    const ledger = new Ledger(ctx);
    const current = await ledger.read(K.config, ['points'], pointsPolicyFromJson);
    const next = parsePointsPolicy(arg(policy, 'policy'), (current?.version ?? 0) + 1);
    await ledger.write(K.config, ['points'], pointsPolicyToJson(next));
    await ledger.write(K.pointsPolicy, [pad(next.version)], pointsPolicyToJson(next));
    return canonicalJson(pointsPolicyToJson(next));
  }

  @Transaction()
  @Param('amount', 'string', 'minor units: waiving a debt above it needs a second registrar (four eyes); "0" for every waiver')
  @Returns('string')
  async SetWaiverLimit(ctx: Context, amount: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['finance'], 'SetWaiverLimit');
    const limit = Amount.parseNonNegative(amount, 'amount');
    await new Ledger(ctx).write(K.config, ['waiverLimit'], limit.toString());
    return canonicalJson({ waiverLimit: limit.toString() });
  }

  // ---- graduation clearance (registrar) ----

  @Transaction()
  @Param('approval', 'string', 'JSON {account, debt}: the approving registrar is the actor')
  @Returns('string')
  async ApproveWaiver(ctx: Context, approval: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['registrar'], 'ApproveWaiver');
    const r = FieldReader.of(arg(approval, 'approval'), 'approval', ['account', 'debt']);
    const ledger = new Ledger(ctx);
    const a = await ledger.account(r.parsed('account', parseAccountId));
    const record = await approveWaiver(ctx, ledger, a, r.oneOf('debt', ['advance', 'credit'] as const));
    return canonicalJson(record);
  }

  @Transaction()
  @Returns('string')
  async BeginClearance(ctx: Context, account: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['registrar'], 'BeginClearance');
    const ledger = new Ledger(ctx);
    const [a, version] = await Promise.all([ledger.account(parseAccountId(account)), ledger.denyVersion()]);
    const next = beginClearance(a, version + 1);
    await Promise.all([
      ledger.write(K.account, [a.id], accountToJson(next)),
      ledger.write(K.deny, [pad(version + 1)], { version: version + 1, kind: 'account', id: a.id, reason: 'graduation clearance', at: txTime(ctx) }),
      ledger.write(K.config, ['denyVersion'], version + 1),
    ]);
    return canonicalJson({ account: a.id, denyListVersion: version + 1, openDebts: { advance: a.advance.toString(), credit: a.creditUsed.toString() }, wallet: a.wallet.toString() });
  }

  @Transaction()
  @Param('clearance', 'string', 'JSON {account, resolutions: [{debt, resolution, reference}]}')
  @Returns('string')
  async CompleteClearance(ctx: Context, clearance: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['registrar'], 'CompleteClearance');
    const r = FieldReader.of(arg(clearance, 'clearance'), 'clearance', ['account', 'resolutions']);
    const ledger = new Ledger(ctx);
    const a = await ledger.account(r.parsed('account', parseAccountId));
    const txId = ctx.stub.getTxID();
    const result = completeClearance(a, parseResolutions(r.raw('resolutions')), `clearance:${a.id}`);
    // Four eyes: a waiver above the limit finance set needs the approval of a second registrar.
    const approvals = await fourEyes(ctx, ledger, a.id, result.resolved);
    const record = {
      account: a.id, txId, at: txTime(ctx), refunded: result.refunded.toString(), pointsExpired: result.pointsExpired.toString(),
      resolved: result.resolved.map((x) => ({
        debt: x.debt, resolution: x.resolution, reference: x.reference, amount: x.amount.toString(),
        ...approvals.get(x.debt),
      })),
    };
    await Promise.all([
      ledger.write(K.account, [a.id], accountToJson(result.account)),
      ...(result.postings.length > 0 ? [ledger.write(K.postings, [txId], result.postings.map(postingToJson))] : []),
      ledger.write(K.clearance, [a.id], record),
    ]);
    return canonicalJson(record);
  }

  // ---- merchant payouts (operator) ----

  @Transaction()
  @Param('payout', 'string', 'JSON {payoutId, merchantId}')
  @Returns('string')
  async Payout(ctx: Context, payout: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator'], 'Payout');
    const r = FieldReader.of(arg(payout, 'payout'), 'payout', ['payoutId', 'merchantId']);
    const payoutId = r.string('payoutId', /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'an identifier');
    const merchantId = r.parsed('merchantId', parseMerchantId);
    const ledger = new Ledger(ctx);
    const previous = await ledger.store.get(K.payout, [merchantId, payoutId]);
    if (previous !== undefined) return Buffer.from(previous).toString('utf8'); // retried payout: same statement, paid once
    if (!(await ledger.store.get(K.merchant, [merchantId]))) throw new DomainError('NOT_FOUND', `merchant ${merchantId} does not exist`);
    const paid = await payMerchant(ledger, merchantId, payoutId, await unpaidCredits(ledger, merchantId));
    await writePostings(ledger, paid.posting === undefined ? [] : [paid.posting]);
    return canonicalJson(paid.statement);
  }

  // ---- audit queries (every role) ----

  @Transaction(false)
  @Returns('string')
  async GetPointsSupply(ctx: Context): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetPointsSupply');
    return canonicalJson(await pointsSupply(new Ledger(ctx)));
  }

  @Transaction(false)
  @Returns('string')
  async GetTopUp(ctx: Context, topUpId: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator', 'auditor'], 'GetTopUp');
    const stored = await new Ledger(ctx).store.get(K.topUp, [topUpId]);
    if (stored === undefined) throw new DomainError('NOT_FOUND', `no top-up ${topUpId}`);
    return Buffer.from(stored).toString('utf8');
  }

  @Transaction(false)
  @Returns('string')
  async GetPayout(ctx: Context, merchantId: string, payoutId: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator', 'auditor'], 'GetPayout');
    const ledger = new Ledger(ctx);
    const stored = await ledger.store.get(K.payout, [parseMerchantId(merchantId), payoutId]);
    if (stored === undefined) throw new DomainError('NOT_FOUND', `no payout ${payoutId} of merchant ${merchantId}`);
    const statement = decode(stored);
    const txId = isJsonObject(statement) && typeof statement.txId === 'string' ? statement.txId : '';
    const [by, names] = await Promise.all([txId === '' ? undefined : ledger.read(K.actor, [txId], (v) => v), merchantNamesOf(ledger, [merchantId])]);
    if (!isJsonObject(statement)) return canonicalJson(statement);
    return canonicalJson({ ...statement, merchantName: names.get(merchantId) ?? null, ...(by === undefined ? {} : { by }) });
  }

  @Transaction(false)
  @Returns('string')
  async GetKeyHistory(ctx: Context, kind: string, id: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetKeyHistory');
    if (kind !== 'issuer' && kind !== 'terminal') throw new DomainError('INVALID_FIELD', 'kind must be issuer or terminal', { field: 'kind' });
    const key = kind === 'issuer' ? parseKeyId(id) : parseTerminalId(id);
    return canonicalJson(await new Ledger(ctx).all(K.keyHistory, [kind, key], (v) => v));
  }

  @Transaction(false)
  @Param('query', 'string', 'JSON {terminalId?, merchantId?, from?, to?}: times in ms, from inclusive, to exclusive')
  @Returns('string')
  async GetPayments(ctx: Context, query: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetPayments');
    return canonicalJson(await payments(new Ledger(ctx), arg(query, 'query')));
  }

  @Transaction(false)
  @Returns('string')
  async GetAdvances(ctx: Context, account: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetAdvances');
    return canonicalJson(await advances(new Ledger(ctx), account));
  }

  @Transaction(false)
  @Returns('string')
  async ListDebts(ctx: Context): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'ListDebts');
    return canonicalJson(await debts(new Ledger(ctx), txTime(ctx)));
  }

  @Transaction(false)
  @Returns('string')
  async GetAccount(ctx: Context, account: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetAccount');
    return json(accountToJson(await new Ledger(ctx).account(parseAccountId(account))));
  }

  @Transaction(false)
  @Returns('string')
  async GetTerminal(ctx: Context, terminalId: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetTerminal');
    return json(terminalToJson(await new Ledger(ctx).terminal(parseTerminalId(terminalId))));
  }

  @Transaction(false)
  @Returns('string')
  async ListTerminals(ctx: Context): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator', 'auditor'], 'ListTerminals');
    return json((await new Ledger(ctx).all(K.terminal, [], terminalFromJson)).map(terminalToJson));
  }

  @Transaction(false)
  @Returns('string')
  async GetBatches(ctx: Context, terminalId: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetBatches');
    // Keys order uploads of one batch number by transaction id, that is by chance: list them in the order they settled.
    const field = (v: JsonValue, key: string): JsonValue | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v[key] : undefined);
    const batches = await new Ledger(ctx).all(K.batch, [parseTerminalId(terminalId)], (v) => v);
    return json(batches.sort((a, b) => numberOr0(field(a, 'batchSeq')) - numberOr0(field(b, 'batchSeq')) || numberOr0(field(a, 'at')) - numberOr0(field(b, 'at'))));
  }

  @Transaction(false)
  @Param('txId', 'string', 'a transaction id')
  @Returns('string')
  async GetActor(ctx: Context, txId: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetActor');
    if (!/^[0-9a-f]{64}$/.test(txId)) throw new DomainError('INVALID_FIELD', 'txId must be 64 lowercase hex characters', { field: 'txId' });
    const by = await new Ledger(ctx).read(K.actor, [txId], (v) => v);
    if (by === undefined) throw new DomainError('NOT_FOUND', `no staff write ${txId} on the ledger (a batch settlement is signed by its terminal)`);
    return json(by);
  }

  @Transaction(false)
  @Param('receipt', 'string', "a batch's digest (the receipt any gateway answered its upload with)")
  @Returns('string')
  async GetBatchByReceipt(ctx: Context, receipt: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetBatchByReceipt');
    return json(await batchByReceipt(new Ledger(ctx), receipt));
  }

  @Transaction(false)
  @Returns('string')
  async GetPayment(ctx: Context, paymentId: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetPayment');
    return json(await paymentById(new Ledger(ctx), paymentId));
  }

  @Transaction(false)
  @Param('ids', 'string', 'JSON array of at most 100 payment ids (<terminalId>:<seq>)')
  @Returns('string')
  async GetPaymentsById(ctx: Context, ids: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetPaymentsById');
    return json(await paymentsById(new Ledger(ctx), arg(ids, 'ids')));
  }

  @Transaction(false)
  @Returns('string')
  async GetOfflineConfig(ctx: Context, terminalId: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetOfflineConfig');
    return json(await offlineConfig(new Ledger(ctx), terminalId));
  }

  @Transaction(false)
  @Returns('string')
  async GetAllowances(ctx: Context, edgeId: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetAllowances');
    return json(await edgeAllowances(new Ledger(ctx), edgeId));
  }

  @Transaction(false)
  @Returns('string')
  async ListFraudCases(ctx: Context): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'ListFraudCases');
    return json(await new Ledger(ctx).all(K.fraud, [], (v) => v));
  }

  @Transaction(false)
  @Returns('string')
  async GetDenyListDelta(ctx: Context, sinceVersion: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetDenyListDelta');
    if (!/^(0|[1-9][0-9]{0,15})$/.test(sinceVersion)) throw new DomainError('INVALID_FIELD', 'sinceVersion must be a whole number', { field: 'sinceVersion' });
    const since = Number(sinceVersion);
    const ledger = new Ledger(ctx);
    const entries = (await ledger.all(K.deny, [], (v) => v)).filter((e) => typeof e === 'object' && e !== null && !Array.isArray(e) && typeof e.version === 'number' && e.version > since);
    return json({ version: await ledger.denyVersion(), entries });
  }

  @Transaction(false)
  @Returns('string')
  async GetStatement(ctx: Context, account: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetStatement');
    return json(await statement(new Ledger(ctx), account));
  }

  @Transaction(false)
  @Returns('string')
  async CheckInvariant(ctx: Context): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'CheckInvariant');
    return json(await invariant(new Ledger(ctx)));
  }
}

function issuerKeyToJson(k: IssuerKey): JsonValue {
  return { keyId: k.keyId, alg: k.alg, publicKey: { ...k.publicKey }, validFrom: k.validFrom, validTo: k.validTo, status: k.status };
}
