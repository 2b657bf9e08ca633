import type { Amount } from './amount';
import { sha256Hex } from './encoding';
import { FieldReader } from './fields';
import { parseDigest, parseMediaId, parseTerminalId, type Digest, type MediaId, type TerminalId } from './ids';
import { MAX_EPOCH_MS, type EpochMs } from './time';

/**
 * The card's electronic purse (电子钱包; campus-value extension, docs/protocol.md). The balance
 * lives in the card's secure element: a load (圈存) adds to it online with the issuer's signed
 * authorisation, and each purchase, offline, is signed by the card over its own counters and
 * balances, chained to its previous purchase. A purchase can never overspend: the card refuses.
 */

/** What the card signs for one purchase (the terminal gives it the amount, its id and sequence, and a nonce). */
export interface PursePurchase {
  readonly typ: 'purse-purchase';
  readonly v: 1;
  readonly mediaId: MediaId;
  /** The purchase counter: 1, 2, 3… per card, strictly, with no gap the card could skip. */
  readonly ctr: number;
  /** How many loads the card had applied when it signed: the ledger checks the balance chain with it. */
  readonly loadCtr: number;
  readonly before: Amount;
  readonly amount: Amount;
  readonly after: Amount;
  readonly terminalId: TerminalId;
  /** The terminal's sequence number it offered for this sale. */
  readonly termSeq: number;
  readonly nonce: string;
  /** SHA-256 of the previous purchase's compact JWS (64 zeros for the first). */
  readonly prev: Digest;
  readonly iat: EpochMs;
}

/** Parses a purse purchase payload (its signature is checked by the caller). */
export function parsePursePurchase(value: unknown): PursePurchase {
  const r = FieldReader.of(value, 'pursePurchase', ['typ', 'v', 'mediaId', 'ctr', 'loadCtr', 'before', 'amount', 'after', 'terminalId', 'termSeq', 'nonce', 'prev', 'iat']);
  r.typ('purse-purchase');
  return {
    typ: 'purse-purchase', v: r.version(), mediaId: r.parsed('mediaId', parseMediaId), ctr: r.int('ctr', 1), loadCtr: r.int('loadCtr'),
    before: r.nonNegativeAmount('before'), amount: r.positiveAmount('amount'), after: r.nonNegativeAmount('after'),
    terminalId: r.parsed('terminalId', parseTerminalId), termSeq: r.int('termSeq', 1),
    nonce: r.string('nonce', /^[A-Za-z0-9_-]{8,64}$/, '8-64 base64url characters'), prev: r.parsed('prev', parseDigest), iat: r.int('iat', 0, MAX_EPOCH_MS),
  };
}

/** What a purchase's successor names as `prev`: SHA-256 of its compact JWS. */
export const purchaseHash = (compactJws: string): Digest => sha256Hex(compactJws) as Digest;

/** The issuer's authorisation of one load, which the card checks before adding `amount` (its load counter must be `loadCtr` − 1). */
export interface PurseLoadAuth {
  readonly typ: 'purse-load';
  readonly v: 1;
  readonly mediaId: MediaId;
  readonly loadCtr: number;
  readonly amount: Amount;
  /** The ledger transaction that moved the money from the account to the purse. */
  readonly txId: string;
}

/** Parses a load authorisation payload (the card verifies the issuer's signature first). */
export function parsePurseLoadAuth(value: unknown): PurseLoadAuth {
  const r = FieldReader.of(value, 'purseLoad', ['typ', 'v', 'mediaId', 'loadCtr', 'amount', 'txId']);
  r.typ('purse-load');
  return {
    typ: 'purse-load', v: r.version(), mediaId: r.parsed('mediaId', parseMediaId), loadCtr: r.int('loadCtr', 1), amount: r.positiveAmount('amount'),
    txId: r.string('txId', /^[0-9a-f]{64}$/, 'a transaction id'),
  };
}
