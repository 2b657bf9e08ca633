import { decodeBatch, verifyBatch } from './batch';
import { canonicalJson } from './canonical-json';
import { DomainError, REJECT_REASONS } from './errors';
import { parseSaleRecord } from './sale-record';
import { loadVectors } from './test-vectors';
import { verifyRecord } from './verify-record';

const vectors = loadVectors();

describe('protocol v1 test vectors', () => {
  it.each(vectors.raw.records.map((c) => [c.name, c] as const))('record %s: digest and verdict match the vector', (_name, c) => {
    const record = parseSaleRecord(c.record);
    expect(canonicalJson(c.record)).toBe(c.jcs);
    expect(record.digest).toBe(c.digest);
    const verdict = verifyRecord(record, vectors.ctx);
    if (c.expect.reason !== undefined) {
      expect(verdict).toMatchObject({ ok: false, reason: c.expect.reason });
    } else {
      expect(verdict.ok).toBe(true);
      expect(verdict.ok && verdict.payer.account).toBe(c.expect.account);
    }
  });

  it('covers every rejection reason at least once', () => {
    const covered = new Set(vectors.raw.records.map((c) => c.expect.reason));
    expect(REJECT_REASONS.filter((r) => !covered.has(r))).toEqual([]);
  });

  it.each(vectors.raw.batches.map((c) => [c.name, c] as const))('batch %s: decodes and verifies as the vector says', (_name, c) => {
    const key = vectors.terminalKeys.get(c.terminal);
    if (key === undefined) throw new Error(`no key for ${c.terminal}`);
    const run = (): ReturnType<typeof decodeBatch> => {
      const batch = decodeBatch(c.jws);
      verifyBatch(batch, key);
      return batch;
    };
    if (c.expect.error !== undefined) {
      expect(run).toThrow(DomainError);
      expect(run).toThrow(new RegExp(`^${c.expect.error}: `));
    } else {
      const batch = run();
      expect(batch.digest).toBe(c.expect.digest);
      expect(batch.records).toHaveLength(c.expect.records ?? -1);
      expect(batch.anomalies).toEqual(c.expect.anomalies);
    }
  });

  it('chains every record of the honest batch to its predecessor by digest', () => {
    const records = vectors.raw.records.map((c) => parseSaleRecord(c.record));
    records.slice(1).forEach((r, i) => {
      expect(r.prev).toBe(records[i]?.digest);
    });
  });
});
