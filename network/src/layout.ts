import { join } from 'node:path';

/** The organisations of DESIGN §3, and the one that can join later (the education bureau, a second auditor). */
export type OrgKey = 'orderer' | 'operator' | 'campus' | 'audit' | 'bureau';

/** An organisation: its MSP id and the index that places its ports. */
export interface Org {
  readonly key: OrgKey;
  readonly name: string;
  readonly mspId: string;
  readonly index: number;
}

export const ORGS: readonly Org[] = [
  { key: 'orderer', name: 'OrdererOrg', mspId: 'OrdererMSP', index: 0 },
  { key: 'operator', name: 'OperatorOrg', mspId: 'OperatorMSP', index: 1 },
  { key: 'campus', name: 'CampusOrg', mspId: 'CampusMSP', index: 2 },
  { key: 'audit', name: 'AuditOrg', mspId: 'AuditMSP', index: 3 },
];

/** The education bureau: not a founder of the channel; it joins a live channel (add-org.ts), a second auditor whose peer endorses nothing. */
export const BUREAU: Org = { key: 'bureau', name: 'BureauOrg', mspId: 'BureauMSP', index: 4 };

/** The organisations that run a peer (and a contract server). */
export const PEER_ORGS: readonly Org[] = ORGS.filter((o) => o.key !== 'orderer');
/** The organisations whose peers must both endorse every write: AND(Operator, Campus). */
export const ENDORSING_ORGS: readonly Org[] = PEER_ORGS.filter((o) => o.key !== 'audit');

export const orgOf = (key: OrgKey): Org => {
  const org = [...ORGS, BUREAU].find((o) => o.key === key);
  if (org === undefined) throw new Error(`no organisation ${key}`);
  return org;
};

/** Client identities issued by each org's CA, with the `role` attribute the contract reads (access.ts). */
export const CLIENT_ROLES: Readonly<Record<OrgKey, readonly string[]>> = {
  orderer: [],
  operator: ['gateway', 'operator'],
  campus: ['finance', 'registrar'],
  audit: ['auditor'],
  bureau: ['auditor'],
};

export const CHANNEL = 'campus';
export const CHAINCODE = 'settlement';
export const ENDORSEMENT_POLICY = "AND('OperatorMSP.peer','CampusMSP.peer')";

/** Every port of one network, derived from one base so two networks (npm start, tests) can coexist. */
export interface Ports {
  readonly ca: (org: OrgKey) => number;
  readonly caOperations: (org: OrgKey) => number;
  readonly orderer: (i: number) => number;
  readonly ordererAdmin: (i: number) => number;
  readonly ordererOperations: (i: number) => number;
  readonly peer: (org: OrgKey) => number;
  readonly peerChaincode: (org: OrgKey) => number;
  readonly peerOperations: (org: OrgKey) => number;
  readonly contract: (org: OrgKey) => number;
}

export function portsFrom(base: number): Ports {
  const at = (org: OrgKey, offset: number): number => base + orgOf(org).index * 10 + offset;
  return {
    ca: (org) => base + 100 + orgOf(org).index,
    caOperations: (org) => base + 110 + orgOf(org).index,
    orderer: (i) => base + 50 + i,
    ordererAdmin: (i) => base + 60 + i,
    ordererOperations: (i) => base + 70 + i,
    peer: (org) => at(org, 1),
    peerChaincode: (org) => at(org, 2),
    peerOperations: (org) => at(org, 3),
    contract: (org) => at(org, 4),
  };
}

/** Where one organisation's processes run: its host name (in certificates and configuration), its address, and for tests its network namespace. */
export interface OrgHost {
  readonly name: string;
  readonly address: string;
  /** A Linux network namespace of this machine that stands for the host (tests); none on a real host. */
  readonly namespace?: string;
}

