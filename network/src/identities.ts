import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Binaries } from './binaries';
import { CLIENT_ROLES, caName, contractName, dial, listenOn, namespaceOf, where, ordererName, paths, peerName, type Layout, type OrgKey } from './layout';
import { run, type ProcessSpec } from './processes';

/**
 * Identities come from one fabric-ca server per organisation (no cryptogen): it issues both the
 * enrolment certificates (with NodeOUs and the `role` attribute the contract reads) and the TLS
 * certificates (its `tls` profile), so each organisation is its own root of trust.
 */

const BOOTSTRAP = 'admin:adminpw';
/** The names and addresses an organisation's TLS certificates carry: loopback, and its host's where a topology names one. */
const hostsOf = (l: Layout, org: OrgKey): string => {
  const h = l.hosts[org];
  return h.address.startsWith('127.') ? '127.0.0.1,localhost' : `127.0.0.1,localhost,${h.name},${h.address}`;
};

/** The fabric-ca-server of one organisation, with TLS, on its host's address (127.0.0.1 by default). */
export function caSpec(l: Layout, b: Binaries, org: OrgKey): ProcessSpec {
  const home = paths(l).caHome(org);
  mkdirSync(home, { recursive: true });
  return {
    name: caName(org),
    command: b.tools['fabric-ca-server'],
    port: l.ports.ca(org),
    ...where(l, org),
    args: [
      'start', '--home', home, '-b', BOOTSTRAP, '--address', listenOn(l, org), '--port', String(l.ports.ca(org)),
      '--ca.name', caName(org), '--csr.cn', caName(org), '--csr.hosts', hostsOf(l, org), '--tls.enabled',
      '--operations.listenaddress', `${listenOn(l, org)}:${l.ports.caOperations(org)}`, '--loglevel', 'warning',
    ],
  };
}

const caCert = (l: Layout, org: OrgKey): string => join(paths(l).caHome(org), 'ca-cert.pem');

/** NodeOUs: the certificate's OU (client, peer, admin, orderer, set by fabric-ca from the identity type) is its role in the MSP. */
const NODE_OUS = ['Client', 'Peer', 'Admin', 'Orderer']
  .map((kind) => `  ${kind}OUIdentifier:\n    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: ${kind.toLowerCase()}\n`).join('');
const MSP_CONFIG = `NodeOUs:\n  Enable: true\n${NODE_OUS}`;

/** Gives an enrolled MSP folder fixed file names and the NodeOU config. */
function tidyMsp(msp: string): void {
  const cacerts = join(msp, 'cacerts');
  for (const f of readdirSync(cacerts)) if (f !== 'ca.pem') renameSync(join(cacerts, f), join(cacerts, 'ca.pem'));
  const keystore = join(msp, 'keystore');
  for (const f of readdirSync(keystore)) if (f !== 'key.pem') renameSync(join(keystore, f), join(keystore, 'key.pem'));
  writeFileSync(join(msp, 'config.yaml'), MSP_CONFIG);
}

/** Where an enrolled identity keeps its files. */
export interface Enrolled {
  readonly certificate: string;
  readonly privateKey: string;
}

export const enrolled = (dir: string): Enrolled => ({ certificate: join(dir, 'signcerts', 'cert.pem'), privateKey: join(dir, 'keystore', 'key.pem') });

class CaClient {
  private readonly url: string;
  private readonly home: string;

  constructor(private readonly l: Layout, private readonly b: Binaries, private readonly org: OrgKey) {
    this.url = `${dial(l, org)}:${l.ports.ca(org)}`;
    this.home = join(paths(l).caHome(org), 'client');
  }

  /** fabric-ca-client on the organisation's own host: its identities are requested from there. */
  private cli(args: string[]): Promise<string> {
    return run(this.b.tools['fabric-ca-client'], [...args, '--caname', caName(this.org), '--tls.certfiles', caCert(this.l, this.org), '--loglevel', 'warning'], { namespace: namespaceOf(this.l, this.org) });
  }

  async enrollBootstrap(): Promise<void> {
    await this.cli(['enroll', '-u', `https://${BOOTSTRAP}@${this.url}`, '-H', this.home]);
  }

  async register(name: string, type: 'client' | 'peer' | 'orderer' | 'admin', attrs?: string): Promise<void> {
    const args = ['register', '-u', `https://${this.url}`, '-H', this.home, '--id.name', name, '--id.secret', `${name}pw`, '--id.type', type];
    if (attrs !== undefined) args.push('--id.attrs', attrs);
    await this.cli(args);
  }

