/**
 * Every thrown error as the API answers it: status, stable code, and a detail for people. The one
 * place an error becomes an HTTP answer: the status is the error catalogue's for the code
 * (statusOf), never the thrower's.
 */
import { z } from 'zod';
import { CodedError, DomainError } from '@dol/chaincode';
import { ApiError } from '../errors';
import { statusOf } from '../error-catalogue';
import { LedgerError, refusalDetail } from '../ledger/ledger-port';

/** What a problem+json answer says: the catalogue's status for the code, the code, a detail for people. */
export interface ErrorInfo {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly retryAfterSeconds?: number;
}

/** Turns a thrown error into (status, code, detail); undefined for an error of no code (a defect, or a client fault Express raised). */
export function errorInfo(error: unknown): ErrorInfo | undefined {
  const described = describe(error);
  return described === undefined ? undefined : { status: statusOf(described.code), ...described };
}

/** Any other error of the family: its code (`instanceof` alone would leave the code's type open). */
const isCoded = (error: unknown): error is CodedError => error instanceof CodedError;

/** The code and detail of an error of the family (CodedError) or of a request that failed its schema. */
function describe(error: unknown): Omit<ErrorInfo, 'status'> | undefined {
  if (error instanceof ApiError) return { code: error.code, detail: error.message, ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }) };
  if (error instanceof DomainError) return { code: error.code, detail: withoutCodes(error.message, error.code) };
  if (error instanceof z.ZodError) {
    const first = error.issues[0];
    return { code: first === undefined ? 'INVALID_FIELD' : codeOfIssue(first), detail: error.issues.map((i) => `${i.path.join('.') || 'body'}: ${issueDetail(i)}`).join('; ') };
  }
  if (error instanceof LedgerError) {
    if (error.failure === 'refused') return { code: error.code, detail: error.reported === undefined ? error.message : withoutCodes(refusalDetail(error.message, error.reported), error.reported) };
    // The ledger answered, but a concurrent transaction kept invalidating this one (MVCC) through
    // every re-endorsement: contention, not an outage. Nothing was written; a retry will pass.
    if (error.code === 'CONTENTION') return { code: error.code, detail: `a concurrent transaction kept changing the same state (${error.reported ?? ''}); nothing was written, retry in a moment`, retryAfterSeconds: 1 };
    return { code: error.code, detail: error.message };
  }
  if (isCoded(error)) return { code: error.code, detail: error.message };
  return undefined;
}

/** The domain code a request-shape fault gets, the same as the ledger's parsers give it. */
export function codeOfIssue(issue: z.core.$ZodIssue): string {
  const params: unknown = issue.code === 'custom' ? issue.params : undefined;
  const code: unknown = typeof params === 'object' && params !== null ? Reflect.get(params, 'code') : undefined;
  if (typeof code === 'string') return code;
  const named = /^([A-Z][A-Z0-9_]{2,40}): /.exec(issue.message);
  if (named?.[1] !== undefined) return named[1];
  if (issue.code === 'invalid_type') return issue.message.endsWith('received undefined') ? 'MISSING_FIELD' : 'WRONG_TYPE';
  const closed = closedSetOf(issue);
  if (closed !== undefined) return closedSetCode(closed);
  if (issue.code === 'unrecognized_keys') return 'UNKNOWN_FIELD';
  return 'INVALID_FIELD';
}

/**
 * A field limited to a set of values (z.enum, a union of z.literal) and what was sent, when the
 * parse reported its input (`reportInput`, as app.ts parses bodies and queries): zod says "Invalid
 * option" alike for a missing field, a number and a string outside the set, where every other field
 * tells them apart (MISSING_FIELD, WRONG_TYPE, INVALID_FIELD).
 */
function closedSetOf(issue: z.core.$ZodIssue): { input: unknown; values: readonly unknown[] } | undefined {
  if (!('input' in issue)) return undefined;
  if (issue.code === 'invalid_value') return { input: issue.input, values: issue.values };
  if (issue.code !== 'invalid_union') return undefined;
  const branches = issue.errors.flat();
  if (branches.length === 0 || !branches.every((b) => b.code === 'invalid_value' && b.path.length === 0)) return undefined;
  return { input: issue.input, values: branches.flatMap((b) => (b.code === 'invalid_value' ? b.values : [])) };
}

/** A value's JSON type, as WRONG_TYPE means it. */
const jsonType = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Missing, of a JSON type none of the values has, or a value of the right type outside the set. */
function closedSetCode({ input, values }: { input: unknown; values: readonly unknown[] }): 'MISSING_FIELD' | 'WRONG_TYPE' | 'INVALID_FIELD' {
  if (input === undefined) return 'MISSING_FIELD';
  return values.some((v) => jsonType(v) === jsonType(input)) ? 'INVALID_FIELD' : 'WRONG_TYPE';
}

/** An issue in words, without a leading code; a closed set's issue says which of the three faults it is. */
function issueDetail(issue: z.core.$ZodIssue): string {
  const closed = closedSetOf(issue);
  if (closed === undefined) return issue.message.replace(/^[A-Z][A-Z0-9_]{2,40}: /, '');
  const expected = `one of ${closed.values.map((v) => JSON.stringify(v)).join(', ')}`;
  switch (closedSetCode(closed)) {
    case 'MISSING_FIELD': return `missing; expected ${expected}`;
    case 'WRONG_TYPE': return `expected ${expected}, received ${jsonType(closed.input)}`;
    case 'INVALID_FIELD': return `expected ${expected}`;
  }
}

/**
 * A problem's detail is for people, its code for programs: the domain message without the leading
 * code (`INVALID_KEY: ...`), and a nested code (`INVALID_KEY: UNKNOWN_FIELD: crv2 ...`) as words.
 */
export function withoutCodes(message: string, code: string): string {
  const rest = message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message;
  return rest.replace(/(^|: )([A-Z][A-Z0-9_]{2,40}): /g, (_m, before: string, inner: string) => `${before}${inner.toLowerCase().replace(/_/g, ' ')}: `);
}
