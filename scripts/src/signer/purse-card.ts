import { Amount, ZERO_DIGEST, decodeJws, parsePurseLoadAuth, purchaseHash, verifyJws, verifyKeyOf, type JwsAlg, type PublicJwk } from '@dol/chaincode';
import { generateSigningKey, signJws, type SigningKey } from '@dol/terminal';
import type { CertFields, Issuer } from './issuer';

/**
 * A purse card's secure element, simulated (docs/settlement.md, "The card's electronic purse"): it
 * holds the balance, a purchase counter and a load counter, and the hash of its last purchase. It
 * adds a load only with the issuer's signed authorisation for its next load counter, and signs a
 * purchase only when its balance covers it: a purse cannot be overspent. It keeps its last
 * purchases, so a terminal that never got one (a torn tap) can fetch it on the next tap.
 */
export class PurseCard {
  private balance = Amount.ZERO;
  private ctr = 0;
  private loadCtr = 0;
  private lastHash: string = ZERO_DIGEST;
  private readonly log: string[] = [];
  private readonly signedAll: string[] = [];

  private constructor(readonly fields: CertFields, private readonly key: SigningKey, readonly cert: string) {}

  /** A purse card with a fresh key, certified by the issuer (kind `purse`). */
  static issue(issuer: Issuer, fields: Omit<CertFields, 'kind'>, alg: JwsAlg = 'EdDSA'): PurseCard {
    const key = generateSigningKey(alg);
    const all: CertFields = { ...fields, kind: 'purse' };
    return new PurseCard(all, key, issuer.certify(all, key));
  }

  /** The card as personalised by the issuer service: its certificate (kind `purse`) and the key in its secure element. */
  static fromCertificate(fields: CertFields, key: SigningKey, cert: string): PurseCard {
    if (fields.kind !== 'purse') throw new Error(`a ${fields.kind}'s certificate is not a purse card's`);
    return new PurseCard(fields, key, cert);
  }

  get mediaId(): string {
    return this.fields.mediaId;
  }

  /** What the secure element holds. */
  state(): { balance: string; ctr: number; loadCtr: number } {
    return { balance: this.balance.toString(), ctr: this.ctr, loadCtr: this.loadCtr };
  }

  /** Applies a load authorisation: the issuer's signature, this card, its next load counter; anything else is refused and changes nothing. */
  load(authorisation: string, issuerKey: PublicJwk): void {
    const jws = decodeJws(authorisation);
    if (!verifyJws(jws, verifyKeyOf(issuerKey))) throw new Error('load refused: the authorisation does not verify with the issuer key');
    const auth = parsePurseLoadAuth(jws.payload);
    if (auth.mediaId !== this.fields.mediaId) throw new Error(`load refused: it is for ${auth.mediaId}`);
    if (auth.loadCtr !== this.loadCtr + 1) throw new Error(`load refused: load counter ${auth.loadCtr}, the card expects ${this.loadCtr + 1}`);
    this.loadCtr = auth.loadCtr;
    this.balance = this.balance.add(auth.amount);
  }

  /** Signs a purchase the terminal asked for, and debits the purse; refuses (throws) when the balance does not cover it. */
  purchase(amount: string, terminalId: string, termSeq: number, nonce: string, iat: number): string {
    const a = Amount.parsePositive(amount, 'amount');
    if (this.balance.lt(a)) throw new Error(`purchase refused: the purse holds ${this.balance.toString()}`);
    this.ctr += 1;
    const before = this.balance;
    this.balance = before.sub(a);
    const jws = signJws(this.key, {
      typ: 'purse-purchase', v: 1, mediaId: this.fields.mediaId, ctr: this.ctr, loadCtr: this.loadCtr,
      before: before.toString(), amount: a.toString(), after: this.balance.toString(), terminalId, termSeq, nonce, prev: this.lastHash, iat,
    });
    this.lastHash = purchaseHash(jws);
    this.log.push(jws);
    if (this.log.length > 8) this.log.shift();
    this.signedAll.push(`${this.cert}~${jws}`);
    return `${this.cert}~${jws}`;
  }

  /** Every purchase this simulated card signed, in counter order: the simulator's model (a real card keeps only its log). */
  history(): readonly string[] {
    return this.signedAll;
  }

  /** The card's last purchases as credentials, newest last: what a terminal reads to recover a torn tap. */
  lastPurchases(): string[] {
    return this.log.map((jws) => `${this.cert}~${jws}`);
  }

  /** A clone: the same key and state in another card (what a fraudster's copy of the secure element would be). */
  cloneCard(): PurseCard {
    const c = new PurseCard(this.fields, this.key, this.cert);
    c.balance = this.balance;
    c.ctr = this.ctr;
    c.loadCtr = this.loadCtr;
    c.lastHash = this.lastHash;
    return c;
  }

  /** Signs any purchase fields with the card's key, checking nothing: forgeries for the protocol vectors. */
  forgePurchase(fields: Readonly<Record<string, unknown>>): string {
    return `${this.cert}~${signJws(this.key, { typ: 'purse-purchase', v: 1, mediaId: this.fields.mediaId, ...fields })}`;
  }

  /** A tampered secure element: its balance rewritten without a load. */
  tamper(balance: string): void {
    this.balance = Amount.parseNonNegative(balance, 'balance');
  }
}
