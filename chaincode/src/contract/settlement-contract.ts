import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson } from '../core/canonical-json';
import { parseAccountId, parseTerminalId } from '../core/ids';
import { riskPolicyToJson } from '../core/risk-policy';
import type { JsonValue } from '../core/strict-json';
import { ANY_ROLE, requireRole } from './access';
import { jsonArgument as arg } from './argument';
import { STAFF_WRITES, actorOf } from './actor';
import {
  actorRecord, advances, batchByReceipt, batchChain, debts, denyListDelta, fraudCases, invariant, keyHistory, paymentById, payments, paymentsById, pointsSupply, statement,
} from './audit-queries';
import { BatchGroup, groupEntryToJson, parseBatchList, summaryToJson } from './batch-group';
import { bookTopUps, openAccounts, parseNewAccount, parseNewAccountList, parseTopUpList, parseTopUpRequest, topUpReceipt } from './bulk-writes';
import { approveWaiverOf, beginClearanceOf, clearanceRecordStatus, completeClearanceOf, heldClearanceRecord, issueClearanceRecord, revokeClearanceRecord } from './clearance-records';
import { accountToJson, terminalFromJson, terminalToJson } from './codec';
import { edgeAllowances, offlineConfig, retireEdge } from './edge-sync';
import { K } from './keys';
import { Ledger, txTime } from './ledger-records';
import { payOneMerchant, payoutStatement } from './payout-records';
import { expirePoints, parseExpiryList, pointsRollForward } from './points-records';
import { loadPurseOf, purseView, refundPurseOf } from './purse-records';
import { setCreditLine, setPointsPolicy, setRiskPolicy, setWaiverLimit } from './policy-records';
import { registerIssuerKey, registerMerchant, registerTerminal, revokeIssuerKey, rotateTerminalKey, setTerminalStatus } from './registry-records';

const json = (value: JsonValue): string => JSON.stringify(value);

