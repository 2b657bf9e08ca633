import { isJsonObject } from '@dol/chaincode';
import { TerminalRequestError, refusalOf, refusalText, type Refusal } from './refusal';

/** Where batches go: the centre's gateway, or the site's edge (store and forward); both speak `POST /v1/batches`. */
export interface UploadTarget {
  readonly url: string;
  /** The terminal's bearer token, for reading outcomes back (uploads authenticate by their signature). */
  readonly token?: string;
}

/** What an upload came to: accepted with a receipt, or refused with the centre's or edge's code and detail. */
export type UploadResult =
  | { readonly kind: 'accepted'; readonly receipt: string; readonly status: number }
  | ({ readonly kind: 'refused' } & Refusal);

/** Backoff between attempts: doubling from `baseMs` to `maxMs`, with jitter so a site's terminals do not retry in step. */
export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Gives up after this many attempts (the batch stays in the journal for the next round). */
  readonly attempts: number;
}

/** The default: 200 ms, doubling to 30 s, 8 attempts. */
export const DEFAULT_BACKOFF: Backoff = { baseMs: 200, maxMs: 30_000, attempts: 8 };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Uploads one sealed batch: a network failure, 429 or 5xx is retried with backoff (the same bytes
 * again are answered with the same receipt, and the ledger settles a batch once); a 4xx refusal is
 * final and returned with its catalogue code and detail. Throws a TerminalRequestError, with the last
 * answer's code and detail, when every attempt failed.
 */
export async function uploadBatch(target: UploadTarget, jws: string, backoff: Backoff = DEFAULT_BACKOFF): Promise<UploadResult> {
  let last = '';
  let lastRefusal: Refusal | undefined;
  for (let attempt = 0; attempt < backoff.attempts; attempt++) {
    if (attempt > 0) {
      const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (attempt - 1));
      await sleep(ceiling / 2 + Math.random() * (ceiling / 2));
    }
    try {
      const response = await fetch(`${target.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ batch: jws }), signal: AbortSignal.timeout(30_000) });
      const body: unknown = await response.json().catch(() => null);
      if ((response.status === 200 || response.status === 202) && isJsonObject(body) && typeof body.receipt === 'string') return { kind: 'accepted', receipt: body.receipt, status: response.status };
      const refusal = refusalOf(response.status, body);
      if (response.status === 429 || response.status >= 500) {
        lastRefusal = refusal;
        last = refusalText(refusal);
        continue;
      }
      return { kind: 'refused', ...refusal };
    } catch (error) {
      lastRefusal = undefined;
      last = error instanceof Error ? error.message : String(error);
    }
  }
  throw new TerminalRequestError(`upload failed after ${backoff.attempts} attempts: ${last}`, lastRefusal);
}

/** A batch's state at the centre: `pending` until settled, then its per-record outcomes. */
export interface BatchOutcome {
  readonly status: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly outcomes: readonly unknown[];
}

/** Reads a batch's outcomes back with the terminal's token (`GET /v1/batches/{receipt}`); a refusal throws a TerminalRequestError with its code and detail. */
export async function readOutcome(target: UploadTarget, receipt: string): Promise<BatchOutcome> {
  const response = await fetch(`${target.url}/v1/batches/${receipt}`, { headers: target.token === undefined ? {} : { authorization: `Bearer ${target.token}` }, signal: AbortSignal.timeout(30_000) });
  const body: unknown = await response.json().catch(() => null);
  if (response.status !== 200 || !isJsonObject(body)) {
    const refusal = refusalOf(response.status, body);
    throw new TerminalRequestError(`reading batch ${receipt}: ${refusalText(refusal)}`, refusal);
  }
  const result = isJsonObject(body.result) ? body.result : {};
  const counts: Record<string, number> = {};
  if (isJsonObject(result.counts)) for (const [k, v] of Object.entries(result.counts)) if (typeof v === 'number') counts[k] = v;
  return { status: typeof body.status === 'string' ? body.status : 'unknown', counts, outcomes: Array.isArray(result.outcomes) ? result.outcomes : [] };
}
