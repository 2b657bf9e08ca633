/**
 * What one organisation sends the others (issue 23): its bundle, public material only. The MSP's
 * public half (its CA and TLS CA certificates and its NodeOUs), and its endpoints (its anchor peer;
 * for the orderer organisation, its orderers). The channel configuration and every other
 * organisation's view of it are made from bundles, never from another organisation's folder.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { dial, orderingEndpoints, orgOf, paths, type Layout, type OrgKey } from './layout';

/** Writes `bundles/<org>/`: `msp/` (cacerts, tlscacerts, config.yaml) and `bundle.json` (who and where). */
export function writeBundle(l: Layout, org: OrgKey): string {
  const p = paths(l);
  const dir = p.bundle(org);
  for (const sub of ['cacerts', 'tlscacerts']) {
    mkdirSync(join(dir, 'msp', sub), { recursive: true });
    copyFileSync(join(p.orgMsp(org), sub, 'ca.pem'), join(dir, 'msp', sub, 'ca.pem'));
  }
  copyFileSync(join(p.orgMsp(org), 'config.yaml'), join(dir, 'msp', 'config.yaml'));
  const o = orgOf(org);
  const endpoints = org === 'orderer' ? { orderers: orderingEndpoints(l) } : { anchorPeer: `${dial(l, org)}:${l.ports.peer(org)}` };
  writeFileSync(join(dir, 'bundle.json'), `${JSON.stringify({ organisation: o.name, mspId: o.mspId, host: l.hosts[org].name, ...endpoints }, null, 2)}\n`);
  return dir;
}

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const isKey = (text: string): boolean => text.includes('PRIVATE KEY');

/** An organisation's own folders: its identities and CA (what stays on its host). */
export const orgFolders = (l: Layout, org: OrgKey): string[] => [paths(l).org(org), paths(l).caHome(org)];

/**
 * Every private key found where it does not belong: in a bundle, or in one organisation's folders
 * while it is another organisation's key. Empty when no secret crosses.
 */
export function keysOutOfPlace(l: Layout, orgs: readonly OrgKey[]): string[] {
  const own = new Map<OrgKey, Set<string>>();
  for (const org of orgs) own.set(org, new Set(orgFolders(l, org).flatMap(files).map((f) => readFileSync(f, 'utf8')).filter(isKey)));
  const out: string[] = [];
  for (const org of orgs) for (const f of files(paths(l).bundle(org))) if (isKey(readFileSync(f, 'utf8'))) out.push(`${relative(l.dir, f)} (a bundle)`);
  for (const org of orgs) {
    for (const f of orgFolders(l, org).flatMap(files)) {
      const text = readFileSync(f, 'utf8');
      if (!isKey(text)) continue;
      for (const other of orgs) if (other !== org && own.get(other)?.has(text) === true) out.push(`${relative(l.dir, f)} holds ${other}'s key`);
    }
  }
  return out;
}
