import { MemoryStub } from '../testing/memory-stub';
import { StateStore } from './state-store';

/** The store over the memory stub: range reads, key history, and the shim's iterator shape. */
const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('utf8'));

function commit(stub: MemoryStub, txId: string, millis: number, writes: [string, string][]): void {
  stub.begin(txId, millis);
  for (const [k, v] of writes) void stub.putState(k, bytes(v));
  stub.commit();
}

describe('StateStore', () => {
  it('range-reads simple keys in [start, end) in key order, skipping deleted ones', async () => {
    const stub = new MemoryStub();
    commit(stub, 't1', 1000, [['h/03', 'c'], ['h/01', 'a'], ['h/02', 'b'], ['h0', 'past the end'], ['g', 'before']]);
    stub.begin('t2', 2000);
    await stub.deleteState('h/02');
    stub.commit();
    const store = new StateStore(stub);
    stub.begin('t3', 3000);
    expect((await store.range('h/', 'h0')).map((e) => text(e.value))).toEqual(['a', 'c']);
    expect((await store.range('h/02', 'h/03')).map((e) => e.key)).toEqual([]);
    // One round trip each, as the stub counts them.
    expect(stub.stateCalls).toBe(2);
  });

  it('refuses composite keys in a range read, as the shim does', () => {
    const stub = new MemoryStub();
    expect(() => stub.getStateByRange(stub.createCompositeKey('batch', []), '')).toThrow(/simple keys/);
  });

  it('returns a key history oldest first, with deletions, from a stub that gives it newest first', async () => {
    const stub = new MemoryStub();
    const store = new StateStore(stub);
    const key = store.key('account', ['a1']);
    commit(stub, 'open', 1_000, [[key, 'v1']]);
    commit(stub, 'other', 1_500, [[store.key('account', ['a2']), 'x']]);
    commit(stub, 'pay', 2_250, [[key, 'v2']]);
    stub.begin('close', 3_000);
    await stub.deleteState(key);
    stub.commit();
    const newestFirst = [];
    for await (const m of stub.getHistoryForKey(key)) newestFirst.push(m.txId);
    expect(newestFirst).toEqual(['close', 'pay', 'open']);
    const history = await store.history('account', ['a1']);
    expect(history.map((v) => [v.txId, v.at, text(v.value)])).toEqual([['open', 1000, 'v1'], ['pay', 2250, 'v2'], ['close', 3000, undefined]]);
  });

  it('ends an iteration the way the shim does: a last call with no value and done true', async () => {
    const stub = new MemoryStub();
    const iterator = await stub.getStateByPartialCompositeKey('none', []);
    expect(await iterator.next()).toEqual({ done: true });
    expect(await new StateStore(stub).list('none')).toEqual([]);
  });
});
