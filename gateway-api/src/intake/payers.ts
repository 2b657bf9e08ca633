import { decodeJws, parseFaceAttestation, parseMediaCert, type Batch } from '@dol/chaincode';

/**
 * The payer accounts a batch will charge, read from its decoded records without verifying
 * anything (this is scheduling, not judgement: a credential that does not parse names no account,
 * and the contract will reject it without touching one). Face records name the account; code and
 * tap credentials carry it in the media certificate, the first JWS of `<cert>~<payer JWS>`.
 * Computed once, when the batch is accepted, and kept with its intake row.
 */
export function payerAccounts(batch: Pick<Batch, 'records'>): string[] {
  const accounts = new Set<string>();
  for (const r of batch.records) {
    const account = accountOf(r.credential);
    if (account !== undefined) accounts.add(account);
  }
  return [...accounts].sort();
}

/** With the domain core's own parsers; what they refuse, the contract rejects without an account. */
function accountOf(credential: unknown): string | undefined {
  try {
    if (typeof credential !== 'string') return parseFaceAttestation(credential).account;
    return parseMediaCert(decodeJws(credential.split('~')[0]).payload).account;
  } catch {
    return undefined;
  }
}
