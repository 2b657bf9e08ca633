import type { Response } from 'express';

/** RFC 9457 problem details, with our stable `code`. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly instance: string;
}

/** Writes a problem+json response. */
export function sendProblem(res: Response, status: number, code: string, detail: string, requestId: string): void {
  const body: Problem = { type: `urn:dol:problem:${code}`, title: code.replace(/_/g, ' ').toLowerCase(), status, code, detail, instance: requestId };
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
}
