/** The gateway's API as the wallet calls it: same origin, JSON, the student's bearer token. */
import { parseJson } from './fields.js';
import { OfflineError, ProblemError, problemOf } from './problem.js';

type Method = 'GET' | 'POST' | 'DELETE';

/** Calls the API; a refusal throws `ProblemError`, no network throws `OfflineError`. */
export async function call(method: Method, path: string, token: string | undefined, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, cache: 'no-store', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (error) {
    throw new OfflineError(`the gateway could not be reached (${error instanceof Error ? error.message : String(error)})`);
  }
  const text = await res.text();
  let parsed: unknown = null;
  if (text !== '') {
    try {
      parsed = parseJson(text);
    } catch {
      parsed = null;
    }
  }
  if (!res.ok) throw new ProblemError(problemOf(res.status, parsed));
  return parsed;
}

/** The API with one student's token. */
export class StudentApi {
  constructor(private readonly token: string) {}

  /** GET with the token. */
  get(path: string): Promise<unknown> {
    return call('GET', path, this.token);
  }

  /** POST a JSON body with the token. */
  post(path: string, body: unknown = {}): Promise<unknown> {
    return call('POST', path, this.token, body);
  }

  /** DELETE with the token. */
  delete(path: string): Promise<unknown> {
    return call('DELETE', path, this.token);
  }
}
