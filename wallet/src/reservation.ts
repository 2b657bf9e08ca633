/**
 * Counters reserved ahead: while the wallet is idle (the certificate arrived, the pay page opened or
 * came back into view, the block runs low) it writes a high-water mark to IndexedDB with strict
 * durability, and a tap takes the next counter below that mark from memory, with no disk write on
 * its path. The mark is on disk before any counter below it is shown, so a reload or a crash starts
 * at or above it: a counter may be skipped, never reused. A page that is hidden gives its unused
 * counters back with a relaxed write (lost in a crash, they are only skipped). The key and the
 * certificate are held in memory beside the block, and dropped as soon as the store says that they,
 * or (from another tab) the mark, changed.
 */
import { parseCertificate, type Certificate } from './certificate.js';
import { loadKey, type WalletKey } from './keys.js';
import { giveBackMark, nextCounter, reserveBlock, runsLow, type CounterBlock } from './renewal.js';
import { load, onStoreChange, readModifyWrite, type StoreKey } from './store.js';

/** Why no code can be made offline. */
export type NoCode = 'no-certificate' | 'used-up' | 'expired' | 'not-yet-valid';

/** A counter taken for good, with the key and certificate its code is made with; or why none could be. */
export type Taken =
  | { readonly ok: true; readonly ctr: number; readonly key: WalletKey; readonly cert: Certificate }
  | { readonly ok: false; readonly why: NoCode };

/** What a tap needs, in memory: the account's key, its certificate, and the counters reserved on disk. */
interface Held {
  readonly account: string;
  readonly key: WalletKey;
  readonly cert: Certificate;
  block: CounterBlock;
}

let held: Held | undefined;
/** Bumped whenever `held` is dropped: a reservation begun before that does not install its block. */
let generation = 0;
/** While the page writes its counters back, taps wait for the next reservation. */
let givingBack = false;
/** A background reservation is queued or running: one is enough. */
let reservingAhead = false;
/** Reservations and give-backs run one at a time, in the order asked. */
let queue: Promise<unknown> = Promise.resolve();
/** The account whose counters the page keeps reserved while it is visible. */
let watched: string | undefined;

/** How often a reservation is made again when the store changed while it ran: more means the store keeps changing. */
const RESERVE_ATTEMPTS = 3;

function serial<T>(op: () => Promise<T>): Promise<T> {
  const run = queue.then(op);
  // The caller gets `run` and its failure; the queue only needs to know that it is over.
  queue = run.then(() => undefined, () => undefined);
  return run;
}

function drop(): void {
  held = undefined;
  generation += 1;
}

onStoreChange((keys, here) => {
  if (held === undefined) return;
  const { account, cert } = held;
  const stale = (key: StoreKey): boolean =>
    key === `cert:${account}` || key === `key:${account}` || (!here && key === `ctr:${cert.mediaId}`);
  if (keys.some(stale)) drop();
});

const sameCertificate = (a: Certificate, b: Certificate): boolean =>
  a.account === b.account && a.certificate === b.certificate;

const storedCertificate = (value: unknown, account: string, now: number): Certificate =>
  parseCertificate(value, account, now, 'stored certificate');

function refusal(cert: Certificate, now: number): NoCode | undefined {
  if (now >= cert.exp) return 'expired';
  if (now < cert.nbf) return 'not-yet-valid';
  return undefined;
}

/** The block this page holds for `cert`, read when a transaction decides (taps may have moved it). */
function heldFor(cert: Certificate): Held | undefined {
  return held !== undefined && sameCertificate(held.cert, cert) ? held : undefined;
}

type Reserved = { readonly cert: Certificate; readonly block: CounterBlock } | NoCode;

/**
 * Writes the mark ahead for the account's stored certificate (strict: resolves once it is on disk)
 * and holds the block; a `NoCode` when there is nothing to reserve; `'dropped'` when the store
 * changed while it ran (the mark is on disk all the same: those counters are skipped).
 */
async function reserve(account: string, now: number): Promise<NoCode | 'dropped' | undefined> {
  const start = generation;
  const outcome = await readModifyWrite<Reserved>(
    `cert:${account}`,
    (stored) => (stored === undefined ? undefined : `ctr:${storedCertificate(stored, account, now).mediaId}`),
    (stored, mark) => {
      if (stored === undefined) return { result: 'no-certificate', writes: new Map() };
      const cert = storedCertificate(stored, account, now);
      const why = refusal(cert, now);
      if (why !== undefined) return { result: why, writes: new Map() };
      const block = reserveBlock(mark, heldFor(cert)?.block, cert);
      if (block === undefined) return { result: 'used-up', writes: new Map() };
      const writes = new Map<StoreKey, unknown>(mark === block.limit ? [] : [[`ctr:${cert.mediaId}`, block.limit]]);
      return { result: { cert, block }, writes };
    },
  );
  if (typeof outcome === 'string') return outcome;
  // The key of a certificate this page holds already is held too; a new certificate's is read again.
  const key = heldFor(outcome.cert)?.key ?? (await loadKey(account));
  if (key === undefined) return 'no-certificate';
  if (generation !== start) return 'dropped';
  // Taps may have taken counters of the old block while the mark was written: never go back below them.
  const taken = heldFor(outcome.cert)?.block.next ?? outcome.block.next;
  const block = { next: Math.max(taken, outcome.block.next), limit: outcome.block.limit };
  held = { account, key, cert: outcome.cert, block };
  return undefined;
}

