import type { IssuerKey, JwsAlg, MediaKind } from '@dol/chaincode';
import { generateSigningKey, type SigningKey } from '@dol/terminal';
import { signJws } from '@dol/terminal';

/** The fields of a media certificate, wire form (amounts as decimal strings). */
export interface CertFields {
  readonly mediaId: string;
  readonly kind: MediaKind;
  readonly account: string;
  readonly group: string;
  readonly capPerPayment: string;
  readonly capTotal: string;
  readonly ctrFrom: number;
  readonly ctrTo: number;
  readonly nbf: number;
  readonly exp: number;
}

/** The operator's certificate issuer: one registered key that signs media certificates. */
export class Issuer {
  constructor(
    readonly keyId: string,
    readonly key: SigningKey,
    readonly validFrom: number,
    readonly validTo: number,
  ) {}

  /** A new issuer with a fresh key. */
  static generate(keyId: string, alg: JwsAlg, validFrom: number, validTo: number): Issuer {
    return new Issuer(keyId, generateSigningKey(alg), validFrom, validTo);
  }

  /** The registration the ledger stores (wire form). */
  registration(status: 'active' | 'revoked' = 'active'): Record<keyof IssuerKey, unknown> {
    return { keyId: this.keyId, alg: this.key.alg, publicKey: this.key.jwk, validFrom: this.validFrom, validTo: this.validTo, status };
  }

  /** Signs a certificate binding the medium's public key to its account and limits. */
  certify(fields: CertFields, mediaKey: SigningKey): string {
    return signJws(this.key, { typ: 'media-cert', v: 1, ...fields, jwk: mediaKey.jwk }, { kid: this.keyId });
  }
}
