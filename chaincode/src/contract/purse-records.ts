/**
 * The card's electronic purse on the ledger (docs/settlement.md, "The card's electronic purse"):
 * loads from the account's wallet, the shadow a reader or an auditor sees, and a lost card's refund
 * after the waiting period. The purchases themselves settle with their batches and are applied to
 * the shadow at the fold (ledger-records.ts, settlement/purse-shadow.ts).
 */
import { Amount } from '../core/amount';
import { DomainError } from '../core/errors';
import { FieldReader } from '../core/fields';
import { parseMediaId } from '../core/ids';
import { parseIssuerKey } from '../core/issuer-key';
import { verifyKeyOf } from '../core/jwk';
import { decodeJws, verifyJws } from '../core/jws';
import { parseMediaCert, type MediaCert } from '../core/media-cert';
import type { JsonValue } from '../core/strict-json';
import { linesByAccount } from '../settlement/books';
import { loadPurse, newPurse, refundPurse, shadowBalance } from '../settlement/purse-shadow';
import { chargeFromJson, purseToJson } from './fold-codec';
import { claimMedium } from './issuance-records';
import { K } from './keys';
import { txTime, type Ledger } from './ledger-records';

/** Most a single load may put on a card (minor units): a purse is for canteen change, not savings. */
export const MAX_LOAD = Amount.parse('100000');

/** The purse card's certificate, proven with a registered, active issuer key: it names the account the money comes from. */
async function purseCertificate(ledger: Ledger, certificate: string): Promise<MediaCert> {
  const jws = decodeJws(certificate);
  const issuer = jws.kid === undefined ? undefined : await ledger.read(K.issuer, [jws.kid], parseIssuerKey);
  if (issuer === undefined || issuer.status !== 'active') throw new DomainError('ACCESS_DENIED', `the card's certificate names no active issuer key (${jws.kid ?? 'no kid'})`);
  if (!verifyJws(jws, verifyKeyOf(issuer.publicKey))) throw new DomainError('BAD_SIGNATURE', "the card's certificate does not verify with its issuer's key");
  const cert = parseMediaCert(jws.payload);
  if (cert.kind !== 'purse') throw new DomainError('INVALID_FIELD', `the certificate is a ${cert.kind}'s, not a purse card's`, { field: 'certificate' });
  return cert;
}

/**
 * A load (圈存): `amount` moves from the account's wallet to the card's purse and the load counter
 * goes up by one. Idempotent on `loadId` (the same load again answers the original). Refused when the
 * wallet does not hold it, for a card reported lost or refunded, or a deny-listed one.
 */
export async function loadPurseOf(ledger: Ledger, value: JsonValue): Promise<JsonValue> {
  const r = FieldReader.of(value, 'load', ['loadId', 'certificate', 'amount']);
  const loadId = r.string('loadId', /^[A-Za-z0-9._:-]{1,64}$/, 'an id');
  const amount = r.positiveAmount('amount');
  if (amount.gt(MAX_LOAD)) throw new DomainError('AMOUNT_OUT_OF_RANGE', `a load is at most ${MAX_LOAD.toString()}`, { field: 'amount' });
  const known = await ledger.read(K.purseLoad, [loadId], (v) => v);
  if (known !== undefined) return { ...(known as Record<string, JsonValue>), replayed: true };
  const cert = await purseCertificate(ledger, r.string('certificate', /^[A-Za-z0-9_.-]{1,4096}$/, 'a compact JWS'));
  const a = await ledger.account(cert.account); // folds the account first: its purse purchases too
  const shadow = (await ledger.purse(cert.mediaId)) ?? newPurse(cert.mediaId, a.id);
  if (shadow.account !== a.id) throw new DomainError('MEDIUM_OF_ANOTHER_ACCOUNT', `card ${cert.mediaId} belongs to ${shadow.account}`);
  if (a.status !== 'active') throw new DomainError('WRONG_ACCOUNT_STATE', `account ${a.id} is ${a.status}`);
  const medium = a.media[cert.mediaId];
  if (medium?.lost !== undefined || shadow.refunded !== undefined || medium?.deniedAt !== undefined || shadow.tamperedAt !== undefined) {
    throw new DomainError('WRONG_ACCOUNT_STATE', `card ${cert.mediaId} is lost, refunded or deny-listed: it takes no load`);
  }
  if (a.wallet.lt(amount)) throw new DomainError('INSUFFICIENT_FUNDS', `the wallet holds ${a.wallet.toString()}, the load is ${amount.toString()}`);
  const txId = ledger.ctx.stub.getTxID();
  const loaded = loadPurse(shadow, amount, `purse-load:${loadId}`);
  const receipt = { loadId, mediaId: cert.mediaId, account: a.id, loadCtr: loaded.shadow.loadCtr, amount: amount.toString(), balance: shadowBalance(loaded.shadow).toString(), txId, at: txTime(ledger.ctx) };
  await Promise.all([
    // The card is the account's medium for ever (a loss report finds it by the index).
    claimMedium(ledger, cert.mediaId, a.id, 'purse'),
    ledger.putAccount({ ...a, wallet: a.wallet.sub(amount) }, loaded.postings),
    ledger.writePostings([txId], loaded.postings),
    ledger.write(K.purse, [cert.mediaId], purseToJson(loaded.shadow)),
    ledger.write(K.purseLoad, [loadId], receipt),
  ]);
  return receipt;
}

