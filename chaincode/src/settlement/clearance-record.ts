import { sha256Hex } from '../core/encoding';

/**
 * The clearance record a graduate shows an employer (docs/settlement.md, "A clearance record anyone
 * can verify"): the registrar's organisation writes, on the ledger, one salted SHA-256 digest per
 * claim and nothing else of the student; the student holds the claims and their salts and shows
 * the ones they choose. A verifier hashes each shown claim with its salt and finds it among the
 * digests on a peer of its own organisation (the shape of SD-JWT's disclosures, with the ledger as
 * the issuer's signature). Pure: digests and checks only.
 */

/** The claims a clearance record makes, in a fixed order. */
export const CLEARANCE_CLAIMS = ['account', 'clearedOn', 'debtLeft', 'closingTx'] as const;
export type ClearanceClaim = (typeof CLEARANCE_CLAIMS)[number];

/** One claim as the student holds it: what it says, and the salt that hides it on the ledger. */
export interface Disclosure {
  readonly name: ClearanceClaim;
  readonly value: string;
  readonly salt: string;
}

/** A salt: 22 to 64 base64url characters (at least 128 random bits, chosen by the registrar's gateway). */
export const SALT = /^[A-Za-z0-9_-]{22,64}$/;

/**
 * The digest of one claim: SHA-256 (lowercase hex) of the UTF-8 text `<salt>.<name>.<value>`.
 * Unambiguous: a salt has no '.', a name is one of CLEARANCE_CLAIMS, the value is the rest. A
 * verifier needs nothing but `printf '%s' "$salt.$name.$value" | sha256sum`.
 */
export const claimDigest = (d: Disclosure): string => sha256Hex(`${d.salt}.${d.name}.${d.value}`);

/** The digests a record keeps on the ledger: one per claim, sorted (their order says nothing). */
export const claimDigests = (disclosures: readonly Disclosure[]): string[] => disclosures.map(claimDigest).sort();

/** Which shown claims the ledger's digests vouch for, and which it does not. */
export function checkDisclosures(digests: readonly string[], shown: readonly Disclosure[]): { vouched: Disclosure[]; unknown: Disclosure[] } {
  const known = new Set(digests);
  const vouched: Disclosure[] = [];
  const unknown: Disclosure[] = [];
  for (const d of shown) (known.has(claimDigest(d)) ? vouched : unknown).push(d);
  return { vouched, unknown };
}
