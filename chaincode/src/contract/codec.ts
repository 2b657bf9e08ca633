import { Amount } from '../core/amount';
import { canonicalJson } from '../core/canonical-json';
import { DomainError } from '../core/errors';
import { FieldReader, isJsonObject } from '../core/fields';
import { parseAccountId, parseDigest, parseGroupId, parseMerchantId, parseTerminalId, type Digest } from '../core/ids';
import { parsePublicJwk, type PublicJwk } from '../core/jwk';
import { parseStrictJson, type JsonValue } from '../core/strict-json';
import type { AccountState, AgreementState, CertRecord, MediumReport, MediumState } from '../settlement/account';
import { postingToJson, type Posting } from '../settlement/books';
import type { TerminalState } from '../settlement/settle-batch';

/** Ledger values are canonical JSON, so both endorsing peers write byte-identical state. */
export function encode(value: JsonValue): Uint8Array {
  return Buffer.from(canonicalJson(value), 'utf8');
}

/** Reads a stored value back through the strict parser. */
export function decode(bytes: Uint8Array): JsonValue {
  return parseStrictJson(bytes, { maxBytes: 16 * 1024 * 1024 });
}

const amounts = (record: Readonly<Record<string, Amount>>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v.toString()]));

/**
 * Account state as stored. `lines` are the postings of the writing transaction that touch this
 * account: a statement reads them from the account key's history instead of the transaction's
 * whole postings (a group of batches posts thousands of lines for thousands of students).
 */
export function accountToJson(a: AccountState, lines?: readonly Posting[]): JsonValue {
  const media: Record<string, JsonValue> = {};
  for (const [id, m] of Object.entries(a.media)) media[id] = mediumToJson(m);
  return {
    id: a.id, group: a.group, status: a.status, creditLine: a.creditLine.toString(), wallet: a.wallet.toString(),
    creditUsed: a.creditUsed.toString(), advance: a.advance.toString(), media,
    points: a.points.toString(), pointsDay: a.pointsDay, pointsToday: a.pointsToday.toString(),
    ...(a.pointsLots === undefined ? {} : { pointsLots: Object.fromEntries(Object.entries(a.pointsLots).map(([day, n]) => [day, n.toString()])) }),
    ...(a.deniedAt === undefined ? {} : { deniedAt: a.deniedAt }),
    ...(a.debtSince === undefined ? {} : { debtSince: a.debtSince }),
    ...(a.agreement === undefined ? {} : { agreement: { ...a.agreement } }),
    ...(lines === undefined ? {} : { lines: lines.map(postingToJson) }),
  };
}

/** A recorded certificate as stored. */
export function certRecordToJson(c: CertRecord): JsonValue {
  return { ctrTo: c.ctrTo, capTotal: c.capTotal.toString(), capPerPayment: c.capPerPayment.toString(), nbf: c.nbf, exp: c.exp, keyId: c.keyId, digest: c.digest, recordedAt: c.recordedAt, status: c.status };
}

export function certRecordFromJson(value: JsonValue): CertRecord {
  const r = FieldReader.of(value, 'cert', ['ctrTo', 'capTotal', 'capPerPayment', 'nbf', 'exp', 'keyId', 'digest', 'recordedAt', 'status']);
  return {
    ctrTo: r.int('ctrTo'), capTotal: r.positiveAmount('capTotal'), capPerPayment: r.positiveAmount('capPerPayment'), nbf: r.int('nbf'), exp: r.int('exp'),
    keyId: r.string('keyId', /^[A-Za-z0-9._:-]{1,64}$/, 'a key id'), digest: r.parsed('digest', parseDigest), recordedAt: r.int('recordedAt'),
    status: r.oneOf('status', ['live', 'superseded', 'revoked'] as const),
  };
}

const reportFromJson = (value: JsonValue | undefined): MediumReport => {
  const r = FieldReader.of(value, 'report', ['at', 'by', 'reason']);
  return { at: r.int('at'), by: r.string('by', /^[^\p{Cc}]{1,128}$/u, 'a name'), reason: r.string('reason', /^[^\p{Cc}]{0,256}$/u, 'a short text') };
};

