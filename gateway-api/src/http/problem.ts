import type { Response } from 'express';
import { statusOf } from '../error-catalogue';

/** RFC 9457 problem details, with our stable `code`. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly instance: string;
}

/**
 * Writes a problem+json response. Its status is the error catalogue's for the code (statusOf), the
 * only place the gateway takes one from; a code outside the catalogue is a defect, answered 500
 * (test/error-catalogue.test.ts fails on any line that can emit one).
 */
export function sendProblem(res: Response, code: string, detail: string, requestId: string): void {
  const status = statusOf(code);
  const body: Problem = { type: `urn:dol:problem:${code}`, title: code.replace(/_/g, ' ').toLowerCase(), status, code, detail, instance: requestId };
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
}
