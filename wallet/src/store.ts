/**
 * The wallet's IndexedDB (never localStorage): the session token, the key pair (CryptoKey objects,
 * the private one not extractable), the certificate, the counters reserved per medium, and the last
 * answers of the account pages. One key-value object store, so that a counter and the certificate
 * it belongs to are read and written in one transaction. Writes ask for strict durability (a
 * reserved counter is on disk before a code that uses it is shown) unless they only give back.
 * Every committed write is announced to this page's listeners and, through a BroadcastChannel, to
 * the wallet's other tabs, so that what a page holds in memory follows what is on disk.
 */

const DB_NAME = 'dol-wallet';
const DB_VERSION = 1;
const STORE = 'kv';

/** The keys the wallet stores under. */
export type StoreKey =
  | 'session'
  | `key:${string}`
  | `cert:${string}`
  | `ctr:${string}`
  | `cache:${string}`;

let database: Promise<IDBDatabase> | undefined;

/** Hears the keys a committed transaction wrote; `here`: written by this page, not another tab. */
export type StoreListener = (keys: readonly StoreKey[], here: boolean) => void;

const listeners = new Set<StoreListener>();
/** The wallet's other tabs (same origin, same database); absent where the browser has no BroadcastChannel. */
const otherTabs = typeof BroadcastChannel === 'function' ? new BroadcastChannel(`${DB_NAME}-changes`) : undefined;

/** Calls `listener` after every committed write, of this page or of another tab. */
export function onStoreChange(listener: StoreListener): void {
  listeners.add(listener);
}

function announce(keys: readonly StoreKey[], here: boolean): void {
  if (keys.length === 0) return;
  for (const listener of listeners) listener(keys, here);
  if (here) otherTabs?.postMessage(keys);
}

if (otherTabs !== undefined) {
  otherTabs.onmessage = (event: MessageEvent<unknown>) => {
    const keys: unknown = event.data;
    // Only strings cross: a message is another tab's list of keys, nothing else is acted on.
    if (Array.isArray(keys)) announce(keys.filter((k): k is StoreKey => typeof k === 'string'), false);
  };
}

/** The request's result once it succeeds. */
function settle<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => {
      resolve(request.result);
    };
    request.onerror = () => {
      reject(request.error ?? new Error('IndexedDB request failed'));
    };
  });
}

/** Resolves when the transaction has committed (with strict durability: on disk). */
function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => {
      resolve();
    };
    tx.onerror = () => {
      reject(tx.error ?? new Error('IndexedDB transaction failed'));
    };
    tx.onabort = () => {
      reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    };
  });
}

function open(): Promise<IDBDatabase> {
  database ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE);
    };
    request.onsuccess = () => {
      resolve(request.result);
    };
    request.onerror = () => {
      database = undefined;
      reject(request.error ?? new Error('IndexedDB could not be opened'));
    };
  });
  return database;
}

/** The value stored under `key` (structured clone: CryptoKeys come back as CryptoKeys), or undefined. */
export async function load(key: StoreKey): Promise<unknown> {
  const db = await open();
  const value: unknown = await settle(db.transaction(STORE, 'readonly').objectStore(STORE).get(key));
  return value;
}

/** Stores values (undefined deletes) in one transaction and waits until it has committed. */
export async function save(entries: ReadonlyMap<StoreKey, unknown>): Promise<void> {
  const db = await open();
  const tx = db.transaction(STORE, 'readwrite', { durability: 'strict' });
  const store = tx.objectStore(STORE);
  for (const [key, value] of entries) {
    if (value === undefined) store.delete(key);
    else store.put(value, key);
  }
  await committed(tx);
  announce([...entries.keys()], true);
}

/** Stores one value and waits until it has committed. */
export function saveOne(key: StoreKey, value: unknown): Promise<void> {
  return save(new Map([[key, value]]));
}

/** Deletes keys in one transaction. */
export function remove(...keys: StoreKey[]): Promise<void> {
  return save(new Map(keys.map((k) => [k, undefined])));
}

/** Every key that starts with `prefix` (the cached answers of an account). */
export async function keysWith(prefix: string): Promise<StoreKey[]> {
  const db = await open();
  const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
  const keys = await settle(db.transaction(STORE, 'readonly').objectStore(STORE).getAllKeys(range));
  return keys.filter((k): k is StoreKey => typeof k === 'string');
}

/**
 * Reads `first`, then the key `next` names from it, and writes what `decide` returns, all in one
 * read-write transaction (so two tabs cannot reserve the same counters), and resolves with the
 * decision once the write has committed. Callbacks, not awaits, inside: a transaction commits itself
 * as soon as no request is pending, so nothing may wait on anything else while it is open.
 * `relaxed` only for a write that may be lost without harm (one that gives reserved counters back).
 */
export async function readModifyWrite<T>(
  first: StoreKey,
  next: (firstValue: unknown) => StoreKey | undefined,
  decide: (firstValue: unknown, nextValue: unknown) => { result: T; writes: ReadonlyMap<StoreKey, unknown> },
  durability: 'strict' | 'relaxed' = 'strict',
): Promise<T> {
  const db = await open();
  const tx = db.transaction(STORE, 'readwrite', { durability });
  const store = tx.objectStore(STORE);
  const done = committed(tx);
  const state: { outcome?: { result: T; keys: StoreKey[] }; failure?: { error: unknown } } = {};
  const finish = (firstValue: unknown, nextValue: unknown): void => {
    try {
      const decision = decide(firstValue, nextValue);
      for (const [key, value] of decision.writes) store.put(value, key);
      state.outcome = { result: decision.result, keys: [...decision.writes.keys()] };
    } catch (error) {
      state.failure = { error };
      tx.abort();
    }
  };
  const firstRequest = store.get(first);
  firstRequest.onsuccess = () => {
    const firstValue: unknown = firstRequest.result;
    let nextKey: StoreKey | undefined;
    try {
      nextKey = next(firstValue);
    } catch (error) {
      state.failure = { error };
      tx.abort();
      return;
    }
    if (nextKey === undefined) {
      finish(firstValue, undefined);
      return;
    }
    const nextRequest = store.get(nextKey);
    nextRequest.onsuccess = () => {
      finish(firstValue, nextRequest.result);
    };
  };
  try {
    await done;
  } catch (error) {
    throw state.failure === undefined ? error : state.failure.error;
  }
  if (state.outcome === undefined) throw new Error('the transaction committed without a decision');
  announce(state.outcome.keys, true);
  return state.outcome.result;
}
