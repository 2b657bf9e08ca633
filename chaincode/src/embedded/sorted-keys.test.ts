import { SortedKeys } from './sorted-keys';

/** A small deterministic generator, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('SortedKeys', () => {
  it('keeps the same order as a sorted array through many adds and deletes, across chunk splits', () => {
    const random = lcg(7);
    const keys = new SortedKeys();
    const model = new Set<string>();
    for (let step = 0; step < 20_000; step++) {
      const key = `k/${String(Math.floor(random() * 6000)).padStart(5, '0')}`;
      if (random() < 0.3) {
        keys.delete(key);
        model.delete(key);
      } else {
        keys.add(key);
        model.add(key);
      }
    }
    const sorted = [...model].sort();
    expect([...keys.from('')]).toEqual(sorted);
    expect([...keys.from('k/03000')]).toEqual(sorted.filter((k) => k >= 'k/03000'));
    expect([...keys.from('z')]).toEqual([]);
  });

  it('is empty until a key is added, and again once every key is deleted', () => {
    const keys = new SortedKeys();
    expect([...keys.from('')]).toEqual([]);
    keys.delete('a');
    keys.add('b');
    keys.add('a');
    keys.add('b');
    expect([...keys.from('')]).toEqual(['a', 'b']);
    keys.delete('a');
    keys.delete('b');
    expect([...keys.from('')]).toEqual([]);
  });
});
