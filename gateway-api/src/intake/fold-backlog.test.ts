import type { ChargeRef } from '../ledger/settlement-client';
import { FoldBacklog } from './fold-backlog';

const none = (): boolean => false;
const charges = (account: string, n: number, from = 1): ChargeRef[] => Array.from({ length: n }, (_, i) => [account, `pos-1:${String(from + i)}`]);

describe('FoldBacklog', () => {
  it('takes whole accounts in arrival order up to the fold limits, skipping busy accounts', () => {
    const backlog = new FoldBacklog(100);
    backlog.add([...charges('ann', 2), ...charges('bob', 1), ...charges('cat', 3), ...charges('dan', 1)], none);
    expect(backlog.size).toBe(7);
    // bob is in a fold in flight; cat's three do not fit beside ann's two in a fold of four: dan's one does.
    expect(backlog.take((a) => a === 'bob', { charges: 4, accounts: 10 })).toEqual([...charges('ann', 2), ...charges('dan', 1)]);
    expect(backlog.take(none, { charges: 4, accounts: 1 })).toEqual(charges('bob', 1));
    expect(backlog.take(none, { charges: 4, accounts: 10 })).toEqual(charges('cat', 3));
    expect(backlog.size).toBe(0);
    expect(backlog.take(none, { charges: 4, accounts: 10 })).toEqual([]);
  });

  it('gives an account with more charges than a fold holds its first charges alone, the rest in the next fold', () => {
    const backlog = new FoldBacklog(100);
    backlog.add([...charges('ann', 5), ...charges('bob', 1)], none);
    expect(backlog.take(none, { charges: 3, accounts: 10 })).toEqual(charges('ann', 3));
    expect(backlog.take(none, { charges: 3, accounts: 10 })).toEqual([...charges('ann', 2, 4), ...charges('bob', 1)]);
  });

  it('holds each charge once, skips charges in flight, and leaves what it has no room for (the sweep finds them)', () => {
    const backlog = new FoldBacklog(3);
    expect(backlog.add([...charges('ann', 2), ...charges('ann', 1)], none)).toEqual({ added: 2, dropped: 0 });
    expect(backlog.add(charges('bob', 2), ([, p]) => p === 'pos-1:1')).toEqual({ added: 1, dropped: 0 });
    expect(backlog.add(charges('cat', 2), none)).toEqual({ added: 0, dropped: 2 });
    expect(backlog.size).toBe(3);
    backlog.clear();
    expect(backlog.size).toBe(0);
  });
});
