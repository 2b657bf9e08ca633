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

function checkId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ID.test(value)) {
    throw new DomainError('INVALID_FIELD', `${field} must be 1-64 characters of [A-Za-z0-9._:-], starting alphanumeric`, { field });
  }
  return value;
}

/** Parses a payer medium id (wallet or card). */
export const parseMediaId = (v: unknown, field = 'mediaId'): MediaId => checkId(v, field) as MediaId;
/** Parses a pseudonymous account id. */
export const parseAccountId = (v: unknown, field = 'account'): AccountId => checkId(v, field) as AccountId;
/** Parses a terminal id. */
export const parseTerminalId = (v: unknown, field = 'terminalId'): TerminalId => checkId(v, field) as TerminalId;
/** Parses an issuer key id. */
export const parseKeyId = (v: unknown, field = 'keyId'): KeyId => checkId(v, field) as KeyId;
/** Parses an account group (class of student or staff). */
export const parseGroupId = (v: unknown, field = 'group'): GroupId => checkId(v, field) as GroupId;
/** Parses a merchant id. */
export const parseMerchantId = (v: unknown, field = 'merchantId'): MerchantId => checkId(v, field) as MerchantId;

/** Parses a lowercase hex SHA-256 digest. */
export function parseDigest(value: unknown, field = 'digest'): Digest {
  if (typeof value !== 'string' || !DIGEST.test(value)) {
    throw new DomainError('INVALID_FIELD', `${field} must be 64 lowercase hex characters`, { field });
  }
  return value as Digest;
}
