import { SpentSet } from './spent-set';

describe('SpentSet', () => {
  it('spends a value once within its lifetime, and again after it', () => {
    const spent = new SpentSet(1000, 10);
    expect(spent.spend('a', 0)).toBe(true);
    expect(spent.spend('a', 999)).toBe(false);
    expect(spent.spend('a', 1000)).toBe(true);
  });

  it('forgets expired values and stays within its bound, dropping the oldest first', () => {
    const spent = new SpentSet(1000, 3);
    for (const v of ['a', 'b', 'c', 'd']) expect(spent.spend(v, 10)).toBe(true);
    expect(spent.size).toBe(3);
    expect(spent.spend('a', 10)).toBe(true); // the oldest went to make room
    expect(spent.spend('d', 10)).toBe(false);
    expect(spent.spend('e', 5000)).toBe(true);
    expect(spent.size).toBe(1);
  });
});