/** The shadow as readers see it: what the ledger counts in the purse, the next purchase it expects, what it holds back. */
export async function purseView(ledger: Ledger, mediaId: string): Promise<JsonValue> {
  const id = parseMediaId(mediaId);
  const s = await ledger.purse(id);
  if (s === undefined) throw new DomainError('NOT_FOUND', `card ${id} has no purse on the ledger`);
  const held = (await ledger.all(K.purseHeld, [id], chargeFromJson)).map((c) => ({ paymentId: c.paymentId, ctr: c.purse?.ctr ?? 0, amount: c.amount.toString() }));
  return { ...(purseToJson(s) as Record<string, JsonValue>), balance: shadowBalance(s).toString(), held: held.sort((x, y) => x.ctr - y.ctr) };
}

/**
 * Refunds a lost card's purse to the account's wallet, once the waiting period since its loss
 * report has passed (`purseRefundWaitMs` of the risk policy): purchases still arriving from
 * terminals that were offline are settled first, as transit cards do. Refused while a purchase is
 * held behind a gap (it arrived, so it is owed from the purse) or before the wait is over.
 */
export async function refundPurseOf(ledger: Ledger, value: JsonValue): Promise<JsonValue> {
  const r = FieldReader.of(value, 'refund', ['mediaId']);
  const mediaId = r.parsed('mediaId', parseMediaId);
  const shadow0 = await ledger.purse(mediaId);
  if (shadow0 === undefined) throw new DomainError('NOT_FOUND', `card ${mediaId} has no purse on the ledger`);
  const [a, policy] = await Promise.all([ledger.account(shadow0.account), ledger.riskPolicy()]);
  const shadow = (await ledger.purse(mediaId)) ?? shadow0; // after the account's fold, which may have applied purchases
  const lost = a.media[mediaId]?.lost;
  const now = txTime(ledger.ctx);
  if (shadow.refunded !== undefined) throw new DomainError('ALREADY_EXISTS', `card ${mediaId}'s purse was refunded in ${shadow.refunded.txId}`);
  if (lost === undefined) throw new DomainError('WRONG_ACCOUNT_STATE', `card ${mediaId} was not reported lost`);
  if (now < lost.at + policy.purseRefundWaitMs) {
    throw new DomainError('WRONG_ACCOUNT_STATE', `the purse of ${mediaId} is refunded from ${new Date(lost.at + policy.purseRefundWaitMs).toISOString()}, ${policy.purseRefundWaitMs} ms after its loss report`);
  }
  const held = await ledger.all(K.purseHeld, [mediaId], chargeFromJson);
  if (held.length > 0) throw new DomainError('WRONG_ACCOUNT_STATE', `${held.length} purchase(s) of ${mediaId} wait for an earlier one (counter ${shadow.nextCtr}): the refund waits for them`);
  const txId = ledger.ctx.stub.getTxID();
  const r2 = refundPurse(shadow, now, txId);
  const lines = linesByAccount(r2.postings).get(a.id) ?? [];
  await Promise.all([
    ledger.putAccount({ ...a, wallet: a.wallet.add(r2.amount) }, lines),
    ledger.writePostings([txId], r2.postings),
    ledger.write(K.purse, [mediaId], purseToJson(r2.shadow)),
  ]);
  return { mediaId, account: a.id, refunded: r2.amount.toString(), lostAt: lost.at, txId, at: now };
}
