/**
 * The registries on the ledger (operator): issuer keys, merchants, terminals and edges, each
 * change kept in the key's history. The settlement contract's registry transactions guard the
 * caller and call these.
 */
import { DomainError } from '../core/errors';
import { FieldReader } from '../core/fields';
import { parseKeyId, parseMerchantId, parseTerminalId, type Digest } from '../core/ids';
import { parseIssuerKey, type IssuerKey } from '../core/issuer-key';
import { parsePublicJwk } from '../core/jwk';
import { ZERO_DIGEST } from '../core/encoding';
import type { JsonValue } from '../core/strict-json';
import { terminalToJson } from './codec';
import { K } from './keys';
import type { Ledger } from './ledger-records';

export function issuerKeyToJson(k: IssuerKey): JsonValue {
  return { keyId: k.keyId, alg: k.alg, publicKey: { ...k.publicKey }, validFrom: k.validFrom, validTo: k.validTo, status: k.status };
}

export async function registerIssuerKey(ledger: Ledger, value: JsonValue): Promise<void> {
  const key = parseIssuerKey(value);
  if (await ledger.store.get(K.issuer, [key.keyId])) throw new DomainError('ALREADY_EXISTS', `issuer key ${key.keyId} exists`);
  await ledger.write(K.issuer, [key.keyId], issuerKeyToJson(key));
  await ledger.history('issuer', key.keyId, 'registered', issuerKeyToJson(key));
}

export async function revokeIssuerKey(ledger: Ledger, keyId: string): Promise<void> {
  const id = parseKeyId(keyId);
  const key = await ledger.read(K.issuer, [id], parseIssuerKey);
  if (key === undefined) throw new DomainError('NOT_FOUND', `issuer key ${id} does not exist`);
  await ledger.write(K.issuer, [id], issuerKeyToJson({ ...key, status: 'revoked' }));
  await ledger.history('issuer', id, 'revoked', issuerKeyToJson({ ...key, status: 'revoked' }));
}

export async function registerMerchant(ledger: Ledger, value: JsonValue): Promise<void> {
  const r = FieldReader.of(value, 'merchant', ['merchantId', 'name']);
  const merchantId = r.parsed('merchantId', parseMerchantId);
  const name = r.string('name', /^[^\p{Cc}]{1,128}$/u, '1-128 printable characters');
  if (await ledger.store.get(K.merchant, [merchantId])) throw new DomainError('ALREADY_EXISTS', `merchant ${merchantId} exists`);
  await ledger.write(K.merchant, [merchantId], { merchantId, name });
}

/** A terminal, or a site's edge (`role: 'edge'`), of a registered merchant, with its key. */
export async function registerTerminal(ledger: Ledger, value: JsonValue): Promise<void> {
  const r = FieldReader.of(value, 'terminal', ['terminalId', 'merchantId', 'publicKey'], ['role']);
  const terminalId = r.parsed('terminalId', parseTerminalId);
  const merchantId = r.parsed('merchantId', parseMerchantId);
  const publicKey = r.parsed('publicKey', parsePublicJwk);
  const role = r.has('role') ? r.oneOf('role', ['terminal', 'edge'] as const) : 'terminal';
  if (!(await ledger.store.get(K.merchant, [merchantId]))) throw new DomainError('NOT_FOUND', `merchant ${merchantId} does not exist`);
  if (await ledger.store.get(K.terminal, [terminalId])) throw new DomainError('ALREADY_EXISTS', `terminal ${terminalId} exists`);
  const zero = ZERO_DIGEST as Digest;
  await ledger.write(K.terminal, [terminalId], terminalToJson({
    terminalId, merchantId, publicKey, status: 'active', lastSeq: 0, lastDigest: zero, lastBatchSeq: 0, lastBatchDigest: zero,
    ...(role === 'edge' ? { role } : {}),
  }));
  await ledger.write(K.merchantTerminal, [merchantId, terminalId], { merchantId, terminalId });
  await ledger.history('terminal', terminalId, 'registered', { merchantId, publicKey: { ...publicKey }, ...(role === 'edge' ? { role } : {}) });
}

export async function setTerminalStatus(ledger: Ledger, terminalId: string, status: string): Promise<void> {
  if (status !== 'active' && status !== 'revoked') throw new DomainError('INVALID_FIELD', 'status must be active or revoked', { field: 'status' });
  const t = await ledger.terminal(parseTerminalId(terminalId));
  // An edge's approvals are trusted by its status at the sale's time: one brought back would make
  // what it approved while retired or revoked count after the fact. A site gets a new edge instead.
  if (t.role === 'edge' && status === 'active' && t.status !== 'active') {
    throw new DomainError('WRONG_ACCOUNT_STATE', `edge ${t.terminalId} is ${t.status}: an edge is not brought back (its approvals meanwhile would count); register a new edge id for the site`, { field: 'status' });
  }
  await ledger.write(K.terminal, [t.terminalId], terminalToJson({ ...t, status }));
  await ledger.history('terminal', t.terminalId, status === 'active' ? 'activated' : 'revoked', { merchantId: t.merchantId, publicKey: { ...t.publicKey } });
}

/** A terminal's new key: batches signed from this transaction on are checked with it; the old one stays in the key history. */
export async function rotateTerminalKey(ledger: Ledger, terminalId: string, publicKey: JsonValue): Promise<void> {
  const key = parsePublicJwk(publicKey, 'publicKey');
  const t = await ledger.terminal(parseTerminalId(terminalId));
  await ledger.write(K.terminal, [t.terminalId], terminalToJson({ ...t, publicKey: key }));
  await ledger.history('terminal', t.terminalId, 'key-rotated', { merchantId: t.merchantId, publicKey: { ...key }, previousKey: { ...t.publicKey } });
}
