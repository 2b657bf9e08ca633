import { RESERVE_AHEAD, giveBackMark, nextCounter, reserveBlock, runsLow, type CounterBlock } from '../wallet/src/renewal';

/**
 * The wallet's counters reserved ahead (wallet/src/renewal.ts, used by reservation.ts): where a block
 * starts and ends over the mark on disk, when it is topped up, when it is given back; then a phone
 * simulated over many random taps, reservations, give-backs, reloads and crashes, checking that no
 * counter is shown twice and that each is below the mark on disk when it is shown.
 */
const CERT = { ctrFrom: 1, ctrTo: 50 } as const;

describe('wallet counters reserved ahead', () => {
  it('starts a fresh certificate at its first counter and reserves RESERVE_AHEAD of them', () => {
    expect(reserveBlock(undefined, undefined, CERT)).toEqual({ next: 1, limit: 1 + RESERVE_AHEAD });
  });

  it('after a reload starts at the mark on disk: what the page before had reserved is skipped', () => {
    expect(reserveBlock(21, undefined, CERT)).toEqual({ next: 21, limit: 41 });
  });

  it('grows the held block from its next counter while the mark is still its own', () => {
    expect(reserveBlock(21, { next: 12, limit: 21 }, CERT)).toEqual({ next: 12, limit: 32 });
  });

  it('never lowers the mark when the held block already reaches past next + RESERVE_AHEAD', () => {
    expect(reserveBlock(30, { next: 5, limit: 30 }, CERT)).toEqual({ next: 5, limit: 30 });
  });

  it('starts a new block above the mark when another page reserved since (the held block is not the mark)', () => {
    expect(reserveBlock(41, { next: 12, limit: 21 }, CERT)).toEqual({ next: 41, limit: 51 });
  });

  it('never reserves past ctrTo, and has nothing to reserve once the mark passes it', () => {
    expect(reserveBlock(45, undefined, CERT)).toEqual({ next: 45, limit: 51 });
    expect(reserveBlock(51, undefined, CERT)).toBeUndefined();
    expect(reserveBlock(51, { next: 51, limit: 51 }, CERT)).toBeUndefined();
  });

  it('starts a refreshed certificate at its own first counter, above the old mark', () => {
    expect(reserveBlock(30, undefined, { ctrFrom: 51, ctrTo: 100 })).toEqual({ next: 51, limit: 71 });
    expect(nextCounter(30, { ctrFrom: 51 })).toBe(51);
  });

  it('tops up below RESERVE_LOW counters left, unless the certificate has none beyond the block', () => {
    expect(runsLow({ next: 11, limit: 21 }, CERT)).toBe(false);
    expect(runsLow({ next: 12, limit: 21 }, CERT)).toBe(true);
    expect(runsLow({ next: 45, limit: 51 }, CERT)).toBe(false);
  });

  it('gives back down to next only while the mark on disk is still the page\'s own limit', () => {
    expect(giveBackMark(21, { next: 4, limit: 21 })).toBe(4);
    expect(giveBackMark(41, { next: 4, limit: 21 })).toBeUndefined();
    expect(giveBackMark(21, { next: 21, limit: 21 })).toBeUndefined();
  });

  it('a simulated phone (taps, reservations committing late, give-backs, reloads, crashes, two tabs) never shows a counter twice nor one at or above the mark', () => {
    // A small deterministic generator (mulberry32): the same runs every time.
    let seed = 0x5eed;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const cert = { ctrFrom: 1, ctrTo: 100_000 };
    for (let run = 0; run < 200; run++) {
      /** The mark on disk; a tab's block, and the reservation it has decided but not yet committed. */
      let disk: number | undefined;
      /** The mark before the last give-back, while no strict write has followed it: a crash may lose that relaxed write. */
      let beforeRelaxed: number | undefined;
      const tabs: { block: CounterBlock | undefined; pending: CounterBlock | undefined }[] = [{ block: undefined, pending: undefined }, { block: undefined, pending: undefined }];
      const shown = new Set<number>();
      for (let step = 0; step < 300; step++) {
        const tab = tabs[Math.floor(random() * tabs.length)];
        if (tab === undefined) throw new Error('no tab');
        const roll = random();
        if (roll < 0.5) {
          // A tap: only below the block's limit (on disk already), else it must wait for a reservation.
          if (tab.block === undefined || tab.block.next >= tab.block.limit) continue;
          const ctr = tab.block.next;
          expect(shown.has(ctr)).toBe(false);
          expect(ctr).toBeLessThan(disk ?? -Infinity);
          shown.add(ctr);
          tab.block = { next: ctr + 1, limit: tab.block.limit };
        } else if (roll < 0.7) {
          // A reservation decides in its transaction (reads the mark, writes the new one)...
          if (tab.pending !== undefined) continue;
          const block = reserveBlock(disk, tab.block, cert);
          if (block === undefined) continue;
          disk = block.limit;
          beforeRelaxed = undefined;
          tab.pending = block;
        } else if (roll < 0.85) {
          // ...and commits later, while taps went on: the page never goes back below a counter it took.
          if (tab.pending === undefined) continue;
          tab.block = { next: Math.max(tab.block?.next ?? 0, tab.pending.next), limit: tab.pending.limit };
          tab.pending = undefined;
        } else if (roll < 0.93) {
          // The page is hidden: taps wait while it gives back (a reservation pending goes first).
          if (tab.block === undefined || tab.pending !== undefined) continue;
          const mark = giveBackMark(disk, tab.block);
          if (mark !== undefined) {
            beforeRelaxed ??= disk;
            disk = mark;
          }
          tab.block = { next: tab.block.next, limit: tab.block.next };
        } else {
          // A reload or a crash: the page forgets its block and what it had not yet heard committed;
          // a power loss may also lose the relaxed give-backs since the last strict write.
          if (beforeRelaxed !== undefined && random() < 0.5) {
            disk = beforeRelaxed;
            beforeRelaxed = undefined;
          }
          tab.block = undefined;
          tab.pending = undefined;
        }
      }
    }
  });
});
