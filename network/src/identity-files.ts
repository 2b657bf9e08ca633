import { mkdirSync, writeFileSync } from 'node:fs';
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
