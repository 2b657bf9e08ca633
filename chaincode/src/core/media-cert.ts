import type { Amount } from './amount';
import { DomainError } from './errors';
import { FieldReader } from './fields';
import { parseAccountId, parseGroupId, parseMediaId, type AccountId, type GroupId, type MediaId } from './ids';
import { parsePublicJwk, type PublicJwk } from './jwk';
import { MAX_EPOCH_MS, type EpochMs } from './time';

/** What a certified medium is: a phone wallet, a card that signs taps, or a card with an electronic purse. */
export type MediaKind = 'wallet' | 'card' | 'purse';

/** First layer of the double certificate (DESIGN §4.2): the issuer vouches for a medium's key and limits. */
export interface MediaCert {
  readonly typ: 'media-cert';
  readonly v: 1;
  readonly mediaId: MediaId;
  /** `purse`: a card whose balance lives in its secure element; it pays only by purse purchases (campus-value extension). */
  readonly kind: MediaKind;
  readonly account: AccountId;
  readonly group: GroupId;
  readonly jwk: PublicJwk;
  readonly capPerPayment: Amount;
  readonly capTotal: Amount;
  readonly ctrFrom: number;
  readonly ctrTo: number;
  readonly nbf: EpochMs;
  readonly exp: EpochMs;
}

const FIELDS = ['typ', 'v', 'mediaId', 'kind', 'account', 'group', 'jwk', 'capPerPayment', 'capTotal', 'ctrFrom', 'ctrTo', 'nbf', 'exp'] as const;

/** Parses a media certificate payload (the JWS around it is checked by the caller). */
export function parseMediaCert(value: unknown): MediaCert {
  const r = FieldReader.of(value, 'mediaCert', FIELDS);
  r.typ('media-cert');
  const v = r.version();
  const cert: MediaCert = {
    typ: 'media-cert',
    v,
    mediaId: r.parsed('mediaId', parseMediaId),
    kind: r.oneOf('kind', ['wallet', 'card', 'purse'] as const),
    account: r.parsed('account', parseAccountId),
    group: r.parsed('group', parseGroupId),
    jwk: r.parsed('jwk', parsePublicJwk),
    capPerPayment: r.positiveAmount('capPerPayment'),
    capTotal: r.positiveAmount('capTotal'),
    ctrFrom: r.int('ctrFrom'),
    ctrTo: r.int('ctrTo'),
    nbf: r.int('nbf', 0, MAX_EPOCH_MS),
    exp: r.int('exp', 0, MAX_EPOCH_MS),
  };
  if (cert.ctrTo < cert.ctrFrom) throw new DomainError('INVALID_FIELD', 'mediaCert.ctrTo must not be below ctrFrom', { field: 'ctrTo' });
  if (cert.exp <= cert.nbf) throw new DomainError('INVALID_FIELD', 'mediaCert.exp must be after nbf', { field: 'exp' });
  if (cert.capPerPayment.gt(cert.capTotal)) {
    throw new DomainError('INVALID_FIELD', 'mediaCert.capPerPayment must not exceed capTotal', { field: 'capPerPayment' });
  }
  return cert;
}
