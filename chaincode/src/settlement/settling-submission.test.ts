import { answeredOnlyDuplicates, batchSubmissionOf, inLedgerOrder, settlingSubmission } from './settling-submission';

const counts = (c: Record<string, number>): Record<string, number> => ({ settled: 0, duplicate: 0, conflict: 0, rejected: 0, 'double-spend': 0, ...c });
const sub = (txId: string, at: number, c: Record<string, number>) => ({ txId, at, counts: counts(c) });

describe('which submission settled a batch', () => {
  it('answeredOnlyDuplicates: duplicates and nothing else', () => {
    expect(answeredOnlyDuplicates(counts({ duplicate: 3 }))).toBe(true);
    expect(answeredOnlyDuplicates(counts({ duplicate: 2, settled: 1 }))).toBe(false);
    expect(answeredOnlyDuplicates(counts({ conflict: 3 }))).toBe(false);
    expect(answeredOnlyDuplicates(counts({}))).toBe(false);
    expect(answeredOnlyDuplicates({})).toBe(false);
  });

  it('a batch submitted once: that submission settled it', () => {
    const only = sub('a', 5, { settled: 2, rejected: 1 });
    expect(settlingSubmission([only])).toBe(only);
  });

  it('a resubmission after a lost answer: the first in ledger time, whatever order the keys list them', () => {
    const first = sub('b', 10, { settled: 3 });
    const again = sub('a', 20, { duplicate: 3 });
    expect(settlingSubmission([again, first])).toBe(first);
  });

  it('a first submission that found conflicts or double spends still settled it (its outcomes are final)', () => {
    const first = sub('a', 10, { conflict: 1, 'double-spend': 1, duplicate: 1 });
    expect(settlingSubmission([sub('b', 30, { duplicate: 3 }), first])).toBe(first);
  });

  it('every submission answered only duplicates: none settled it here', () => {
    expect(settlingSubmission([sub('a', 10, { duplicate: 2 }), sub('b', 20, { duplicate: 2 })])).toBeUndefined();
    expect(settlingSubmission<object>([])).toBeUndefined();
  });

  it('orders by ledger time, stable among equal times, a missing time first', () => {
    const x = { txId: 'x', at: 5 };
    const y = { txId: 'y', at: 5 };
    const old = { txId: 'old' };
    expect(inLedgerOrder([x, y, old, { txId: 'z', at: 1 }]).map((s) => s.txId)).toEqual(['old', 'z', 'x', 'y']);
  });

  it('reads time and counts from stored JSON leniently', () => {
    expect(batchSubmissionOf({ at: 7, counts: { settled: 1, note: 'x' } })).toEqual({ at: 7, counts: { settled: 1 } });
    expect(batchSubmissionOf(null)).toEqual({ at: 0, counts: {} });
    expect(batchSubmissionOf({ at: '7', counts: [1] })).toEqual({ at: 0, counts: {} });
  });
});
