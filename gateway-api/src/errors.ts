import { CodedError } from '@dol/chaincode';
import { statusOf, type ProblemCode } from './error-catalogue';

/**
 * A refusal the gateway itself decides (the request, its credential, the gateway's own state),
 * answered as problem+json with its code; the HTTP status is the catalogue's (error-catalogue.ts).
 */
export class ApiError extends CodedError<ProblemCode> {
  override readonly name = 'ApiError';
  constructor(
    code: ProblemCode,
    message: string,
    /** Seconds after which the same request may succeed (sent as Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(code, message);
  }

  /** The HTTP status the catalogue gives this code. */
  get status(): number {
    return statusOf(this.code);
  }
}

export { statusOf } from './error-catalogue';
