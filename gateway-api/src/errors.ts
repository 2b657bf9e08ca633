/** Codes the gateway itself adds to the chaincode's (DomainError) codes. */
export type GatewayCode = 'UNAUTHENTICATED' | 'ACCESS_DENIED' | 'NOT_FOUND' | 'INVALID_REQUEST' | 'LEDGER_UNAVAILABLE' | 'INTERNAL';

/** An error the HTTP layer turns into a problem+json response with a stable code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const STATUS: Readonly<Record<string, number>> = {
  UNAUTHENTICATED: 401,
  ACCESS_DENIED: 403,
  TERMINAL_REVOKED: 403,
  NOT_FOUND: 404,
  UNKNOWN_TERMINAL: 404,
  ALREADY_EXISTS: 409,
  ACCOUNT_CLOSED: 409,
  JWS_TOO_LARGE: 413,
  BATCH_TOO_LARGE: 413,
  BAD_SIGNATURE: 422,
  KID_MISMATCH: 422,
  LEDGER_UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** HTTP status for a domain or gateway code: unknown input codes are 400. */
export function statusOf(code: string): number {
  return STATUS[code] ?? 400;
}
