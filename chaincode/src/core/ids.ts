import { DomainError } from './errors';

declare const brand: unique symbol;
/** A string that only its parser can make. */
export type Branded<T, B extends string> = T & { readonly [brand]: B };

export type MediaId = Branded<string, 'MediaId'>;
export type AccountId = Branded<string, 'AccountId'>;
export type TerminalId = Branded<string, 'TerminalId'>;
export type KeyId = Branded<string, 'KeyId'>;
export type GroupId = Branded<string, 'GroupId'>;
export type MerchantId = Branded<string, 'MerchantId'>;
/** Lowercase hex SHA-256. */
export type Digest = Branded<string, 'Digest'>;

/** Identifiers are short, printable and safe in composite keys and URLs. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const DIGEST = /^[0-9a-f]{64}$/;

function parseId<T extends string>(value: unknown, field: string): T {
  if (typeof value !== 'string' || !ID.test(value)) {
    throw new DomainError('INVALID_FIELD', `${field} must be 1-64 characters of [A-Za-z0-9._:-], starting alphanumeric`, { field });
  }
  return value as T;
}

/** Parses a payer medium id (wallet or card). */
export const parseMediaId = (v: unknown, field = 'mediaId'): MediaId => parseId<MediaId>(v, field);
/** Parses a pseudonymous account id. */
export const parseAccountId = (v: unknown, field = 'account'): AccountId => parseId<AccountId>(v, field);
/** Parses a terminal id. */
export const parseTerminalId = (v: unknown, field = 'terminalId'): TerminalId => parseId<TerminalId>(v, field);
/** Parses an issuer key id. */
export const parseKeyId = (v: unknown, field = 'keyId'): KeyId => parseId<KeyId>(v, field);
/** Parses an account group (class of student or staff). */
export const parseGroupId = (v: unknown, field = 'group'): GroupId => parseId<GroupId>(v, field);
/** Parses a merchant id. */
export const parseMerchantId = (v: unknown, field = 'merchantId'): MerchantId => parseId<MerchantId>(v, field);

/** Parses a lowercase hex SHA-256 digest. */
export function parseDigest(value: unknown, field = 'digest'): Digest {
  if (typeof value !== 'string' || !DIGEST.test(value)) {
    throw new DomainError('INVALID_FIELD', `${field} must be 64 lowercase hex characters`, { field });
  }
  return value as Digest;
}
