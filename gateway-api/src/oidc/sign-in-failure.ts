/** Why a sign-in through the campus's OpenID Connect provider ended without a session, and how the API answers it. */
import { assertNever } from '@dol/chaincode';
import { ApiError } from '../errors';

/**
 * Why a sign-in failed. The callback hands the reason to the wallet in its URL fragment beside the
 * problem code; the wallet words each reason itself (it never shows text taken from a URL).
 */
export type SignInFailureReason =
  /** No sign-in cookie: none was started in this browser, it expired (10 minutes), or it was altered. */
  | 'not-started'
  /** The answer's state is not the one this browser's sign-in sent (a forged or crossed answer). */
  | 'state'
  /** This answer was used already. */
  | 'replayed'
  /** The provider answered with an error: the student cancelled, or the provider refused. */
  | 'denied'
  /** The code exchange or the ID token did not verify (issuer, audience, signature, nonce, PKCE). */
  | 'rejected'
  /** The provider vouched for someone, but its answer names no valid account id in the configured claim. */
  | 'claim'
  /** The ledger knows no such account. */
  | 'unknown-account'
  /** The provider could not be reached or answered nothing usable. */
  | 'provider'
  /** The ledger did not answer. */
  | 'ledger';

/** Every reason, for the parsers on both sides. */
export const SIGN_IN_FAILURE_REASONS: readonly SignInFailureReason[] = [
  'not-started', 'state', 'replayed', 'denied', 'rejected', 'claim', 'unknown-account', 'provider', 'ledger',
];

/** A sign-in that ended without a session; `cause` keeps the library's error for the log. */
export class SignInFailure extends Error {
  override readonly name = 'SignInFailure';
  constructor(readonly reason: SignInFailureReason, options?: { cause?: unknown }) {
    super(`OpenID Connect sign-in failed: ${reason}`, options);
  }
}

/** The API's answer to a failed sign-in: its status and catalogue code, and a detail for people. */
export function refusalOf(reason: SignInFailureReason): ApiError {
  switch (reason) {
    case 'not-started':
      return new ApiError('UNAUTHENTICATED', 'no sign-in was started in this browser, or it is over 10 minutes old');
    case 'state':
      return new ApiError('UNAUTHENTICATED', 'the provider\'s answer is not for the sign-in this browser started');
    case 'replayed':
      return new ApiError('UNAUTHENTICATED', 'this sign-in answer was used already: sign in again');
    case 'denied':
      return new ApiError('ACCESS_DENIED', 'the campus sign-in did not sign you in (cancelled or refused)');
    case 'rejected':
      return new ApiError('UNAUTHENTICATED', 'the campus sign-in\'s answer did not verify: sign in again');
    case 'claim':
      return new ApiError('ACCESS_DENIED', 'the campus sign-in names no student account for you');
    case 'unknown-account':
      return new ApiError('NOT_FOUND', 'no wallet account is open for you yet: ask the card office');
    case 'provider':
      return new ApiError('SIGN_IN_PROVIDER_UNAVAILABLE', 'the campus sign-in could not be reached: try again later');
    case 'ledger':
      return new ApiError('LEDGER_UNAVAILABLE', 'the ledger did not answer: try again later');
    default:
      return assertNever(reason);
  }
}
