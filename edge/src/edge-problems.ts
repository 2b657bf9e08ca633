import { CodedError, DomainError, type ErrorCode } from '@dol/chaincode';
import type { ApprovalAnswer } from './edge-node';

/** The edge's own codes (docs/edge.md, "API"): an approval refused, and the edge's door. */
export type EdgeCode = Exclude<ApprovalAnswer, { ok: true }>['code'] | 'NOT_SYNCED' | 'NOT_FOUND' | 'BODY_TOO_LARGE' | 'INTERNAL';

/**
 * The edge's error catalogue: the HTTP status of each of its codes, the only place the edge takes
 * one from. `Record<EdgeCode, ...>` makes the compiler refuse a code without its status.
 */
export const EDGE_PROBLEMS: Readonly<Record<EdgeCode, number>> = {
  INVALID_REQUEST: 400,
  UNAUTHENTICATED: 401,
  NOT_SITE_TERMINAL: 403,
  ALREADY_USED: 409,
  OVER_SLICE: 409,
  DENY_LISTED: 409,
  NOT_FOUND: 404,
  BODY_TOO_LARGE: 413,
  NOT_SYNCED: 503,
  INTERNAL: 500,
};

/** The edge's status for a code: its own codes from EDGE_PROBLEMS; the domain core's (a malformed body or batch) are 400. */
export function edgeStatusOf(code: EdgeCode | ErrorCode): number {
  return Object.hasOwn(EDGE_PROBLEMS, code) ? EDGE_PROBLEMS[code as EdgeCode] : 400;
}

/**
 * A refusal of the edge's API, answered as problem+json with its code and detail (its status from
 * edgeStatusOf): the edge's member of the error family (CodedError).
 */
export class EdgeFault extends CodedError<EdgeCode | ErrorCode> {
  override readonly name = 'EdgeFault';

  /** The domain core's failure, with the domain's code and its words without the code. */
  static of(error: DomainError): EdgeFault {
    return new EdgeFault(error.code, error.message.startsWith(`${error.code}: `) ? error.message.slice(error.code.length + 2) : error.message, { cause: error });
  }

  get status(): number {
    return edgeStatusOf(this.code);
  }
}

/** RFC 9457 problem details as the edge answers them, with the stable `code` a terminal reads. */
export interface EdgeProblem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
}

/** The problem+json body of a fault. */
export function problemOf(fault: EdgeFault): EdgeProblem {
  return { type: `urn:dol:problem:${fault.code}`, title: fault.code.replace(/_/g, ' ').toLowerCase(), status: fault.status, code: fault.code, detail: fault.message };
}
