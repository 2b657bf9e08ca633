import { Amount } from './amount';
import { sha256Hex } from './encoding';
import { DomainError } from './errors';
import { FieldReader } from './fields';
import { parseDigest, parseTerminalId, type Digest, type TerminalId } from './ids';
import { assertJws, decodeJws, type DecodedJws } from './jws';
import { verifyKeyOf, type PublicJwk } from './jwk';
import { parseSaleRecord, type SaleRecord } from './sale-record';

/** Most records one batch may carry. */
export const MAX_BATCH_RECORDS = 1000;
/** Largest batch payload in bytes (before base64url). */
export const MAX_BATCH_PAYLOAD_BYTES = 2 * 1024 * 1024;
/** Largest compact batch JWS in characters. */
export const MAX_BATCH_JWS_CHARS = Math.ceil((MAX_BATCH_PAYLOAD_BYTES * 4) / 3) + 1024;

/** Things a batch can be wrong about without being refused; reported to auditors (DESIGN §4.7, §5). */
export type BatchAnomaly = 'out-of-balance' | 'chain-break' | 'gap';

/** A terminal's signed upload (DESIGN §4.7), decoded and structurally valid. */
export interface Batch {
  readonly terminalId: TerminalId;
  readonly batchSeq: number;
  readonly prevBatch: Digest;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly count: number;
  readonly total: Amount;
  readonly records: readonly SaleRecord[];
  /** SHA-256 of the payload bytes exactly as signed: what the next batch's prevBatch names. */
  readonly digest: Digest;
  readonly anomalies: readonly BatchAnomaly[];
  readonly jws: DecodedJws;
}

const FIELDS = ['typ', 'v', 'terminalId', 'batchSeq', 'prevBatch', 'firstSeq', 'lastSeq', 'count', 'total', 'records'] as const;

/**
 * Decodes a batch JWS without checking who signed it: the caller looks the terminal up by
 * `terminalId` and then calls verifyBatch. Refuses the whole batch for any structural fault.
 */
export function decodeBatch(compact: unknown): Batch {
  const jws = decodeJws(compact, MAX_BATCH_JWS_CHARS);
  if (jws.payloadBytes.length > MAX_BATCH_PAYLOAD_BYTES) {
    throw new DomainError('BATCH_TOO_LARGE', `batch payload exceeds ${MAX_BATCH_PAYLOAD_BYTES} bytes`, { limit: String(MAX_BATCH_PAYLOAD_BYTES) });
  }
  const r = FieldReader.of(jws.payload, 'batch', FIELDS);
  r.typ('batch');
  r.version();
  const terminalId = r.parsed('terminalId', parseTerminalId);
  const rawRecords = r.raw('records');
  if (!Array.isArray(rawRecords)) throw new DomainError('INVALID_FIELD', 'batch.records must be an array', { field: 'records' });
  if (rawRecords.length === 0) throw new DomainError('INVALID_FIELD', 'batch.records must not be empty', { field: 'records' });
  if (rawRecords.length > MAX_BATCH_RECORDS) {
    throw new DomainError('BATCH_TOO_LARGE', `batch carries ${rawRecords.length} records, at most ${MAX_BATCH_RECORDS}`, { limit: String(MAX_BATCH_RECORDS) });
  }
  const records = rawRecords.map(parseSaleRecord);
  const manifest = {
    batchSeq: r.int('batchSeq', 1),
    prevBatch: r.parsed('prevBatch', parseDigest),
    firstSeq: r.int('firstSeq', 1),
    lastSeq: r.int('lastSeq', 1),
    count: r.int('count', 1, MAX_BATCH_RECORDS),
    total: r.nonNegativeAmount('total'),
  };
  const anomalies = new Set<BatchAnomaly>();
  let sum = Amount.ZERO;
  records.forEach((record, i) => {
    if (record.terminalId !== terminalId) {
      throw new DomainError('TERMINAL_MISMATCH', `record ${i} names terminal ${record.terminalId}, not ${terminalId}`, { field: 'terminalId' });
    }
    const before = records[i - 1];
    if (before !== undefined) {
      if (record.seq <= before.seq) {
        throw new DomainError('RECORDS_OUT_OF_SEQUENCE', `record ${i} has seq ${record.seq} after ${before.seq}`, { field: 'seq' });
      }
      if (record.seq !== before.seq + 1) anomalies.add('gap');
      else if (record.prev !== before.digest) anomalies.add('chain-break');
    }
    sum = sum.add(record.amount);
  });
  const first = records[0];
  const last = records[records.length - 1];
  if (
    first === undefined || last === undefined ||
    manifest.count !== records.length || !manifest.total.equals(sum) ||
    manifest.firstSeq !== first.seq || manifest.lastSeq !== last.seq
  ) {
    anomalies.add('out-of-balance');
  }
  return { terminalId, ...manifest, records, digest: sha256Hex(jws.payloadBytes) as Digest, anomalies: [...anomalies].sort(), jws };
}

/** Checks the terminal's signature over the batch; BAD_SIGNATURE when it does not verify. */
export function verifyBatch(batch: Batch, terminalKey: PublicJwk): void {
  assertJws(batch.jws, verifyKeyOf(terminalKey), 'batch');
  // Checked after the signature, so that a batch signed by anyone else stays BAD_SIGNATURE.
  if (batch.jws.kid !== batch.terminalId) {
    throw new DomainError('KID_MISMATCH', batch.jws.kid === undefined
      ? `the batch header has no kid; protocol v1 requires kid = terminalId (${batch.terminalId})`
      : `the batch header's kid ${batch.jws.kid} is not the batch's terminalId ${batch.terminalId}`, { field: 'kid' });
  }
}
