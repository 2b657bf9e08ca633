import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { enrolled } from './identities';
import { CLIENT_ROLES, PEER_ORGS, orgOf, paths, type Layout, type OrgKey } from './layout';

/** One client identity as the gateway's DOL_IDENTITIES_FILE lists it: MSP id and PEM file paths. */
export interface IdentityFileEntry {
  readonly mspId: string;
  readonly certificate: string;
  readonly privateKey: string;
}

/** The identities file of one organisation's gateway: every role that org's CA issued. */
export const identitiesFile = (l: Layout, org: OrgKey): string => join(paths(l).identities, `${org}.json`);

/** The files of one org's client identity with a given role. */
export function clientIdentity(l: Layout, org: OrgKey, role: string): IdentityFileEntry {
  const files = enrolled(join(paths(l).user(org, role), 'msp'));
  return { mspId: orgOf(org).mspId, certificate: files.certificate, privateKey: files.privateKey };
}

/** Writes identities/<org>.json for each org with users, for the gateway of that org. */
export function writeIdentities(l: Layout): void {
  mkdirSync(paths(l).identities, { recursive: true });
  for (const o of PEER_ORGS) {
    const entries = Object.fromEntries(CLIENT_ROLES[o.key].map((role) => [role, clientIdentity(l, o.key, role)]));
    writeFileSync(identitiesFile(l, o.key), `${JSON.stringify(entries, null, 2)}\n`);
  }
}

/** The org whose CA issues each client role (chaincode/src/contract/access.ts ROLE_ORGS). */
export const ROLE_ORG: Readonly<Record<string, OrgKey>> = { gateway: 'operator', operator: 'operator', finance: 'campus', registrar: 'campus', auditor: 'audit' };

/** Every client role's identity as PEM text, for a gateway client acting in every role (tests, benchmarks). */
export function allRoleIdentities(l: Layout): Record<string, { mspId: string; certificatePem: string; privateKeyPem: string }> {
  return Object.fromEntries(Object.entries(ROLE_ORG).map(([role, org]) => {
    const id = clientIdentity(l, org, role);
    return [role, { mspId: id.mspId, certificatePem: readFileSync(id.certificate, 'utf8'), privateKeyPem: readFileSync(id.privateKey, 'utf8') }];
  }));
}
