import { Amount } from '../core/amount';
import { canonicalJson } from '../core/canonical-json';
import { DomainError } from '../core/errors';
import { FieldReader, isJsonObject } from '../core/fields';
import { parseAccountId, parseDigest, parseGroupId, parseMerchantId, parseTerminalId, type Digest } from '../core/ids';
import { parsePublicJwk, type PublicJwk } from '../core/jwk';
import { parseStrictJson, type JsonValue } from '../core/strict-json';
import type { AccountState, MediumState } from '../settlement/account';
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
  for (const [id, m] of Object.entries(a.media)) {
    media[id] = { used: { ...m.used }, spent: amounts(m.spent), ...(m.deniedAt === undefined ? {} : { deniedAt: m.deniedAt }) };
  }
  return {
    id: a.id, group: a.group, status: a.status, creditLine: a.creditLine.toString(), wallet: a.wallet.toString(),
    creditUsed: a.creditUsed.toString(), advance: a.advance.toString(), media,
    points: a.points.toString(), pointsDay: a.pointsDay, pointsToday: a.pointsToday.toString(),
    ...(a.deniedAt === undefined ? {} : { deniedAt: a.deniedAt }),
    ...(a.debtSince === undefined ? {} : { debtSince: a.debtSince }),
    ...(lines === undefined ? {} : { lines: lines.map(postingToJson) }),
  };
}

function mediumFromJson(value: JsonValue | undefined): MediumState {
  const r = FieldReader.of(value, 'medium', ['used', 'spent'], ['deniedAt']);
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
  return { used: usedOut, spent: spentOut, ...(r.has('deniedAt') ? { deniedAt: r.int('deniedAt') } : {}) };
}

/** Reads a stored account. */
export function accountFromJson(value: JsonValue): AccountState {
  const r = FieldReader.of(value, 'account', ['id', 'group', 'status', 'creditLine', 'wallet', 'creditUsed', 'advance', 'media', 'points', 'pointsDay', 'pointsToday'], ['deniedAt', 'debtSince', 'lines']);
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
  };
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
  };
}

/** Reads a stored terminal. */
export function terminalFromJson(value: JsonValue): TerminalRecord {
  const r = FieldReader.of(value, 'terminal', ['terminalId', 'merchantId', 'status', 'publicKey', 'lastSeq', 'lastDigest', 'lastBatchSeq', 'lastBatchDigest'], ['role']);
  return {
    terminalId: r.parsed('terminalId', parseTerminalId),
    merchantId: r.parsed('merchantId', parseMerchantId),
    status: r.oneOf('status', ['active', 'revoked'] as const),
    publicKey: r.parsed('publicKey', parsePublicJwk),
    lastSeq: r.int('lastSeq'),
    lastDigest: r.parsed('lastDigest', parseDigest),
    lastBatchSeq: r.int('lastBatchSeq'),
    lastBatchDigest: r.parsed('lastBatchDigest', parseDigest),
    ...(r.has('role') ? { role: r.oneOf('role', ['edge'] as const) } : {}),
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
