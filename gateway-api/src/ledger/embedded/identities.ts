import type { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { ROLE_ORGS } from '@dol/chaincode/contract';
import type { LedgerRole } from '../ledger-port';

/** fabric-ca's certificate extension carrying attributes (`{"attrs":{"role":"..."}}`), read by the shim's ClientIdentity. */
const FABRIC_ATTRS_OID = '1.2.3.4.5.6.7.8.1';
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const ROLES: readonly LedgerRole[] = ['gateway', 'operator', 'finance', 'registrar', 'auditor'];

/** A caller of the embedded ledger: its organisation and its certificate with the `role` attribute. */
export interface EmbeddedIdentity {
  readonly mspId: string;
  readonly certificatePem: string;
}

/** The organisations' root certificates and one identity per role, written into the genesis block. */
export interface EmbeddedIdentities {
  readonly roots: Readonly<Record<string, string>>;
  readonly roles: Readonly<Record<LedgerRole, EmbeddedIdentity>>;
}

x509.cryptoProvider.set(globalThis.crypto);

/**
 * Makes, once per ledger, the certificates its transactions name as creators: a root per
 * organisation and a certificate per role carrying fabric-ca's `role` attribute, so the contract's
 * guard reads the caller exactly as it does on a peer. The embedded ledger runs in the gateway's
 * process and signs nothing: these name callers, they do not authenticate them.
 */
export async function makeIdentities(now: Date): Promise<EmbeddedIdentities> {
  const notAfter = new Date(now.getTime() + 20 * 365 * 86_400_000);
  const roots: Record<string, string> = {};
  const cas = new Map<string, { cert: x509.X509Certificate; keys: webcrypto.CryptoKeyPair }>();
  for (const mspId of [...new Set(Object.values(ROLE_ORGS))].sort()) {
    const keys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01', name: `CN=ca.${mspId.toLowerCase()}.embedded,O=${mspId}`, notBefore: now, notAfter, keys, signingAlgorithm: ALG,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
    });
    cas.set(mspId, { cert, keys });
    roots[mspId] = cert.toString('pem');
  }
  const roles: Partial<Record<LedgerRole, EmbeddedIdentity>> = {};
  let serial = 2;
  for (const role of ROLES) {
    const mspId = ROLE_ORGS[role];
    const ca = cas.get(mspId);
    if (ca === undefined) throw new Error(`no root for ${mspId}`);
    const keys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (serial++).toString(16).padStart(2, '0'), subject: `CN=${role},OU=client,O=${mspId}`, issuer: ca.cert.subject,
      notBefore: now, notAfter, signingKey: ca.keys.privateKey, publicKey: keys.publicKey, signingAlgorithm: ALG,
      extensions: [new x509.Extension(FABRIC_ATTRS_OID, false, Buffer.from(JSON.stringify({ attrs: { role } }), 'utf8'))],
    });
    roles[role] = { mspId, certificatePem: cert.toString('pem') };
  }
  return { roots, roles: roles as Record<LedgerRole, EmbeddedIdentity> };
}