function mediumToJson(m: MediumState): JsonValue {
  const certs: Record<string, JsonValue> = {};
  for (const [from, c] of Object.entries(m.certs ?? {})) certs[from] = certRecordToJson(c);
  return {
    used: { ...m.used }, spent: amounts(m.spent), ...(m.deniedAt === undefined ? {} : { deniedAt: m.deniedAt }),
    ...(m.kind === undefined ? {} : { kind: m.kind }), ...(m.certs === undefined ? {} : { certs }), ...(m.ctrNext === undefined ? {} : { ctrNext: m.ctrNext }),
    ...(m.lost === undefined ? {} : { lost: { ...m.lost } }), ...(m.found === undefined ? {} : { found: { ...m.found } }),
  };
}

function agreementFromJson(value: JsonValue | undefined): AgreementState {
  const r = FieldReader.of(value, 'agreement', ['version', 'textHash', 'acceptedAt', 'status'], ['withdrawnAt']);
  return {
    version: r.int('version'), textHash: r.parsed('textHash', parseDigest), acceptedAt: r.int('acceptedAt'), status: r.oneOf('status', ['live', 'withdrawn'] as const),
    ...(r.has('withdrawnAt') ? { withdrawnAt: r.int('withdrawnAt') } : {}),
  };
}

function mediumFromJson(value: JsonValue | undefined): MediumState {
  const r = FieldReader.of(value, 'medium', ['used', 'spent'], ['deniedAt', 'kind', 'certs', 'ctrNext', 'lost', 'found']);
  const used = r.raw('used');
  const spent = r.raw('spent');
  if (!isJsonObject(used) || !isJsonObject(spent)) throw new DomainError('INVALID_FIELD', 'medium.used and medium.spent must be objects');
  const usedOut: Record<string, string> = {};
  for (const [k, v] of Object.entries(used)) {
    if (typeof v !== 'string') throw new DomainError('INVALID_FIELD', 'medium.used values must be payment ids');
    usedOut[k] = v;
  }
  const spentOut: Record<string, Amount> = {};
  for (const [k, v] of Object.entries(spent)) spentOut[k] = Amount.parseNonNegative(v, 'spent');
  const certsRaw = r.raw('certs');
  const certs: Record<string, CertRecord> = {};
  if (certsRaw !== undefined) {
    if (!isJsonObject(certsRaw)) throw new DomainError('INVALID_FIELD', 'medium.certs must be an object');
    for (const [from, c] of Object.entries(certsRaw)) certs[from] = certRecordFromJson(c);
  }
  return {
    used: usedOut, spent: spentOut, ...(r.has('deniedAt') ? { deniedAt: r.int('deniedAt') } : {}),
    ...(r.has('kind') ? { kind: r.oneOf('kind', ['wallet', 'card', 'purse'] as const) } : {}), ...(certsRaw === undefined ? {} : { certs }),
    ...(r.has('ctrNext') ? { ctrNext: r.int('ctrNext') } : {}),
    ...(r.has('lost') ? { lost: reportFromJson(r.raw('lost')) } : {}), ...(r.has('found') ? { found: reportFromJson(r.raw('found')) } : {}),
  };
}

/** Reads a stored account. */
export function accountFromJson(value: JsonValue): AccountState {
  const r = FieldReader.of(value, 'account', ['id', 'group', 'status', 'creditLine', 'wallet', 'creditUsed', 'advance', 'media', 'points', 'pointsDay', 'pointsToday'], ['deniedAt', 'debtSince', 'lines', 'agreement', 'pointsLots']);
  const mediaRaw = r.raw('media');
  if (!isJsonObject(mediaRaw)) throw new DomainError('INVALID_FIELD', 'account.media must be an object');
  const media: Record<string, MediumState> = {};
  for (const [id, m] of Object.entries(mediaRaw)) media[id] = mediumFromJson(m);
  return {
    id: r.parsed('id', parseAccountId),
    group: r.parsed('group', parseGroupId),
    status: r.oneOf('status', ['active', 'clearing', 'closed'] as const),
    creditLine: r.nonNegativeAmount('creditLine'),
    wallet: r.nonNegativeAmount('wallet'),
    creditUsed: r.nonNegativeAmount('creditUsed'),
    advance: r.nonNegativeAmount('advance'),
    points: r.nonNegativeAmount('points'),
    pointsDay: r.int('pointsDay'),
    pointsToday: r.nonNegativeAmount('pointsToday'),
    media,
    ...(r.has('deniedAt') ? { deniedAt: r.int('deniedAt') } : {}),
    ...(r.has('debtSince') ? { debtSince: r.int('debtSince') } : {}),
    ...(r.has('agreement') ? { agreement: agreementFromJson(r.raw('agreement')) } : {}),
    ...(r.has('pointsLots') ? { pointsLots: pointsLotsFromJson(r.raw('pointsLots')) } : {}),
  };
}

