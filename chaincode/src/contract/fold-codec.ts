/** How the fold's records are stored: payer views, charges awaiting funding, funded payments. */
import { DomainError } from '../core/errors';
import { FieldReader, isJsonObject } from '../core/fields';
import { parseAccountId, parseMediaId, parseMerchantId } from '../core/ids';
import type { JsonValue } from '../core/strict-json';
import type { CertRecord } from '../settlement/account';
import { FOLD_FLAGS, type FoldFlag, type FundedPayment, type PendingCharge, type PurseCharge } from '../settlement/fold';
import type { JournalEntry } from '../settlement/points-supply';
import type { PurseShadow } from '../settlement/purse-shadow';
import { Amount } from '../core/amount';
import { parseDigest } from '../core/ids';
import type { PayerMedium, PayerView } from '../settlement/payer';
import { certRecordFromJson, certRecordToJson } from './codec';

const PAYMENT_ID = /^[A-Za-z0-9._:-]{1,160}$/;

export function payerToJson(p: PayerView): JsonValue {
  const media: Record<string, JsonValue> = {};
  for (const [id, m] of Object.entries(p.media)) {
    const certs: Record<string, JsonValue> = {};
    for (const [from, c] of Object.entries(m.certs ?? {})) certs[from] = certRecordToJson(c);
    media[id] = { ...(m.deniedAt === undefined ? {} : { deniedAt: m.deniedAt }), ...(m.certs === undefined ? {} : { certs }) };
  }
  return { id: p.id, status: p.status, agreementLive: p.agreementLive, media, ...(p.deniedAt === undefined ? {} : { deniedAt: p.deniedAt }) };
}

export function payerFromJson(value: JsonValue): PayerView {
  const r = FieldReader.of(value, 'payer', ['id', 'status', 'agreementLive', 'media'], ['deniedAt']);
  const raw = r.raw('media');
  if (!isJsonObject(raw)) throw new DomainError('INVALID_FIELD', 'payer.media must be an object');
  const media: Record<string, PayerMedium> = {};
  for (const [id, m] of Object.entries(raw)) {
    const mr = FieldReader.of(m, 'payer medium', [], ['deniedAt', 'certs']);
    const certsRaw = mr.raw('certs');
    const certs: Record<string, CertRecord> = {};
    if (certsRaw !== undefined) {
      if (!isJsonObject(certsRaw)) throw new DomainError('INVALID_FIELD', 'payer medium certs must be an object');
      for (const [from, c] of Object.entries(certsRaw)) certs[from] = certRecordFromJson(c);
    }
    media[id] = { ...(mr.has('deniedAt') ? { deniedAt: mr.int('deniedAt') } : {}), ...(certsRaw === undefined ? {} : { certs }) };
  }
  const live = r.raw('agreementLive');
  if (typeof live !== 'boolean') throw new DomainError('INVALID_FIELD', 'payer.agreementLive must be a boolean');
  return {
    id: r.parsed('id', parseAccountId), status: r.oneOf('status', ['active', 'clearing', 'closed'] as const), agreementLive: live, media,
    ...(r.has('deniedAt') ? { deniedAt: r.int('deniedAt') } : {}),
  };
}

export function chargeToJson(c: PendingCharge): JsonValue {
  return {
    paymentId: c.paymentId, account: c.account, merchantId: c.merchantId, amount: c.amount.toString(), at: c.at, settledAt: c.settledAt,
    doubleSpend: c.doubleSpend,
    ...(c.medium === undefined ? {} : { medium: { mediaId: c.medium.mediaId, certKey: c.medium.certKey, capTotal: c.medium.capTotal.toString() } }),
    ...(c.pointsVersion === undefined ? {} : { pointsVersion: c.pointsVersion }),
    ...(c.pointsDue === undefined ? {} : { pointsDue: c.pointsDue.toString() }),
    ...(c.purse === undefined ? {} : { purse: { mediaId: c.purse.mediaId, ctr: c.purse.ctr, loadCtr: c.purse.loadCtr, before: c.purse.before.toString(), after: c.purse.after.toString(), prev: c.purse.prev, hash: c.purse.hash } }),
  };
}

export function chargeFromJson(value: JsonValue): PendingCharge {
  const r = FieldReader.of(value, 'charge', ['paymentId', 'account', 'merchantId', 'amount', 'at', 'settledAt', 'doubleSpend'], ['medium', 'pointsVersion', 'pointsDue', 'purse']);
  const ds = r.raw('doubleSpend');
  if (typeof ds !== 'boolean') throw new DomainError('INVALID_FIELD', 'charge.doubleSpend must be a boolean');
  let medium: PendingCharge['medium'];
  if (r.has('medium')) {
    const m = FieldReader.of(r.raw('medium'), 'charge.medium', ['mediaId', 'certKey', 'capTotal']);
    medium = { mediaId: m.parsed('mediaId', parseMediaId), certKey: m.string('certKey', /^[0-9]{1,16}$/, 'a counter'), capTotal: m.positiveAmount('capTotal') };
  }
  return {
    paymentId: r.string('paymentId', PAYMENT_ID, 'a payment id'), account: r.parsed('account', parseAccountId), merchantId: r.parsed('merchantId', parseMerchantId),
    amount: r.positiveAmount('amount'), at: r.int('at'), settledAt: r.int('settledAt'), doubleSpend: ds,
    ...(medium === undefined ? {} : { medium }), ...(r.has('pointsVersion') ? { pointsVersion: r.int('pointsVersion', 1) } : {}),
    ...(r.has('pointsDue') ? { pointsDue: r.positiveAmount('pointsDue') } : {}),
    ...(r.has('purse') ? { purse: purseChargeFromJson(r.raw('purse')) } : {}),
  };
}

