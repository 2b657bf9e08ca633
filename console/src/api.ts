/** The gateway API as the console uses it: same origin, the user's bearer credential. */

/** An RFC 9457 problem the API answered. */
export interface Problem {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly instance?: string;
}

/** A refusal: shown to the user with the API's own code and detail. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.code}: ${problem.detail}`);
  }
}

/** Who is signed in, as GET /v1/whoami says. */
export interface Me {
  readonly role: 'admin' | 'operator' | 'finance' | 'registrar' | 'auditor' | 'terminal';
  readonly subject: string;
  readonly campusTimeZone: string;
  readonly ledger: string;
  readonly notice?: string;
}

const ROLES: readonly Me['role'][] = ['admin', 'operator', 'finance', 'registrar', 'auditor', 'terminal'];
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function problemOf(status: number, body: unknown): Problem {
  if (isRecord(body) && typeof body.code === 'string' && typeof body.detail === 'string') {
    return { status, code: body.code, detail: body.detail, ...(typeof body.instance === 'string' ? { instance: body.instance } : {}) };
  }
  return { status, code: 'HTTP_' + String(status), detail: 'the gateway answered without a problem detail' };
}

export class Api {
  constructor(private readonly token: string) {}

  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed: unknown = text === '' ? null : JSON.parse(text);
    if (!res.ok) throw new ProblemError(problemOf(res.status, parsed));
    return parsed;
  }

  /** The answer as a file (the CSV views): its text, or the API's problem. */
  async file(path: string): Promise<string> {
    const res = await fetch(path, { headers: { authorization: `Bearer ${this.token}` } });
    const body = await res.text();
    if (!res.ok) throw new ProblemError(problemOf(res.status, body === '' ? null : JSON.parse(body)));
    return body;
  }

  get(path: string): Promise<unknown> {
    return this.call('GET', path);
  }

  post(path: string, body?: unknown): Promise<unknown> {
    return this.call('POST', path, body ?? {});
  }

  /** Replaces what is at `path` (the agreement text): the answer, or the API's problem. */
  put(path: string, body: unknown): Promise<unknown> {
    return this.call('PUT', path, body);
  }

  async me(): Promise<Me> {
    const me = await this.get('/v1/whoami');
    const role = ROLES.find((r) => r === text(me, 'role'));
    if (role === undefined) throw new Error('whoami answered no role');
    const notice = text(me, 'notice');
    return { role, subject: text(me, 'subject'), campusTimeZone: text(me, 'campusTimeZone') || 'UTC', ledger: text(me, 'ledger'), ...(notice === '' ? {} : { notice }) };
  }
}

/** Reads a field of an API answer as text ('' when absent). */
export const text = (v: unknown, key: string): string => {
  const x = isRecord(v) ? v[key] : undefined;
  return typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : '';
};

/** Reads a field of an API answer as a number (NaN when absent). */
export const num = (v: unknown, key: string): number => {
  const x = isRecord(v) ? v[key] : undefined;
  return typeof x === 'number' ? x : Number.NaN;
};

/** Reads a field as a list (empty when absent). */
export const list = (v: unknown, key?: string): unknown[] => {
  const x = key === undefined ? v : isRecord(v) ? v[key] : undefined;
  return Array.isArray(x) ? x : [];
};

/** Reads a field as an object (empty when absent). */
export const obj = (v: unknown, key: string): Record<string, unknown> => {
  const x = isRecord(v) ? v[key] : undefined;
  return isRecord(x) ? x : {};
};
