import { DomainError } from '../core/errors';
import { parseStrictJson, type JsonValue } from '../core/strict-json';

/**
 * A transaction's JSON argument, parsed strictly (docs/protocol.md): fabric-contract-api hands
 * strings through untouched, so the contract checks it is a string and bounds its size.
 * `maxBytes` says how large the document may be (64 KiB unless a transaction says less).
 */
export function jsonArgument(text: unknown, what: string, maxBytes = 64 * 1024): JsonValue {
  if (typeof text !== 'string') throw new DomainError('INVALID_FIELD', `${what} must be a JSON string`);
  return parseStrictJson(text, { maxBytes });
}
