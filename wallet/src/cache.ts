/** The last answers of the account pages, kept to show offline, marked with when they were fetched. */
import { Fields } from './fields.js';
import { load, saveOne } from './store.js';

/** An answer as it was fetched. */
export interface Cached {
  readonly at: number;
  readonly body: unknown;
}

/** The answer cached for `account` and `path`, if any. */
export async function cached(account: string, path: string): Promise<Cached | undefined> {
  const value = await load(`cache:${account}:${path}`);
  if (value === undefined) return undefined;
  const f = Fields.of(value, 'cached answer');
  return { at: f.int('at'), body: f.raw('body') };
}

/** Keeps an answer for offline use. */
export function remember(account: string, path: string, body: unknown): Promise<void> {
  return saveOne(`cache:${account}:${path}`, { at: Date.now(), body });
}

/** An answer and whether it is fresh from the gateway or the last one kept. */
export interface Answer extends Cached {
  readonly live: boolean;
}

/**
 * GETs `path` and keeps the answer; with no network, the last answer kept (marked not live).
 * Refusals are thrown, never covered by an old answer.
 */
export async function fetchOrCached(get: (path: string) => Promise<unknown>, account: string, path: string, isOffline: (error: unknown) => boolean): Promise<Answer> {
  try {
    const body = await get(path);
    await remember(account, path, body);
    return { at: Date.now(), body, live: true };
  } catch (error) {
    if (!isOffline(error)) throw error;
    const last = await cached(account, path);
    if (last === undefined) throw error;
    return { ...last, live: false };
  }
}