/** `reserve`, again while the store changed under it (a certificate saved meanwhile), a bounded number of times. */
async function reserveSteady(account: string, now: number): Promise<NoCode | 'dropped' | undefined> {
  let why: NoCode | 'dropped' | undefined = 'dropped';
  for (let attempt = 0; attempt < RESERVE_ATTEMPTS && why === 'dropped'; attempt += 1) why = await reserve(account, now);
  return why;
}

/** The next counter of the held block, or undefined when the tap must reserve first. */
function takeHeld(account: string, now: number): Taken | undefined {
  const mine = held;
  if (mine === undefined || mine.account !== account || givingBack) return undefined;
  if (mine.block.next >= mine.block.limit) return undefined;
  const why = refusal(mine.cert, now);
  if (why !== undefined) return { ok: false, why };
  const ctr = mine.block.next;
  mine.block = { next: ctr + 1, limit: mine.block.limit };
  return { ok: true, ctr, key: mine.key, cert: mine.cert };
}

/**
 * Takes the next counter for a code, for good: from memory when a block is held (the mark is on disk
 * already), else after a strict reservation. The counter is never handed out twice. Call
 * `reserveAhead` once the code is on screen, so that the block is topped up off the tap's path.
 */
export async function takeCounter(account: string, now: number): Promise<Taken> {
  const ready = takeHeld(account, now);
  if (ready !== undefined) return ready;
  const why = await serial(() => reserveSteady(account, now));
  if (why !== undefined && why !== 'dropped') return { ok: false, why };
  // Right after the reservation (nothing runs between it and this continuation but microtasks).
  const taken = why === undefined ? takeHeld(account, now) : undefined;
  if (taken === undefined) throw new Error('the wallet\'s store kept changing while a counter was reserved: tap again');
  return taken;
}

/** Reserves ahead in the background, unless the held block has enough; a failure waits for the next tap. */
export function reserveAhead(account: string): void {
  if (reservingAhead || (held?.account === account && !givingBack && !runsLow(held.block, held.cert))) return;
  reservingAhead = true;
  serial(() => reserveSteady(account, Date.now()))
    .catch((error: unknown) => {
      // The next tap reserves on its own path and shows the failure there, if it lasts.
      console.warn('counters could not be reserved ahead', error);
    })
    .finally(() => {
      reservingAhead = false;
    });
}

/** Writes the held block's next counter as the mark (relaxed: lost, it only skips) and holds none. */
function giveBack(): Promise<void> {
  return serial(async () => {
    const mine = held;
    if (mine === undefined || mine.block.next >= mine.block.limit) return;
    const start = generation;
    const key: StoreKey = `ctr:${mine.cert.mediaId}`;
    // From the moment `block` is read until the mark is written, no tap may take a counter from it.
    givingBack = true;
    try {
      const block = mine.block;
      await readModifyWrite(key, () => undefined, (stored) => {
        const mark = giveBackMark(stored, block);
        return { result: mark, writes: new Map<StoreKey, unknown>(mark === undefined ? [] : [[key, mark]]) };
      }, 'relaxed');
      if (generation === start && held === mine) mine.block = { next: block.next, limit: block.next };
    } finally {
      givingBack = false;
    }
  });
}

function onVisibility(): void {
  if (watched === undefined) return;
  if (document.visibilityState === 'visible') {
    reserveAhead(watched);
    return;
  }
  giveBack().catch((error: unknown) => {
    // The mark on disk stays where it was: the unused counters are skipped, nothing else.
    console.warn('reserved counters could not be given back', error);
  });
}

/** Keeps `account`'s counters reserved while the page is visible, and gives them back when it is hidden. */
export function holdCounters(account: string): void {
  if (watched === undefined) document.addEventListener('visibilitychange', onVisibility);
  watched = account;
  if (document.visibilityState === 'visible') reserveAhead(account);
}

/** The counter the next code takes, as far as this page knows: for the codes left and the refresh rule. */
export async function peekCounter(cert: Certificate): Promise<number> {
  const mine = heldFor(cert);
  return mine === undefined ? nextCounter(await load(`ctr:${cert.mediaId}`), cert) : mine.block.next;
}
