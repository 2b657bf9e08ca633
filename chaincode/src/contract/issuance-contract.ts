import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson } from '../core/canonical-json';
import { sha256Hex } from '../core/encoding';
import { DomainError } from '../core/errors';
import { parseAccountId } from '../core/ids';
import { parseIssuerKey } from '../core/issuer-key';
import { parseStrictJson } from '../core/strict-json';
import { ANY_ROLE, requireRole } from './access';
import { actorOf, actorSubject } from './actor';
import { pad } from './codec';
import {
  activationOf, agreementHistory, agreementText, exposure, faceAgreements, issueActivations, lossReports, mediaView, parseGroup, quoteGroup, recordGroup, reportMedium, withdrawAgreement,
} from './issuance-records';
import { K } from './keys';
import { Ledger, txTime } from './ledger-records';

/** The issuing side's writes that record who acted (the issuer service's groups name their issuer key instead). */
const ISSUANCE_WRITES: ReadonlySet<string> = new Set(['SetAgreementText', 'WithdrawAgreement', 'ReportMedium', 'IssueActivationCodes']);

/**
 * The issuing side (DESIGN §10, docs/wallet.md): the direct-debit agreement, certificates recorded
 * in groups with the limits the ledger allows, loss reports, and the outstanding offline exposure.
 * Called as `issuance:<Transaction>`; the operator's gateway (its issuer service) submits for students.
 */
@Info({ title: 'Issuance', description: 'Agreements, media certificates, loss reports and offline exposure' })
export class IssuanceContract extends Contract {
  constructor() {
    super('issuance');
  }

  override async afterTransaction(ctx: Context): Promise<void> {
    const fn = ctx.stub.getFunctionAndParameters().fcn.split(':').pop() ?? '';
    if (ISSUANCE_WRITES.has(fn)) await new Ledger(ctx).write(K.actor, [ctx.stub.getTxID()], { ...actorOf(ctx, fn) });
  }

  @Transaction()
  @Param('text', 'string', 'the agreement text students accept (UTF-8, at most 32 KiB)')
  @Returns('string')
  async SetAgreementText(ctx: Context, text: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator'], 'SetAgreementText');
    if (typeof text !== 'string' || text.trim() === '' || Buffer.byteLength(text) > 32 * 1024) throw new DomainError('INVALID_FIELD', 'text must not be blank, and at most 32 KiB', { field: 'text' });
    const ledger = new Ledger(ctx);
    const version = ((await agreementText(ledger))?.version ?? 0) + 1;
    const record = { version, textHash: sha256Hex(Buffer.from(text, 'utf8')), text };
    await ledger.write(K.config, ['agreement'], record);
    await ledger.write(K.agreementText, [pad(version)], { ...record, at: txTime(ctx) });
    return canonicalJson({ version, textHash: record.textHash });
  }

  @Transaction(false)
  @Returns('string')
  async GetAgreementText(ctx: Context): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetAgreementText');
    const text = await agreementText(new Ledger(ctx));
    if (text === undefined) throw new DomainError('NOT_FOUND', 'no agreement text has been set');
    return canonicalJson({ ...text });
  }

  @Transaction(false)
  @Param('requests', 'string', 'JSON array of 1-500 {account, mediaId}')
  @Returns('string')
  async QuoteCertificates(ctx: Context, requests: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator'], 'QuoteCertificates');
    return canonicalJson(await quoteGroup(new Ledger(ctx), parseGroup(requests, 'requests')));
  }

  @Transaction()
  @Param('entries', 'string', 'JSON array of 1-500 {agreement: JWS} or {certificate: JWS}')
  @Returns('string')
  async RecordIssuances(ctx: Context, entries: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator'], 'RecordIssuances');
    const results = await recordGroup(new Ledger(ctx), parseGroup(entries, 'entries'));
    ctx.stub.setEvent('IssuancesRecorded', Buffer.from(canonicalJson({ count: results.length })));
    return canonicalJson({ txId: ctx.stub.getTxID(), entries: results });
  }

  @Transaction()
  @Returns('string')
  async WithdrawAgreement(ctx: Context, account: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator'], 'WithdrawAgreement');
    return canonicalJson(await withdrawAgreement(new Ledger(ctx), parseAccountId(account)));
  }

  @Transaction()
  @Param('report', 'string', 'JSON {mediaId, status: lost | found, reason?, account?}')
  @Returns('string')
  async ReportMedium(ctx: Context, report: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator'], 'ReportMedium');
    if (typeof report !== 'string') throw new DomainError('INVALID_FIELD', 'report must be a JSON string');
    const by = actorSubject(ctx) ?? ctx.clientIdentity.getMSPID();
    return canonicalJson(await reportMedium(new Ledger(ctx), parseStrictJson(report, { maxBytes: 4096 }), by));
  }

  @Transaction()
  @Param('activations', 'string', 'JSON array of 1-500 {account, codeHash}: the SHA-256 (hex) of each one-time code, never the code')
  @Returns('string')
  async IssueActivationCodes(ctx: Context, activations: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['finance'], 'IssueActivationCodes');
    const by = actorSubject(ctx) ?? ctx.clientIdentity.getMSPID();
    return canonicalJson(await issueActivations(new Ledger(ctx), parseGroup(activations, 'activations'), by));
  }

  @Transaction(false)
  @Returns('string')
  async GetActivation(ctx: Context, account: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator', 'auditor'], 'GetActivation');
    return canonicalJson(await activationOf(new Ledger(ctx), account));
  }

  @Transaction(false)
  @Returns('string')
  async GetMedia(ctx: Context, account: string): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'GetMedia');
    const ledger = new Ledger(ctx);
    return canonicalJson(mediaView(await ledger.accountView(parseAccountId(account)), txTime(ctx)));
  }

  @Transaction(false)
  @Returns('string')
  async GetAgreementHistory(ctx: Context, account: string): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator', 'auditor'], 'GetAgreementHistory');
    return agreementHistory(new Ledger(ctx), account);
  }

  @Transaction(false)
  @Returns('string')
  async ListIssuerKeys(ctx: Context): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'ListIssuerKeys');
    const keys = await new Ledger(ctx).all(K.issuer, [], parseIssuerKey);
    return canonicalJson(keys.map((k) => ({ keyId: k.keyId, alg: k.alg, publicKey: { ...k.publicKey }, validFrom: k.validFrom, validTo: k.validTo, status: k.status })));
  }

  @Transaction(false)
  @Returns('string')
  async ListFaceAgreements(ctx: Context): Promise<string> {
    requireRole(ctx.clientIdentity, ANY_ROLE, 'ListFaceAgreements');
    return canonicalJson(await faceAgreements(new Ledger(ctx)));
  }

  @Transaction(false)
  @Returns('string')
  async ListLossReports(ctx: Context): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator', 'auditor'], 'ListLossReports');
    return canonicalJson(await lossReports(new Ledger(ctx)));
  }

  @Transaction(false)
  @Returns('string')
  async GetExposure(ctx: Context): Promise<string> {
    requireRole(ctx.clientIdentity, ['operator', 'auditor'], 'GetExposure');
    return canonicalJson(await exposure(new Ledger(ctx)));
  }
}
