/**
 * The wallet's ECDSA P-256 key pair, made with WebCrypto. The private key is made non-extractable:
 * it never leaves the browser, not even to this app's own code; IndexedDB keeps the CryptoKey
 * objects themselves. Only the public key is exported, as a JWK reduced to its four members.
 */
import { Fields } from './fields.js';
import { load, remove, saveOne } from './store.js';

/** A P-256 public key as the protocol carries it: exactly these members, in this order. */
export interface PublicJwk {
  readonly crv: 'P-256';
  readonly kty: 'EC';
  readonly x: string;
  readonly y: string;
}

/** The key pair of one account on this phone. */
export interface WalletKey {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: PublicJwk;
}

const COORDINATE = /^[A-Za-z0-9_-]{43}$/;

/** Reduces an exported JWK to {crv, kty, x, y}, refusing anything but a P-256 public key. */
export function publicJwkOf(value: unknown): PublicJwk {
  const f = Fields.of(value, 'jwk');
  const x = f.string('x');
  const y = f.string('y');
  if (f.string('kty') !== 'EC' || f.string('crv') !== 'P-256' || !COORDINATE.test(x) || !COORDINATE.test(y)) {
    throw new Error('the key is not a P-256 public key');
  }
  if (f.has('d')) throw new Error('a private key must never be exported');
  return { crv: 'P-256', kty: 'EC', x, y };
}

function parseStoredKey(value: unknown): WalletKey | undefined {
  if (value === undefined) return undefined;
  const f = Fields.of(value, 'stored key');
  const privateKey = f.raw('privateKey');
  const publicKey = f.raw('publicKey');
  if (!(privateKey instanceof CryptoKey) || !(publicKey instanceof CryptoKey)) throw new Error('the stored key pair is damaged');
  return { privateKey, publicKey, jwk: publicJwkOf(f.raw('jwk')) };
}

/** This account's key pair on this phone, if one was made. */
export async function loadKey(account: string): Promise<WalletKey | undefined> {
  return parseStoredKey(await load(`key:${account}`));
}

/** Makes a new key pair (private part non-extractable) and stores it for `account`. */
export async function makeKey(account: string): Promise<WalletKey> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  if (pair.privateKey.extractable) throw new Error('the browser made an extractable private key');
  const jwk = publicJwkOf(await crypto.subtle.exportKey('jwk', pair.publicKey));
  const key: WalletKey = { privateKey: pair.privateKey, publicKey: pair.publicKey, jwk };
  await saveOne(`key:${account}`, key);
  return key;
}

/** The account's key pair, made now if there is none. */
export async function ensureKey(account: string): Promise<WalletKey> {
  return (await loadKey(account)) ?? makeKey(account);
}

/** Forgets the key pair for good (a lost medium): the next certificate request makes a new one. */
export function dropKey(account: string): Promise<void> {
  return remove(`key:${account}`);
}
