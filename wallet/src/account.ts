/** The student's account as GET /v1/me answers it: balances (minor-unit strings), agreement, media. */
import { AnswerError, Fields } from './fields.js';

/** The direct-debit agreement the student accepted, as the ledger holds it. */
export interface AgreementState {
  readonly version: number;
  readonly textHash: string;
  readonly acceptedAt: number;
  readonly status: string;
}

/** A certificate of a medium, as the ledger counts it. */
export interface CertificateInfo {
  readonly ctrFrom: number;
  readonly ctrTo: number;
  readonly capTotal: string;
  readonly capPerPayment: string;
  readonly spent: string;
  readonly nbf: number;
  readonly exp: number;
  readonly keyId: string;
  /** live, superseded (by a refresh) or revoked (a loss report, a withdrawn agreement). */
  readonly status: string;
  readonly expired: boolean;
}

/** A payment medium: a phone's wallet key or a card. */
export interface Medium {
  readonly mediaId: string;
  readonly kind: string | undefined;
  readonly status: string;
  readonly lostAt: number | undefined;
  readonly certificates: readonly CertificateInfo[];
}

/** GET /v1/me. */
export interface Account {
  readonly account: string;
  readonly status: string;
  readonly group: string;
  readonly wallet: string;
  readonly creditLine: string;
  readonly creditUsed: string;
  readonly advance: string;
  readonly points: string;
  readonly available: string;
  readonly exposure: string;
  readonly debtSince: number | null;
  readonly agreement: AgreementState | null;
  readonly media: readonly Medium[];
}

function parseCertificateInfo(value: unknown, what: string): CertificateInfo {
  const f = Fields.of(value, what);
  return {
    ctrFrom: f.int('ctrFrom'), ctrTo: f.int('ctrTo'), capTotal: f.minor('capTotal'), capPerPayment: f.minor('capPerPayment'),
    spent: f.minor('spent'), nbf: f.time('nbf'), exp: f.time('exp'), keyId: f.string('keyId'),
    status: f.optString('status') ?? (f.flag('superseded') ? 'superseded' : 'live'), expired: f.flag('expired'),
  };
}

function parseMedium(value: unknown, what: string): Medium {
  const f = Fields.of(value, what);
  return {
    mediaId: f.string('mediaId'), kind: f.optString('kind'), status: f.string('status'),
    lostAt: f.has('lostAt') ? f.time('lostAt') : undefined,
    certificates: f.list('certificates', parseCertificateInfo, 1000),
  };
}

function parseAgreementState(f: Fields | undefined): AgreementState | null {
  if (f === undefined) return null;
  return { version: f.int('version'), textHash: f.string('textHash'), acceptedAt: f.time('acceptedAt'), status: f.string('status') };
}

/** Reads GET /v1/me. */
export function parseAccount(value: unknown): Account {
  const f = Fields.of(value, 'me');
  return {
    account: f.string('account'), status: f.string('status'), group: f.string('group'),
    wallet: f.minor('wallet'), creditLine: f.minor('creditLine'), creditUsed: f.minor('creditUsed'), advance: f.minor('advance'),
    points: f.count('points'), available: f.minor('available'), exposure: f.minor('exposure'), debtSince: f.has('debtSince') ? f.time('debtSince') : null,
    agreement: parseAgreementState(f.optObject('agreement')), media: f.list('media', parseMedium, 1000),
  };
}

/** Whether the accepted agreement is in force for the current text (same version, live: not withdrawn). */
export function agreementInForce(agreement: AgreementState | null, currentVersion: number): boolean {
  return agreement !== null && agreement.version === currentVersion && agreement.status === 'live';
}

/** The current agreement text (GET /v1/agreement). */
export interface AgreementText {
  readonly version: number;
  readonly textHash: string;
  readonly text: string;
}

/** Reads GET /v1/agreement. */
export function parseAgreementText(value: unknown): AgreementText {
  const f = Fields.of(value, 'agreement');
  const textHash = f.string('textHash');
  if (!/^[0-9a-f]{64}$/.test(textHash)) throw new AnswerError('agreement.textHash is not a hex SHA-256');
  return { version: f.int('version'), textHash, text: f.string('text') };
}
