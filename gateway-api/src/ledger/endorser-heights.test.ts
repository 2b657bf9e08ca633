import { EndorserHeights } from './endorser-heights';

/** Peers whose heights the test sets; every question is counted. */
function peers(initial: Record<string, bigint>) {
  const heights = new Map(Object.entries(initial));
  const asked: string[] = [];
  return {
    heights, asked,
    heightOf: (org: string | undefined): Promise<bigint> => {
      asked.push(org ?? 'ours');
      const h = heights.get(org ?? 'ours');
      return h === undefined ? Promise.reject(new Error('no such peer')) : Promise.resolve(h);
    },
  };
}

describe('EndorserHeights', () => {
  it('asks nothing while no endorser has disagreed', async () => {
    const p = peers({ ours: 10n });
    await new EndorserHeights(p.heightOf).caughtUp();
    expect(p.asked).toEqual([]);
  });

  it('waits until a lagging organisation has our peer\'s height, a block at a time', async () => {
    const p = peers({ ours: 12n, CampusMSP: 10n });
    // Each pause lets the lagging peer commit one more block: the wait ends on the condition.
    const sleep = (): Promise<void> => {
      p.heights.set('CampusMSP', (p.heights.get('CampusMSP') ?? 0n) + 1n);
      return Promise.resolve();
    };
    const heights = new EndorserHeights(p.heightOf, { maxWaitMs: 60_000, pollMs: 1 }, sleep);
    heights.disagreed(['CampusMSP']);
    await heights.caughtUp();
    expect(p.heights.get('CampusMSP')).toBe(12n);
    expect(p.asked).toEqual(['ours', 'CampusMSP', 'CampusMSP', 'CampusMSP']);
    expect(heights.lagging).toEqual(['CampusMSP']);
  });

  it('gives up after its bound, and when a height cannot be read, without failing the proposal', async () => {
    const stuck = peers({ ours: 12n, CampusMSP: 3n });
    const bounded = new EndorserHeights(stuck.heightOf, { maxWaitMs: 0, pollMs: 1 });
    bounded.disagreed(['CampusMSP']);
    await expect(bounded.caughtUp()).resolves.toBeUndefined();

    const gone = peers({ ours: 12n });
    const unreadable = new EndorserHeights(gone.heightOf);
    unreadable.disagreed(['AuditMSP']);
    await expect(unreadable.caughtUp()).resolves.toBeUndefined();
    expect(gone.asked).toEqual(['ours', 'AuditMSP']);
  });

  it('shares one question per organisation among proposals waiting at once', async () => {
    const p = peers({ ours: 5n, CampusMSP: 5n });
    const heights = new EndorserHeights(p.heightOf);
    heights.disagreed(['CampusMSP']);
    await Promise.all([heights.caughtUp(), heights.caughtUp(), heights.caughtUp()]);
    expect(p.asked).toEqual(['ours', 'CampusMSP']);
  });
});
