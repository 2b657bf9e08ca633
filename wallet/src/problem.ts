/** The API's refusals (RFC 9457 problem details) and what they mean in plain words. */
import { Fields } from './fields.js';

/** A problem the API answered: its code and detail are what the student is shown. */
export interface Problem {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
}

/** A refusal by the API. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.code}: ${problem.detail}`);
  }
}

/** The gateway could not be reached (offline, or the network failed). */
export class OfflineError extends Error {}

/** Reads a problem+json body; anything else becomes HTTP_<status>. */
export function problemOf(status: number, body: unknown): Problem {
  try {
    const f = Fields.of(body, 'problem');
    return { status, code: f.string('code'), title: f.optString('title') ?? '', detail: f.optString('detail') ?? '' };
  } catch {
    return { status, code: `HTTP_${String(status)}`, title: '', detail: 'the gateway answered without a problem detail' };
  }
}

const PLAIN: Readonly<Record<string, string>> = {
  NO_AGREEMENT: 'You have not accepted the direct-debit agreement yet. Accept it first, then ask for a certificate.',
  INSUFFICIENT_ALLOWANCE: 'Your balance and credit line leave nothing to spend offline right now. Top up your wallet, then try again.',
  ACCOUNT_DENIED: 'Your account is blocked from paying. Please ask the card office.',
  TOO_MANY_CERTIFICATES: 'This account already holds as many payment certificates as it may. Report an old phone or card lost, or wait until one expires.',
  UNAUTHENTICATED: 'Your sign-in has expired or is not valid. Sign in again with a new activation code.',
  ACCESS_DENIED: 'This is not yours to see or change.',
  INVALID_ACTIVATION: 'That activation code is wrong, used or expired, or belongs to another account. Ask the card office for a new one.',
  AGREEMENT_OUTDATED: 'The agreement text has changed. Read the new text and accept it again.',
  ADVANCE_OVERDUE: 'You owe an advance for too long. Top up first: the top-up repays it, then you can get a certificate again.',
  MEDIUM_LOST: 'This phone\'s key was reported lost and never works again. A new key is made for your next certificate.',
  MEDIUM_OF_ANOTHER_ACCOUNT: 'This phone\'s key belongs to another account. A new key is made for your next certificate.',
  STALE_REQUEST: 'The request was signed at a time the server does not accept: check the phone\'s clock and date.',
  TOO_MANY_FAILED_AUTHENTICATIONS: 'Too many failed sign-ins from here. Wait a minute, then try again.',
  NOT_FOUND: 'Not found.',
};

/** What a refusal means for the student, in plain words (undefined for codes without a sentence). */
export function plainWords(code: string): string | undefined {
  return PLAIN[code];
}
