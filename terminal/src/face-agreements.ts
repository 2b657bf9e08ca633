import { FieldReader, parseAccountId } from '@dol/chaincode';

/**
 * The accounts whose direct-debit agreement is live, as a face terminal holds them: a face is no
 * medium with a certificate, so the agreement the student signed is what allows it offline
 * (docs/wallet.md, "Faces"). `asOf` is the ledger time the list was read.
 */
export interface FaceAgreements {
  readonly asOf: number;
  readonly accounts: ReadonlySet<string>;
}

/** Parses `GET /v1/face-agreements` (the centre's or the edge's): `{asOf, accounts}`. */
export function parseFaceAgreements(value: unknown): FaceAgreements {
  const r = FieldReader.of(value, 'faceAgreements', ['asOf', 'accounts']);
  const list = r.raw('accounts');
  if (!Array.isArray(list)) throw new Error('faceAgreements.accounts must be a list of account ids');
  return { asOf: r.int('asOf'), accounts: new Set(list.map((a) => parseAccountId(a))) };
}