/** What the fold decided for one payment, as stored and as a payment read shows it. */
export function fundedToJson(f: FundedPayment): JsonValue {
  return {
    paymentId: f.paymentId, account: f.account, foldedAt: f.foldedAt, points: f.points.toString(), flags: [...f.flags],
    funding: {
      wallet: f.funding.wallet.toString(), credit: f.funding.credit.toString(), advance: f.funding.advance.toString(),
      ...(f.funding.purse === undefined ? {} : { purse: f.funding.purse.toString() }),
    },
    ...(f.redeemed === undefined ? {} : { redeemed: f.redeemed.toString() }),
  };
}

export function fundedFromJson(value: JsonValue): FundedPayment {
  const r = FieldReader.of(value, 'funded', ['paymentId', 'account', 'foldedAt', 'points', 'flags', 'funding'], ['redeemed']);
  const f = FieldReader.of(r.raw('funding'), 'funding', ['wallet', 'credit', 'advance'], ['purse']);
  const flags = r.raw('flags');
  if (!Array.isArray(flags) || !flags.every((x): x is FoldFlag => FOLD_FLAGS.includes(x as FoldFlag))) {
    throw new DomainError('INVALID_FIELD', 'funded.flags must be fold flags');
  }
  return {
    paymentId: r.string('paymentId', PAYMENT_ID, 'a payment id'), account: r.parsed('account', parseAccountId), foldedAt: r.int('foldedAt'),
    points: r.nonNegativeAmount('points'), flags,
    funding: {
      wallet: f.nonNegativeAmount('wallet'), credit: f.nonNegativeAmount('credit'), advance: f.nonNegativeAmount('advance'),
      ...(f.has('purse') ? { purse: f.positiveAmount('purse') } : {}),
    },
    ...(r.has('redeemed') ? { redeemed: r.positiveAmount('redeemed') } : {}),
  };
}

/** One transaction's points movements as the journal keeps them (K.pointsJournal). */
export function journalToJson(e: JournalEntry): JsonValue {
  const m = e.movements;
  return { day: e.day, issued: m.issued.toString(), redeemed: m.redeemed.toString(), expired: m.expired.toString(), compensated: m.compensated.toString() };
}

export function journalFromJson(value: JsonValue): JournalEntry {
  const r = FieldReader.of(value, 'journal', ['day', 'issued', 'redeemed', 'expired', 'compensated']);
  return {
    day: r.int('day'),
    movements: { issued: r.nonNegativeAmount('issued'), redeemed: r.nonNegativeAmount('redeemed'), expired: r.nonNegativeAmount('expired'), compensated: r.nonNegativeAmount('compensated') },
  };
}

function purseChargeFromJson(value: unknown): PurseCharge {
  const r = FieldReader.of(value, 'charge.purse', ['mediaId', 'ctr', 'loadCtr', 'before', 'after', 'prev', 'hash']);
  return {
    mediaId: r.parsed('mediaId', parseMediaId),
    ctr: r.int('ctr', 1), loadCtr: r.int('loadCtr'), before: r.nonNegativeAmount('before'), after: r.nonNegativeAmount('after'),
    prev: r.parsed('prev', parseDigest), hash: r.parsed('hash', parseDigest),
  };
}

/** A purse's shadow as stored (K.purse). */
export function purseToJson(s: PurseShadow): JsonValue {
  return {
    mediaId: s.mediaId, account: s.account, loads: Object.fromEntries(Object.entries(s.loads).map(([k, v]) => [k, v.toString()])), loadCtr: s.loadCtr,
    spent: s.spent.toString(), nextCtr: s.nextCtr, lastHash: s.lastHash,
    ...(s.refunded === undefined ? {} : { refunded: { amount: s.refunded.amount.toString(), at: s.refunded.at, txId: s.refunded.txId } }),
    ...(s.tamperedAt === undefined ? {} : { tamperedAt: s.tamperedAt }),
  };
}

export function purseFromJson(value: JsonValue): PurseShadow {
  const r = FieldReader.of(value, 'purse', ['mediaId', 'account', 'loads', 'loadCtr', 'spent', 'nextCtr', 'lastHash'], ['refunded', 'tamperedAt']);
  const loadsRaw = r.raw('loads');
  if (!isJsonObject(loadsRaw)) throw new DomainError('INVALID_FIELD', 'purse.loads must be an object');
  const loads: Record<string, Amount> = {};
  for (const [k, v] of Object.entries(loadsRaw)) loads[k] = Amount.parsePositive(v, 'purse.loads');
  let refunded: PurseShadow['refunded'];
  if (r.has('refunded')) {
    const f = FieldReader.of(r.raw('refunded'), 'purse.refunded', ['amount', 'at', 'txId']);
    refunded = { amount: f.nonNegativeAmount('amount'), at: f.int('at'), txId: f.string('txId', /^[0-9a-f]{64}$/, 'a transaction id') };
  }
  return {
    mediaId: r.parsed('mediaId', parseMediaId), account: r.parsed('account', parseAccountId), loads, loadCtr: r.int('loadCtr'), spent: r.nonNegativeAmount('spent'),
    nextCtr: r.int('nextCtr', 1), lastHash: r.parsed('lastHash', parseDigest),
    ...(refunded === undefined ? {} : { refunded }), ...(r.has('tamperedAt') ? { tamperedAt: r.int('tamperedAt') } : {}),
  };
}