  /** Enrols into `dir/msp`, and with the TLS profile into `dir/tls` when asked. */
  async enroll(name: string, dir: string, tls: boolean): Promise<void> {
    const u = `https://${name}:${name}pw@${this.url}`;
    await this.cli(['enroll', '-u', u, '-H', dir, '-M', join(dir, 'msp'), '--csr.cn', name, '--csr.hosts', `${hostsOf(this.l, this.org)},${name}`]);
    tidyMsp(join(dir, 'msp'));
    if (tls) {
      await this.cli(['enroll', '-u', u, '-H', dir, '-M', join(dir, 'tls'), '--enrollment.profile', 'tls', '--csr.cn', name, '--csr.hosts', `${hostsOf(this.l, this.org)},${name}`]);
      const keystore = join(dir, 'tls', 'keystore');
      for (const f of readdirSync(keystore)) if (f !== 'key.pem') renameSync(join(keystore, f), join(keystore, 'key.pem'));
      copyFileSync(caCert(this.l, this.org), join(dir, 'tls', 'ca.pem'));
    }
  }
}

/** The organisation's MSP as the channel sees it: its CA for identities and for TLS, NodeOUs on. */
function writeOrgMsp(l: Layout, org: OrgKey): void {
  const msp = paths(l).orgMsp(org);
  for (const sub of ['cacerts', 'tlscacerts']) {
    mkdirSync(join(msp, sub), { recursive: true });
    copyFileSync(caCert(l, org), join(msp, sub, 'ca.pem'));
  }
  writeFileSync(join(msp, 'config.yaml'), MSP_CONFIG);
}

/** Registers and enrols every identity of one organisation (its CA must be running). */
export async function issueIdentities(l: Layout, b: Binaries, org: OrgKey): Promise<void> {
  const p = paths(l);
  const ca = new CaClient(l, b, org);
  await ca.enrollBootstrap();
  writeOrgMsp(l, org);
  const adminName = `admin.${org}`;
  await ca.register(adminName, 'admin');
  await ca.enroll(adminName, p.admin(org), true);
  if (org === 'orderer') {
    for (let i = 0; i < l.orderers; i++) {
      await ca.register(ordererName(i), 'orderer');
      await ca.enroll(ordererName(i), p.node(org, ordererName(i)), true);
    }
    return;
  }
  await ca.register(peerName(org), 'peer');
  await ca.enroll(peerName(org), p.node(org, peerName(org)), true);
  // The contract server's TLS identity: peers dial it with mutual TLS.
  await ca.register(contractName(org), 'client');
  await ca.enroll(contractName(org), p.node(org, contractName(org)), true);
  for (const role of CLIENT_ROLES[org]) {
    const name = `${role}.${org}`;
    await ca.register(name, 'client', `role=${role}:ecert`);
    await ca.enroll(name, p.user(org, role), false);
  }
}

/** Registers and enrols one more client of `org` with a given role attribute (for access tests); returns its folder. */
export async function issueClientIdentity(l: Layout, b: Binaries, org: OrgKey, name: string, role: string | undefined): Promise<string> {
  const ca = new CaClient(l, b, org);
  await ca.register(name, 'client', role === undefined ? undefined : `role=${role}:ecert`);
  const dir = join(paths(l).org(org), 'extra', name);
  await ca.enroll(name, dir, false);
  return join(dir, 'msp');
}

/** Where a gateway's HTTPS certificate, key and its organisation's TLS CA are (issued by ensureGatewayTls). */
export interface GatewayTls {
  readonly certificate: string;
  readonly privateKey: string;
  readonly ca: string;
}

/**
 * The HTTPS certificate of an organisation's gateway API, from the organisation's own CA (its `tls`
 * profile, for 127.0.0.1 and localhost): registered and enrolled once, when first asked for (the
 * CA must be running), and kept.
 */
export async function ensureGatewayTls(l: Layout, b: Binaries, org: OrgKey): Promise<GatewayTls> {
  const dir = join(paths(l).org(org), 'gateway-api');
  const files: GatewayTls = { certificate: join(dir, 'tls', 'signcerts', 'cert.pem'), privateKey: join(dir, 'tls', 'keystore', 'key.pem'), ca: join(dir, 'tls', 'ca.pem') };
  if (existsSync(files.certificate) && existsSync(files.privateKey)) return files;
  const ca = new CaClient(l, b, org);
  const name = `gateway-api.${org}`;
  try {
    await ca.register(name, 'client');
  } catch (error) {
    // Registered by an earlier start that stopped before enrolling: enrol with the same secret.
    if (!/already registered/i.test(error instanceof Error ? error.message : String(error))) throw error;
  }
  await ca.enroll(name, dir, true);
  return files;
}

