import type { Amount } from './amount';
import { FieldReader } from './fields';
import { parseAccountId, parseMediaId, parseTerminalId, type AccountId, type MediaId, type TerminalId } from './ids';
import { TENDERS, type Tender } from './sale-record';
import { MAX_EPOCH_MS, type EpochMs } from './time';

/** Longest validity a payment code may claim: ten minutes. */
export const MAX_CODE_TTL_MS = 600_000;

/** Second layer, made offline by the phone and shown as a QR code (DESIGN §4.3). The amount is not signed. */
export interface PayCode {
  readonly typ: 'pay-code';
  readonly v: 1;
  readonly mediaId: MediaId;
  readonly ctr: number;
  readonly iat: EpochMs;
  readonly ttl: number;
  /** `points`: the student chose to pay this code in points (campus-value extension); absent: money. */
  readonly tender?: Tender;
}

/** An interactive card or NFC tap: the payer signs the exact amount and terminal (DESIGN §4.4). */
export interface TapAuth {
  readonly typ: 'tap-auth';
  readonly v: 1;
  readonly mediaId: MediaId;
  readonly ctr: number;
  readonly amount: Amount;
  readonly terminalId: TerminalId;
  readonly nonce: string;
  readonly iat: EpochMs;
  /** `points`: the payer signed to pay in points (campus-value extension); absent: money. */
  readonly tender?: Tender;
}

/** A face payment, attested only by the terminal's batch signature (DESIGN §4.5). Score is per mille. */
export interface FaceAttestation {
  readonly typ: 'face';
  readonly v: 1;
  readonly account: AccountId;
  readonly score: number;
}

/** Parses a payment code payload. */
export function parsePayCode(value: unknown): PayCode {
  const r = FieldReader.of(value, 'payCode', ['typ', 'v', 'mediaId', 'ctr', 'iat', 'ttl'], ['tender']);
  r.typ('pay-code');
  return {
    typ: 'pay-code',
    v: r.version(),
    mediaId: r.parsed('mediaId', parseMediaId),
    ctr: r.int('ctr'),
    iat: r.int('iat', 0, MAX_EPOCH_MS),
    ttl: r.int('ttl', 1, MAX_CODE_TTL_MS),
    ...(r.has('tender') ? { tender: r.oneOf('tender', TENDERS) } : {}),
  };
}

/** Parses a tap authorisation payload. */
export function parseTapAuth(value: unknown): TapAuth {
  const r = FieldReader.of(value, 'tapAuth', ['typ', 'v', 'mediaId', 'ctr', 'amount', 'terminalId', 'nonce', 'iat'], ['tender']);
  r.typ('tap-auth');
  return {
    typ: 'tap-auth',
    v: r.version(),
    mediaId: r.parsed('mediaId', parseMediaId),
    ctr: r.int('ctr'),
    amount: r.positiveAmount('amount'),
    terminalId: r.parsed('terminalId', parseTerminalId),
    nonce: r.string('nonce', /^[A-Za-z0-9_-]{8,64}$/, '8-64 base64url characters'),
    iat: r.int('iat', 0, MAX_EPOCH_MS),
    ...(r.has('tender') ? { tender: r.oneOf('tender', TENDERS) } : {}),
  };
}

/** Parses a face attestation. */
export function parseFaceAttestation(value: unknown): FaceAttestation {
  const r = FieldReader.of(value, 'face', ['typ', 'v', 'account', 'score']);
  r.typ('face');
  return { typ: 'face', v: r.version(), account: r.parsed('account', parseAccountId), score: r.int('score', 0, 1000) };
}
