import { pad } from './codec';

/** Composite key types: the whole key layout of the ledger. */
export const K = {
  issuer: 'issuer', // [keyId]
  merchant: 'merchant', // [merchantId]
  terminal: 'terminal', // [terminalId]
  merchantTerminal: 'merchant-terminal', // [merchantId, terminalId]: a merchant's terminals, for payments by merchant
  account: 'account', // [accountId]
  payer: 'payer', // [accountId]: what settlement reads of an account (settlement/payer.ts); written only when those facts change
  purse: 'purse', // [mediaId]: the ledger's shadow of a card's electronic purse (settlement/purse-shadow.ts)
  purseHeld: 'purse-held', // [mediaId, ctr]: a purse purchase waiting behind a gap in the card's counters (a charge awaiting funding)
  purseLoad: 'purse-load', // [loadId]: a load's receipt (idempotency of LoadPurse)
  use: 'use', // [mediaId, ctr]: the payment that used a medium's counter (a second use is a double spend)
  charge: 'charge', // [accountId, paymentId]: a settled payment awaiting funding, until a fold funds it
  funded: 'funded', // [paymentId]: what the fold decided (funding, points, flags)
  denyPending: 'deny-pending', // [mediaId]: a double-spent medium awaiting its deny-list version (PublishDenials)
  seqs: 'seqs', // [terminalId, chunk]: settled seqs of a terminal, SEQ_CHUNK per key
  batch: 'batch', // [terminalId, batchSeq, entryId]: every submission, with its outcomes
  receipt: 'receipt', // [digest, entryId]: where each submission of a batch (by its digest, the gateway's receipt) is under K.batch
  postings: 'postings', // [txId]: the postings one transaction made
  pointsJournal: 'points-journal', // [day, txId, ...]: one transaction's points movements on its UTC day (the roll-forward's source)
  topUp: 'topup', // [topUpId]
  fraud: 'fraud', // [caseId]
  deny: 'deny', // [version]: one deny-list entry per version
  credit: 'credit', // [merchantId, entryId]: a batch's credit to its merchant until paid out (no hot key)
  payout: 'payout', // [merchantId, payoutId]: a payout statement
  payoutRun: 'payout-run', // [runId]: a payout run of the daily close, each merchant's payout under K.payout [merchantId, runId]
  pointsPolicy: 'points-policy', // [version]: every points policy ever set
  clearance: 'clearance', // [accountId]: the registrar's record of a completed clearance
  clearanceRecord: 'clearance-record', // [id]: a graduate's clearance record: salted digests of its claims, issuer, time (never a claim)
  clearanceRevoked: 'clearance-revoked', // [id]: the revocation of a clearance record (its status entry)
  clearanceHeld: 'clearance-held', // [accountId]: the claims and salts of the account's latest clearance record
  actor: 'actor', // [txId]: who acted on a staff write (contract/actor.ts)
  waiver: 'waiver', // [account, debt]: a second registrar's approval of waiving a debt above the waiver limit (four eyes)
  keyHistory: 'key-history', // [issuer|terminal, id, time, txId]: every registration and status change of a key
  mediaIndex: 'medium', // [mediaId]: the account a certified medium belongs to, for ever (docs/wallet.md)
  agreement: 'agreement', // [account, time, digest]: every signed acceptance of the direct-debit agreement
  agreementText: 'agreement-text', // [version]: every agreement text the operator set
  liveAgreement: 'live-agreement', // [account]: accounts whose agreement is live, what face terminals sync (docs/wallet.md)
  activation: 'activation', // [account]: the SHA-256 of the live one-time sign-in code finance issued (docs/wallet.md)
  config: 'config', // ['risk'] | ['denyVersion'] | ['points'] | ['agreement']
} as const;

/**
 * Names one batch's settlement among the batches a transaction settled: the transaction id alone
 * for the first (a transaction of one batch), `<txId>.<n>` for the n-th of a group, so that keys
 * per settled batch (its record, its merchant credit, its hour index entry) never collide.
 */
export const entryIdOf = (txId: string, index: number): string => (index === 0 ? txId : `${txId}.${index}`);

/**
 * Simple-key index of settled batches by the hour of their sales: `payments-by-hour/<hour>/<terminalId>/<batchSeq>/<entryId>`.
 * Simple keys, because Fabric range-reads only those; fixed-width hours, so keys sort by time.
 */
export const HOUR_MS = 3_600_000;
export const HOUR_INDEX = 'payments-by-hour/';
export const HOUR_INDEX_END = 'payments-by-hour0'; // '0' follows '/': the first key after the whole index
export const hourKey = (hour: number, rest = ''): string => `${HOUR_INDEX}${pad(hour, 12)}/${rest}`;