/**
 * The settlement contract (DESIGN §5): registries, batch settlement, top-ups and audit queries; a thin list of
 * transactions over the modules that hold the records (registry-, policy-, clearance-, payout-records) and the rules.
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
    await registerIssuerKey(new Ledger(ctx), arg(issuerKey, 'issuerKey'));
  }

  @Transaction()
  async RevokeIssuerKey(ctx: Context, keyId: string): Promise<void> {
    requireRole(ctx.clientIdentity, ['operator'], 'RevokeIssuerKey');
    await revokeIssuerKey(new Ledger(ctx), keyId);
  }

  @Transaction()
  @Param('merchant', 'string', 'JSON {merchantId, name}')
  async RegisterMerchant(ctx: Context, merchant: string): Promise<void> {
    requireRole(ctx.clientIdentity, ['operator'], 'RegisterMerchant');
    await registerMerchant(new Ledger(ctx), arg(merchant, 'merchant'));
  }

  @Transaction()
  @Param('terminal', 'string', 'JSON {terminalId, merchantId, publicKey}')
  async RegisterTerminal(ctx: Context, terminal: string): Promise<void> {
    requireRole(ctx.clientIdentity, ['operator'], 'RegisterTerminal');
    await registerTerminal(new Ledger(ctx), arg(terminal, 'terminal'));
  }

  @Transaction()
  async SetTerminalStatus(ctx: Context, terminalId: string, status: string): Promise<void> {
    requireRole(ctx.clientIdentity, ['operator'], 'SetTerminalStatus');
    await setTerminalStatus(new Ledger(ctx), terminalId, status);
  }

  /** Retires an edge: out of the slices from now on, its approvals of earlier sales still count (docs/edge.md). */
  @Transaction()
  @Returns('string')
  async RetireEdge(ctx: Context, edgeId: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator'], 'RetireEdge');
    return json(await retireEdge(new Ledger(ctx), edgeId));
  }

  /** Replaces a terminal's key: batches from now on are checked with it; the old one stays in its key history. */
  @Transaction()
  @Param('publicKey', 'string', 'JSON public JWK (P-256 or Ed25519)')
  async RotateTerminalKey(ctx: Context, terminalId: string, publicKey: string): Promise<void> {
    requireRole(ctx.clientIdentity, ['operator'], 'RotateTerminalKey');
    await rotateTerminalKey(new Ledger(ctx), terminalId, arg(publicKey, 'publicKey'));
  }

  @Transaction()
  @Param('policy', 'string', 'JSON {maxClockSkewMs, tapMaxAgeMs, faceCapPerPayment, faceMinScore, offlineMaxMs?, mediumDailyCount?, mediumDailyAmount?, edgeTimeoutMs?, edgeOverflow?}')
  async SetRiskPolicy(ctx: Context, policy: string): Promise<void> {
    requireRole(ctx.clientIdentity, ['operator'], 'SetRiskPolicy');
    await setRiskPolicy(new Ledger(ctx), arg(policy, 'policy'));
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
    await setCreditLine(new Ledger(ctx), account, creditLine);
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
    return json(groupEntryToJson(entry));
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
    return json({ txId: ctx.stub.getTxID(), batches: entries.map(groupEntryToJson) });
  }

  @Transaction()
  @Param('policy', 'string', 'JSON {ratePerMille, multipliers, dailyCap, redeemPointsPerMille?, expiryDays?}')
  @Returns('string')
  async SetPointsPolicy(ctx: Context, policy: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['finance'], 'SetPointsPolicy');
    return canonicalJson(await setPointsPolicy(new Ledger(ctx), arg(policy, 'policy')));
  }

  @Transaction()
  @Param('accounts', 'string', 'JSON array of 1..500 account ids')
  @Returns('string')
  async ExpirePoints(ctx: Context, accounts: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['finance'], 'ExpirePoints');
    return canonicalJson(await expirePoints(new Ledger(ctx), parseExpiryList(arg(accounts, 'accounts'))));
  }

  @Transaction()
  @Param('amount', 'string', 'minor units: waiving a debt above it needs a second registrar (four eyes); "0" for every waiver')
  @Returns('string')
  async SetWaiverLimit(ctx: Context, amount: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['finance'], 'SetWaiverLimit');
    return canonicalJson(await setWaiverLimit(new Ledger(ctx), amount));
  }

  // ---- graduation clearance (registrar) ----

  @Transaction()
  @Param('approval', 'string', 'JSON {account, debt}: the approving registrar is the actor')
  @Returns('string')
  async ApproveWaiver(ctx: Context, approval: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['registrar'], 'ApproveWaiver');
    return canonicalJson(await approveWaiverOf(new Ledger(ctx), arg(approval, 'approval')));
  }

  @Transaction()
  @Returns('string')
  async BeginClearance(ctx: Context, account: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['registrar'], 'BeginClearance');
    return canonicalJson(await beginClearanceOf(new Ledger(ctx), account));
  }

  @Transaction()
  @Param('clearance', 'string', 'JSON {account, resolutions: [{debt, resolution, reference}]}')
  @Returns('string')
  async CompleteClearance(ctx: Context, clearance: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['registrar'], 'CompleteClearance');
    return canonicalJson(await completeClearanceOf(new Ledger(ctx), arg(clearance, 'clearance')));
  }

  @Transaction()
  @Param('record', 'string', 'JSON {account, salts: {account, clearedOn, debtLeft, closingTx}}: one fresh salt per claim')
  @Returns('string')
  async IssueClearanceRecord(ctx: Context, record: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['registrar'], 'IssueClearanceRecord');
    return canonicalJson(await issueClearanceRecord(new Ledger(ctx), arg(record, 'record')));
  }

  @Transaction()
  @Param('revocation', 'string', 'JSON {id, reason}')
  @Returns('string')
  async RevokeClearanceRecord(ctx: Context, revocation: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['registrar'], 'RevokeClearanceRecord');
    return canonicalJson(await revokeClearanceRecord(new Ledger(ctx), arg(revocation, 'revocation')));
  }

  @Transaction(false)
  @Returns('string')
  async GetClearanceRecord(ctx: Context, id: string): Promise<string> {
    // No role: a record's digests and status are for anyone it is shown to, so any identity of a
    // channel member (the peer admits no other) may read them, such as AuditOrg's admin with the peer CLI.
    return canonicalJson(await clearanceRecordStatus(new Ledger(ctx), id));
  }

  @Transaction(false)
  @Returns('string')
  async GetHeldClearanceRecord(ctx: Context, account: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['registrar', 'operator'], 'GetHeldClearanceRecord');
    return canonicalJson(await heldClearanceRecord(new Ledger(ctx), account));
  }

  // ---- the card's electronic purse (operator) ----

  @Transaction()
  @Param('load', 'string', "JSON {loadId, certificate (the purse card's certificate JWS), amount}")
  @Returns('string')
  async LoadPurse(ctx: Context, load: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator'], 'LoadPurse');
    return canonicalJson(await loadPurseOf(new Ledger(ctx), arg(load, 'load')));
  }

  @Transaction()
  @Param('refund', 'string', 'JSON {mediaId}')
  @Returns('string')
  async RefundPurse(ctx: Context, refund: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator'], 'RefundPurse');
    return canonicalJson(await refundPurseOf(new Ledger(ctx), arg(refund, 'refund')));
  }

  @Transaction(false)
  @Returns('string')
  async GetPurse(ctx: Context, mediaId: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetPurse');
    return canonicalJson(await purseView(new Ledger(ctx), mediaId));
  }

  // ---- merchant payouts (operator) ----

  @Transaction()
  @Param('payout', 'string', 'JSON {payoutId, merchantId}')
  @Returns('string')
  async Payout(ctx: Context, payout: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator'], 'Payout');
    return payOneMerchant(new Ledger(ctx), arg(payout, 'payout'));
  }

  // ---- audit queries (every role) ----

  @Transaction(false)
  @Returns('string')
  async GetPointsSupply(ctx: Context): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetPointsSupply');
    return canonicalJson(await pointsSupply(new Ledger(ctx)));
  }

  @Transaction(false)
  @Param('from', 'string', 'first UTC day, YYYY-MM-DD')
  @Param('to', 'string', 'last UTC day, YYYY-MM-DD')
  @Returns('string')
  async GetPointsRollForward(ctx: Context, from: string, to: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetPointsRollForward');
    return canonicalJson(await pointsRollForward(new Ledger(ctx), from, to));
  }

  @Transaction(false)
  @Returns('string')
  async GetTopUp(ctx: Context, topUpId: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator', 'auditor'], 'GetTopUp');
    return topUpReceipt(new Ledger(ctx), topUpId);
  }

  @Transaction(false)
  @Returns('string')
  async GetPayout(ctx: Context, merchantId: string, payoutId: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator', 'auditor'], 'GetPayout');
    return canonicalJson(await payoutStatement(new Ledger(ctx), merchantId, payoutId));
  }

  @Transaction(false)
  @Returns('string')
  async GetKeyHistory(ctx: Context, kind: string, id: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetKeyHistory');
    return canonicalJson(await keyHistory(new Ledger(ctx), kind, id));
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
    return json(accountToJson(await new Ledger(ctx).accountView(parseAccountId(account))));
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
    return json(await batchChain(new Ledger(ctx), terminalId));
  }

  @Transaction(false)
  @Param('txId', 'string', 'a transaction id')
  @Returns('string')
  async GetActor(ctx: Context, txId: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetActor');
    return json(await actorRecord(new Ledger(ctx), txId));
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
    return json(await fraudCases(new Ledger(ctx)));
  }

  @Transaction(false)
  @Returns('string')
  async GetDenyListDelta(ctx: Context, sinceVersion: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetDenyListDelta');
    return json(await denyListDelta(new Ledger(ctx), sinceVersion));
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
