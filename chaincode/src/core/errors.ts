/**
 * The one error type of the domain core. Its message starts with the code (`BAD_SIGNATURE: ...`)
 * because only the message crosses Fabric's wire.
 */

/** Codes for input that is malformed: the whole artefact is refused. */
export const STRUCTURAL_CODES = [
  'INVALID_UTF8',
  'MALFORMED_JSON',
  'INVALID_NUMBER',
  'INTEGER_OUT_OF_RANGE',
  'DUPLICATE_KEY',
  'FORBIDDEN_KEY',
  'TOO_DEEP',
  'MALFORMED_JWS',
  'JWS_TOO_LARGE',
  'UNSUPPORTED_ALG',
  'BAD_SIGNATURE',
  'INVALID_KEY',
  'INVALID_FIELD',
  'MISSING_FIELD',
  'UNKNOWN_FIELD',
  'INVALID_AMOUNT',
  'AMOUNT_OUT_OF_RANGE',
  'WRONG_TYPE',
  'UNSUPPORTED_VERSION',
  'BATCH_TOO_LARGE',
  'RECORDS_OUT_OF_SEQUENCE',
  'TERMINAL_MISMATCH',
  'KID_MISMATCH',
] as const;

/** Reasons a single sale record is `rejected` (DESIGN §5): the terminal should have refused it. */
export const REJECT_REASONS = [
  'MALFORMED_CREDENTIAL',
  'UNKNOWN_ISSUER',
  'ISSUER_REVOKED',
  'ISSUER_NOT_VALID',
  'BAD_CERT_SIGNATURE',
  'BAD_PAYER_SIGNATURE',
  'CERT_NOT_YET_VALID',
  'CERT_EXPIRED',
  'MEDIUM_MISMATCH',
  'MEDIA_MISMATCH',
  'STALE_CODE',
  'CODE_FROM_FUTURE',
  'TAP_AMOUNT_MISMATCH',
  'TAP_TERMINAL_MISMATCH',
  'OVER_CAP',
  'COUNTER_OUT_OF_RANGE',
  'FACE_SCORE_LOW',
  'FUTURE_TIMESTAMP',
  'TENDER_MISMATCH',
  'PURSE_SALE_MISMATCH',
  'PURSE_BALANCE_INVALID',
] as const;

/** Codes of the ledger's own checks (settlement, registries, access): the call is refused, nothing written. */
export const LEDGER_CODES = [
  'UNKNOWN_TERMINAL',
  'TERMINAL_REVOKED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'ACCESS_DENIED',
  'ACCOUNT_CLOSED',
  'WRONG_ACCOUNT_STATE',
  'FOUR_EYES_REQUIRED',
  'IDEMPOTENCY_CONFLICT',
  'RUN_TOO_LARGE',
  // The issuing side (docs/wallet.md): why a certificate, an agreement or a loss report is refused.
  'NO_AGREEMENT',
  'AGREEMENT_OUTDATED',
  'ACCOUNT_DENIED',
  'ADVANCE_OVERDUE',
  'TOO_MANY_CERTIFICATES',
  'INSUFFICIENT_ALLOWANCE',
  'COUNTER_RANGE_OVERLAP',
  'MEDIUM_LOST',
  'MEDIUM_OF_ANOTHER_ACCOUNT',
  'STALE_REQUEST',
  'INSUFFICIENT_FUNDS',
] as const;

/** Per-record reasons that need the ledger's state, beside the protocol's stateless REJECT_REASONS. */
export const LEDGER_REJECT_REASONS = ['DENY_LISTED', 'UNKNOWN_ACCOUNT', 'POINTS_NOT_REDEEMABLE'] as const;

export type StructuralCode = (typeof STRUCTURAL_CODES)[number];
export type LedgerCode = (typeof LEDGER_CODES)[number];
export type LedgerRejectReason = (typeof LEDGER_REJECT_REASONS)[number];
export type RejectReason = (typeof REJECT_REASONS)[number];
export type ErrorCode = StructuralCode | RejectReason | LedgerCode | LedgerRejectReason;

/** Optional, typed context of an error: which field, and a short machine-readable hint. */
export interface ErrorDetails {
  readonly field?: string;
  readonly limit?: string;
}

/**
 * The base of the product's errors, as fabric-gateway's GatewayError is of its own: each carries a
 * stable code of the error catalogue (docs/errors.md; the edge's codes in docs/edge.md), and that
 * code alone decides how it is answered (at the gateway, its HTTP status, from the catalogue). A
 * subclass per layer, where callers must tell them apart: DomainError (here), LedgerError and
 * ApiError (the gateway), EdgeFault (the edge).
 */
export class CodedError<C extends string = string> extends Error {
  override name = 'CodedError';

  constructor(
    readonly code: C,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A domain failure with a stable code. */
export class DomainError extends CodedError<ErrorCode> {
  override readonly name = 'DomainError';

  constructor(
    code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(code, `${code}: ${message}`);
  }
}

const REJECT_SET: ReadonlySet<string> = new Set(REJECT_REASONS);

/** True when the code is a per-record rejection reason rather than a structural failure. */
export function isRejectReason(code: string): code is RejectReason {
  return REJECT_SET.has(code);
}

/** Exhaustiveness guard for closed unions. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
