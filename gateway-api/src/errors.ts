import type { ProblemCode } from './error-catalogue';

/** An error the HTTP layer turns into a problem+json response with a stable code from the catalogue. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ProblemCode,
    message: string,
  ) {
    super(message);
  }
}

export { statusOf } from './error-catalogue';
