import { decodeBatch, parseIssuerKey, parseRiskPolicy, useCertificateCache, verifyRecord, type IssuerKey, type VerifyContext } from '@dol/chaincode';
import { Issuer, PayerMedium, Terminal } from './signer';

/**
 * The proven-certificate cache (chaincode/src/core/verify-record.ts): a certificate proven once is
 * not proven again, yet every verdict stays what an uncached proof gives, when the issuer key is
 * revoked, re-registered with another key, or outside its validity, and for certificates that fail.
 */
const NOW = 1_767_225_600_000;
const AT = NOW - 60_000;
const issuer = Issuer.generate('issuer-c', 'ES256', NOW - 1e10, NOW + 1e10);
const impostor = Issuer.generate('issuer-c', 'ES256', NOW - 1e10, NOW + 1e10); // same keyId, another key
const policy = parseRiskPolicy({ maxClockSkewMs: 300_000, tapMaxAgeMs: 120_000, faceCapPerPayment: '3000', faceMinScore: 900 });
const wallet = PayerMedium.issue(issuer, {
  mediaId: 'wc', kind: 'wallet', account: 'acct-c', group: 'g1', capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 1000, nbf: NOW - 1e8, exp: NOW + 1e8,
});
const forged = PayerMedium.issue(impostor, {
  mediaId: 'wf', kind: 'wallet', account: 'acct-f', group: 'g1', capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 1000, nbf: NOW - 1e8, exp: NOW + 1e8,
});

const ctxWith = (key: IssuerKey | undefined): VerifyContext => ({ now: NOW, policy, issuerKey: () => key });
const registered = parseIssuerKey(issuer.registration());

function verdictOf(medium: PayerMedium, ctx: VerifyContext, at = AT): string {
  const t = Terminal.generate('pos-c');
  const record = decodeBatch(t.batch([t.record(at, '100', 'code', medium.payCode(at - 1000))])).records[0];
  if (record === undefined) throw new Error('no record');
  const v = verifyRecord(record, ctx);
  return v.ok ? 'OK' : v.reason;
}

/** The verdicts of one sequence of situations, all in one process (the cache lives across them). */
const situations = (): string[] => [
  verdictOf(wallet, ctxWith(registered)),
  verdictOf(wallet, ctxWith(registered)), // the same certificate again: proven from the cache
  verdictOf(wallet, ctxWith({ ...registered, status: 'revoked' })),
  verdictOf(wallet, ctxWith(parseIssuerKey(impostor.registration()))), // keyId re-registered with another key
  verdictOf(wallet, ctxWith(undefined)),
  verdictOf(wallet, ctxWith({ ...registered, validTo: AT - 1 })),
  verdictOf(forged, ctxWith(registered)),
  verdictOf(forged, ctxWith(registered)),
  verdictOf(wallet, ctxWith(registered)),
];

describe('proven-certificate cache', () => {
  afterEach(() => {
    useCertificateCache(true);
  });

  it('gives every verdict an uncached proof gives, across revocation, re-registration, expiry and forgery', () => {
    useCertificateCache(false);
    const uncached = situations();
    useCertificateCache(true);
    const cached = situations();

    expect(cached).toEqual(uncached);
    expect(cached).toEqual(['OK', 'OK', 'ISSUER_REVOKED', 'BAD_CERT_SIGNATURE', 'UNKNOWN_ISSUER', 'ISSUER_NOT_VALID', 'BAD_CERT_SIGNATURE', 'BAD_CERT_SIGNATURE', 'OK']);
  });
});
