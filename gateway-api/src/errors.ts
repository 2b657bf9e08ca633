import type { ProblemCode } from './error-catalogue';

/** An error the HTTP layer turns into a problem+json response with a stable code from the catalogue. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ProblemCode,
    message: string,
    /** Seconds after which the same request may succeed (sent as Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export { statusOf } from './error-catalogue';