/** Stored points lots: UTC day → points, each positive. */
function pointsLotsFromJson(value: unknown): Record<string, Amount> {
  if (!isJsonObject(value)) throw new DomainError('INVALID_FIELD', 'account.pointsLots must be an object');
  const out: Record<string, Amount> = {};
  for (const [day, n] of Object.entries(value)) {
    if (!/^[0-9]{1,9}$/.test(day)) throw new DomainError('INVALID_FIELD', 'account.pointsLots keys must be UTC day numbers', { field: 'pointsLots' });
    out[day] = Amount.parsePositive(n, 'account.pointsLots');
  }
  return out;
}

/** A registered terminal: its key and where its chains stand. */
export interface TerminalRecord extends TerminalState {
  readonly publicKey: PublicJwk;
  /** An edge node signs approvals for its site's terminals and never sells (docs/edge.md). */
  readonly role?: 'edge';
}

/** Terminal as stored. */
export function terminalToJson(t: TerminalRecord): JsonValue {
  return {
    terminalId: t.terminalId, merchantId: t.merchantId, status: t.status, publicKey: { ...t.publicKey },
    lastSeq: t.lastSeq, lastDigest: t.lastDigest, lastBatchSeq: t.lastBatchSeq, lastBatchDigest: t.lastBatchDigest,
    ...(t.role === undefined ? {} : { role: t.role }),
    ...(t.lastBatchAt === undefined ? {} : { lastBatchAt: t.lastBatchAt }),
    // Only a retired edge keeps when it retired: one brought back (SetTerminalStatus active) serves again from then on.
    ...(t.status !== 'retired' || t.retiredAt === undefined ? {} : { retiredAt: t.retiredAt }),
  };
}

/** Reads a stored terminal. */
export function terminalFromJson(value: JsonValue): TerminalRecord {
  const r = FieldReader.of(value, 'terminal', ['terminalId', 'merchantId', 'status', 'publicKey', 'lastSeq', 'lastDigest', 'lastBatchSeq', 'lastBatchDigest'], ['role', 'lastBatchAt', 'retiredAt']);
  return {
    terminalId: r.parsed('terminalId', parseTerminalId),
    merchantId: r.parsed('merchantId', parseMerchantId),
    status: r.oneOf('status', ['active', 'revoked', 'retired'] as const),
    publicKey: r.parsed('publicKey', parsePublicJwk),
    lastSeq: r.int('lastSeq'),
    lastDigest: r.parsed('lastDigest', parseDigest),
    lastBatchSeq: r.int('lastBatchSeq'),
    lastBatchDigest: r.parsed('lastBatchDigest', parseDigest),
    ...(r.has('role') ? { role: r.oneOf('role', ['edge'] as const) } : {}),
    ...(r.has('lastBatchAt') ? { lastBatchAt: r.int('lastBatchAt') } : {}),
    ...(r.has('retiredAt') ? { retiredAt: r.int('retiredAt') } : {}),
  };
}

/** Fixed-width decimal, so composite keys sort numerically. */
export const pad = (n: number, width = 16): string => String(n).padStart(width, '0');

/** Seq digests are kept in chunks of this many seqs per terminal: one read covers a whole batch. */
export const SEQ_CHUNK = 1000;

/** One chunk of a terminal's settled seqs: seq → [record digest, batchSeq]. */
export type SeqChunk = Record<string, [Digest, number]>;

/** Reads a stored seq chunk. */
export function seqChunkFromJson(value: JsonValue): SeqChunk {
  if (!isJsonObject(value)) throw new DomainError('INVALID_FIELD', 'seq chunk must be an object');
  const out: SeqChunk = {};
  for (const [seq, entry] of Object.entries(value)) {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[1] !== 'number') throw new DomainError('INVALID_FIELD', 'seq chunk entry must be [digest, batchSeq]');
    out[seq] = [parseDigest(entry[0]), entry[1]];
  }
  return out;
}