const ORG_KEYS: readonly OrgKey[] = ['orderer', 'operator', 'campus', 'audit', 'bureau'];
/** Today's network: every organisation on this machine's loopback (npm start, CI). */
export const LOOPBACK_HOSTS: Readonly<Record<OrgKey, OrgHost>> = Object.fromEntries(ORG_KEYS.map((o) => [o, { name: 'localhost', address: '127.0.0.1' }])) as Record<OrgKey, OrgHost>;

/** Where one network lives on disk, and its shape. */
export interface Layout {
  /** Everything the network writes: crypto, ledgers, configs, logs, state. Git-ignored. */
  readonly dir: string;
  readonly portBase: number;
  /** Raft orderers: 1 by default, 3 for the fault tests. */
  readonly orderers: number;
  readonly ports: Ports;
  /** Each organisation's host (topology.ts); all on loopback unless a topology says otherwise. */
  readonly hosts: Readonly<Record<OrgKey, OrgHost>>;
}

export function layout(dir: string, portBase: number, orderers: number, hosts: Readonly<Record<OrgKey, OrgHost>> = LOOPBACK_HOSTS): Layout {
  if (![1, 3, 5].includes(orderers)) throw new Error(`--orderers must be 1, 3 or 5 (a Raft cluster of odd size), not ${orderers}`);
  if (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65000) throw new Error(`port base ${portBase} is outside 1024..65000`);
  return { dir, portBase, orderers, ports: portsFrom(portBase), hosts };
}

/** The address an organisation's processes listen on. */
export const listenOn = (l: Layout, org: OrgKey): string => l.hosts[org].address;
/** How others reach an organisation's processes: its host name, or 127.0.0.1 on loopback (today's network, unchanged). */
export const dial = (l: Layout, org: OrgKey): string => (l.hosts[org].address.startsWith('127.') ? '127.0.0.1' : l.hosts[org].name);
/** The network namespace an organisation's processes run in, if any. */
export const namespaceOf = (l: Layout, org: OrgKey): string | undefined => l.hosts[org].namespace;

/** Names and folders of the network's nodes. */
export const ordererName = (i: number): string => `orderer${i}`;
export const peerName = (org: OrgKey): string => `peer0.${org}`;
export const contractName = (org: OrgKey): string => `contract.${org}`;
export const caName = (org: OrgKey): string => `ca.${org}`;

export const paths = (l: Layout) => ({
  logs: join(l.dir, 'logs'),
  state: join(l.dir, 'network.json'),
  caHome: (org: OrgKey) => join(l.dir, 'ca', org),
  org: (org: OrgKey) => join(l.dir, 'orgs', org),
  orgMsp: (org: OrgKey) => join(l.dir, 'orgs', org, 'msp'),
  /** What the organisation sends the others: public material only (bundle.ts). */
  bundle: (org: OrgKey) => join(l.dir, 'bundles', org),
  bundleMsp: (org: OrgKey) => join(l.dir, 'bundles', org, 'msp'),
  admin: (org: OrgKey) => join(l.dir, 'orgs', org, 'admin'),
  node: (org: OrgKey, name: string) => join(l.dir, 'orgs', org, 'nodes', name),
  user: (org: OrgKey, role: string) => join(l.dir, 'orgs', org, 'users', role),
  nodeData: (name: string) => join(l.dir, 'data', name),
  nodeConfig: (name: string) => join(l.dir, 'config', name),
  channelBlock: join(l.dir, 'channel', `${CHANNEL}.block`),
  configtx: join(l.dir, 'channel'),
  chaincode: (org: OrgKey) => join(l.dir, 'chaincode', org),
  identities: join(l.dir, 'identities'),
});

/** Where an organisation's process answers and runs: its host, and its namespace if it has one. */
export const where = (l: Layout, org: OrgKey): { host: string; namespace?: string } => {
  const namespace = namespaceOf(l, org);
  return { host: dial(l, org), ...(namespace === undefined ? {} : { namespace }) };
};

/** The orderers' endpoints, as clients and peers reach them. */
export const orderingEndpoints = (l: Layout): string[] => Array.from({ length: l.orderers }, (_, i) => `${dial(l, 'orderer')}:${l.ports.orderer(i)}`);
