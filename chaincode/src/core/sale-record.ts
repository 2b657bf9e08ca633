import type { Amount } from './amount';
import { canonicalJson } from './canonical-json';
import { sha256Hex } from './encoding';
import { parseEdgeMark, type EdgeMark } from './edge-approval';
import { DomainError } from './errors';
import { FieldReader, isJsonObject } from './fields';
import { parseDigest, parseTerminalId, type Digest, type TerminalId } from './ids';
import { MAX_EPOCH_MS, type EpochMs } from './time';
import type { JsonValue } from './strict-json';

/** How the payer presented themselves. */
export type Medium = 'code' | 'tap' | 'face' | 'purse';
/** The closed set of media (`purse`: a card's electronic purse, campus-value extension). */
export const MEDIA: readonly Medium[] = ['code', 'tap', 'face', 'purse'];

/**
 * What the payer pays with. Absent on the wire means money; `points` spends the student's campus
 * points at the rate of the points policy (campus-value extension, docs/protocol.md). The payer's
 * signed code or tap names the same tender: the terminal cannot choose it for them.
 */
export type Tender = 'points';
export const TENDERS: readonly Tender[] = ['points'];

/** Longest credential string: a certificate and a payer JWS joined by "~". */
export const MAX_CREDENTIAL_CHARS = 8 * 1024;

/** One offline payment as the terminal recorded it (DESIGN §4.6). Identified by (terminalId, seq). */
export interface SaleRecord {
  readonly v: 1;
  readonly terminalId: TerminalId;
  readonly seq: number;
  readonly at: EpochMs;
  readonly amount: Amount;
  readonly medium: Medium;
  /** `<certificate JWS>~<payer JWS>` for code, tap and purse; the face attestation object for face. */
  readonly credential: string | JsonValue;
  readonly denyListVersion: number;
  readonly prev: Digest;
  /** The site edge's approval, or that it was unreachable (edge extension, optional). */
  readonly edge?: EdgeMark;
  /** `points` when the payer spends campus points; absent for money (campus-value extension, optional). */
  readonly tender?: Tender;
  /** SHA-256 of the record's RFC 8785 canonical JSON: what the next record's `prev` names. */
  readonly digest: Digest;
}

const FIELDS = ['v', 'terminalId', 'seq', 'at', 'amount', 'medium', 'credential', 'denyListVersion', 'prev'] as const;

/** Digest of a record object: SHA-256 over its JCS form. */
export function recordDigest(raw: unknown): Digest {
  return sha256Hex(canonicalJson(raw)) as Digest;
}

/** Parses a sale record's structure; its credential is judged later, by the verdict. */
export function parseSaleRecord(value: unknown): SaleRecord {
  const r = FieldReader.of(value, 'record', FIELDS, ['edge', 'tender']);
  const v = r.version();
  const medium = r.oneOf('medium', MEDIA);
  const credential = r.raw('credential');
  if (medium === 'face' ? !isJsonObject(credential) : typeof credential !== 'string') {
    throw new DomainError('INVALID_FIELD', `record.credential must be ${medium === 'face' ? 'an object' : 'a string'} for medium ${medium}`, {
      field: 'credential',
    });
  }
  if (typeof credential === 'string' && credential.length > MAX_CREDENTIAL_CHARS) {
    throw new DomainError('INVALID_FIELD', `record.credential exceeds ${MAX_CREDENTIAL_CHARS} characters`, { field: 'credential' });
  }
  return {
    v,
    terminalId: r.parsed('terminalId', parseTerminalId),
    seq: r.int('seq', 1),
    at: r.int('at', 0, MAX_EPOCH_MS),
    amount: r.positiveAmount('amount'),
    medium,
    credential: credential ?? null,
    denyListVersion: r.int('denyListVersion'),
    prev: r.parsed('prev', parseDigest),
    ...(r.has('edge') ? { edge: parseEdgeMark(r.raw('edge')) } : {}),
    ...(r.has('tender') ? { tender: r.oneOf('tender', TENDERS) } : {}),
    digest: recordDigest(value),
  };
}
