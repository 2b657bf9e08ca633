/**
 * Many students' phones calling the gateway at once, in a worker thread of its own: a benchmark of
 * the centre must not spend the centre's thread on its clients (the phones are not the server).
 * `callAll` runs the calls with at most `concurrency` in flight and answers each call's status and
 * body, in order; progress is reported as calls finish.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fetchRetryingResets } from '@dol/scripts';

/** One HTTP call a phone makes. */
export interface ClientCall {
  readonly method: string;
  readonly path: string;
  readonly token: string;
  readonly body?: unknown;
}

/** What the gateway answered. */
export interface ClientAnswer {
  readonly status: number;
  readonly body: unknown;
}

interface Job { readonly url: string; readonly concurrency: number; readonly calls: readonly ClientCall[] }
type Message = { readonly done: number } | { readonly answers: readonly ClientAnswer[]; readonly resets: number } | { readonly error: string };

/** Runs `calls` against `url` from a worker thread; `progress` sees how many finished. */
export function callAll(url: string, calls: readonly ClientCall[], concurrency: number, progress?: (done: number) => void): Promise<{ answers: ClientAnswer[]; resets: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { url, concurrency, calls } satisfies Job });
    let settled = false;
    // Done, the thread goes with its connections: a gateway closing after a failed phase must not wait for them.
    const finish = (then: () => void): void => {
      settled = true;
      void worker.terminate().then(then);
    };
    worker.on('message', (m: Message) => {
      if ('done' in m) progress?.(m.done);
      else if ('answers' in m) finish(() => {
        resolve({ answers: [...m.answers], resets: m.resets });
      });
      else finish(() => {
        reject(new Error(m.error));
      });
    });
    worker.on('error', (e: Error) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the client thread stopped with code ${code} before answering`));
    });
  });
}

/** Connection resets the phones met and retried (the gateway closing a kept-alive connection as a phone reused it). */
let resets = 0;

/** One call; a connection closed under it before any answer is tried again on a new one, as a phone's app would. Any answer, whatever its status, is final. */
async function callOnce(url: string, c: ClientCall): Promise<ClientAnswer> {
  const res = await fetchRetryingResets(`${url}${c.path}`, {
    method: c.method, headers: { authorization: `Bearer ${c.token}`, ...(c.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(c.body === undefined ? {} : { body: JSON.stringify(c.body) }),
  }, () => {
    resets += 1;
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) as unknown };
}

async function work(job: Job): Promise<void> {
  const answers: ClientAnswer[] = new Array<ClientAnswer>(job.calls.length);
  let next = 0;
  let done = 0;
  let reported = 0;
  await Promise.all(Array.from({ length: Math.min(job.concurrency, job.calls.length) }, async () => {
    while (next < job.calls.length) {
      const i = next++;
      const c = job.calls[i] as ClientCall;
      answers[i] = await callOnce(job.url, c);
      done += 1;
      if (done - reported >= 100 || done === job.calls.length) {
        reported = done;
        parentPort?.postMessage({ done } satisfies Message);
      }
    }
  }));
  parentPort?.postMessage({ answers, resets } satisfies Message);
}

if (!isMainThread && parentPort !== null) {
  work(workerData as Job).catch((error: unknown) => {
    // fetch's own message is "fetch failed"; the reason is its cause.
    const cause: unknown = error instanceof Error ? error.cause : undefined;
    const why = cause instanceof Error ? `${cause.message}${'code' in cause ? ` (${String(cause.code)})` : ''}` : '';
    parentPort?.postMessage({ error: `${error instanceof Error ? error.message : String(error)}${why === '' ? '' : `: ${why}`}` } satisfies Message);
  });
}
