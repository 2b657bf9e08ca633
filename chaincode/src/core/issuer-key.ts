import { FieldReader } from './fields';
import { parseKeyId, type KeyId } from './ids';
import { parsePublicJwk, verifyKeyOf, type VerifyKey } from './jwk';
import { MAX_EPOCH_MS, type EpochMs } from './time';
import { DomainError } from './errors';

/** An operator key that signs media certificates (DESIGN §4.1). */
export interface IssuerKey {
  readonly keyId: KeyId;
  readonly alg: VerifyKey['alg'];
  readonly publicKey: VerifyKey['jwk'];
  readonly validFrom: EpochMs;
  readonly validTo: EpochMs;
  readonly status: 'active' | 'revoked';
}

/** Parses an issuer key registration; the alg must match the key type. */
export function parseIssuerKey(value: unknown): IssuerKey {
  const r = FieldReader.of(value, 'issuerKey', ['keyId', 'alg', 'publicKey', 'validFrom', 'validTo', 'status']);
  const keyId = r.parsed('keyId', parseKeyId);
  const alg = r.oneOf('alg', ['ES256', 'EdDSA'] as const);
  const publicKey = r.parsed('publicKey', parsePublicJwk);
  if (verifyKeyOf(publicKey).alg !== alg) {
    throw new DomainError('INVALID_KEY', `issuerKey.alg ${alg} does not match the key type`, { field: 'alg' });
  }
  const validFrom = r.int('validFrom', 0, MAX_EPOCH_MS);
  const validTo = r.int('validTo', 0, MAX_EPOCH_MS);
  if (validTo <= validFrom) throw new DomainError('INVALID_FIELD', 'issuerKey.validTo must be after validFrom', { field: 'validTo' });
  const status = r.oneOf('status', ['active', 'revoked'] as const);
  return { keyId, alg, publicKey, validFrom, validTo, status };
}
