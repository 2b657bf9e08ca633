import type { JwsAlg, Tender } from '@dol/chaincode';
import type { CertFields, Issuer } from './issuer';
import { generateSigningKey, type SigningKey } from '@dol/terminal';
import { signJws } from '@dol/terminal';

/** A payer medium: a phone wallet showing QR codes or a card/phone tapping NFC. Keeps its own counter. */
export class PayerMedium {
  private ctr: number;

  constructor(
    readonly fields: CertFields,
    readonly key: SigningKey,
    readonly cert: string,
  ) {
    this.ctr = fields.ctrFrom;
  }

  /** A medium with a fresh key, certified by the issuer. */
  static issue(issuer: Issuer, fields: CertFields, alg: JwsAlg = 'ES256'): PayerMedium {
    const key = generateSigningKey(alg);
    return new PayerMedium(fields, key, issuer.certify(fields, key));
  }

  /** The next counter value (strictly increasing per medium). */
  nextCtr(): number {
    return this.ctr++;
  }

  /** A payment code credential `<cert>~<code>`, as the QR code carries it. */
  payCode(iat: number, ttl = 60_000, ctr = this.nextCtr(), tender?: Tender): string {
    const code = signJws(this.key, { typ: 'pay-code', v: 1, mediaId: this.fields.mediaId, ctr, iat, ttl, ...(tender === undefined ? {} : { tender }) });
    return `${this.cert}~${code}`;
  }

  /** A payment code the student chose to pay in points: the tender is signed with it. */
  pointsCode(iat: number, ttl = 60_000, ctr = this.nextCtr()): string {
    return this.payCode(iat, ttl, ctr, 'points');
  }

  /** A tap credential: the payer signs the exact amount and terminal (and `points`, when paying in points). */
  tap(amount: string, terminalId: string, iat: number, nonce: string, ctr = this.nextCtr(), tender?: Tender): string {
    const auth = signJws(this.key, { typ: 'tap-auth', v: 1, mediaId: this.fields.mediaId, ctr, amount, terminalId, nonce, iat, ...(tender === undefined ? {} : { tender }) });
    return `${this.cert}~${auth}`;
  }
}

/** A face attestation (no payer signature; the terminal's batch signature covers it). */
export function faceCredential(account: string, score: number): { typ: 'face'; v: 1; account: string; score: number } {
  return { typ: 'face', v: 1, account, score };
}
