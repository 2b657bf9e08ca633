import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ordered, ordererFlags, peerCli } from './admin';
import type { Binaries } from './binaries';
import { CHAINCODE, CHANNEL, ENDORSING_ORGS, ENDORSEMENT_POLICY, PEER_ORGS, contractName, dial, listenOn, paths, where, peerName, type Layout, type OrgKey } from './layout';
import { run, waitFor, type ProcessSpec } from './processes';

/**
 * Chaincode as a service, through the full lifecycle. Each organisation packages its own
 * connection.json (its own contract server's address and TLS material), so each org's peer runs
 * the org's own code; the package ids differ per org, the agreed definition does not.
 */

const ROOT = resolve(__dirname, '..', '..');
const SHIM_CLI = join(ROOT, 'node_modules', 'fabric-shim', 'cli.js');
const MODULE = join(ROOT, 'chaincode', 'ccaas');

/** What is deployed: the definition's sequence and each org's installed package. */
export interface Deployment {
  readonly sequence: number;
  readonly version: string;
  readonly packages: Readonly<Partial<Record<OrgKey, string>>>;
}

const pem = (file: string): string => readFileSync(file, 'utf8');

/** Builds the org's CCaaS package (metadata.json + code.tar.gz holding connection.json). */
export async function packageFor(l: Layout, org: OrgKey, label: string): Promise<string> {
  const p = paths(l);
  const dir = p.chaincode(org);
  mkdirSync(dir, { recursive: true });
  const peerTls = join(p.node(org, peerName(org)), 'tls');
  const work = mkdtempSync(join(tmpdir(), 'ccaas-'));
  try {
    writeFileSync(join(work, 'connection.json'), JSON.stringify({
      address: `${dial(l, org)}:${l.ports.contract(org)}`,
      dial_timeout: '10s',
      tls_required: true,
      client_auth_required: true,
      client_key: pem(join(peerTls, 'keystore', 'key.pem')),
      client_cert: pem(join(peerTls, 'signcerts', 'cert.pem')),
      root_cert: pem(join(peerTls, 'ca.pem')),
    }));
    writeFileSync(join(work, 'metadata.json'), JSON.stringify({ type: 'ccaas', label }));
    await run('tar', ['-C', work, '-czf', join(work, 'code.tar.gz'), 'connection.json']);
    const file = join(dir, `${label}.tar.gz`);
    await run('tar', ['-C', work, '-czf', file, 'metadata.json', 'code.tar.gz']);
    return file;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The contract server of one org: fabric-chaincode-node's own server, TLS with client auth. */
export function contractSpec(l: Layout, org: OrgKey, packageId: string, extraEnv: Record<string, string> = {}): ProcessSpec {
  const tls = join(paths(l).node(org, contractName(org)), 'tls');
  return {
    name: contractName(org),
    command: process.execPath,
    port: l.ports.contract(org),
    ...where(l, org),
    env: { CORE_CHAINCODE_LOGGING_LEVEL: 'WARNING', ...extraEnv },
    // DOL_CONTRACT_NODE_FLAGS: node flags for the contract servers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    args: [
      ...(process.env.DOL_CONTRACT_NODE_FLAGS ?? '').split(' ').filter((f) => f.length > 0), SHIM_CLI, 'server', '--chaincode-address', `${listenOn(l, org)}:${l.ports.contract(org)}`, '--chaincode-id', packageId, '--module-path', MODULE,
      '--chaincode-tls-cert-file', join(tls, 'signcerts', 'cert.pem'), '--chaincode-tls-key-file', join(tls, 'keystore', 'key.pem'),
      '--chaincode-tls-client-cacert-file', join(tls, 'ca.pem'),
    ],
  };
}

/** Packages and installs sequence `sequence` on every peer; returns each org's package id. */
export async function installAll(l: Layout, b: Binaries, sequence: number): Promise<Record<OrgKey, string>> {
  const label = `${CHAINCODE}_${sequence}`;
  const ids = await Promise.all(PEER_ORGS.map(async (o) => {
    const file = await packageFor(l, o.key, label);
    const id = (await peerCli(l, b, o.key, ['lifecycle', 'chaincode', 'calculatepackageid', file])).trim();
    const installed = await peerCli(l, b, o.key, ['lifecycle', 'chaincode', 'queryinstalled']);
    if (!installed.includes(id)) await peerCli(l, b, o.key, ['lifecycle', 'chaincode', 'install', file]);
    return [o.key, id] as const;
  }));
  return Object.fromEntries(ids) as Record<OrgKey, string>;
}

export const definition = (sequence: number): string[] => [
  '--channelID', CHANNEL, '--name', CHAINCODE, '--version', String(sequence), '--sequence', String(sequence), '--signature-policy', ENDORSEMENT_POLICY,
];

/** Every org approves (AuditOrg too: its peer cannot even evaluate without its own approval), then the definition is committed. */
export async function approveAndCommit(l: Layout, b: Binaries, sequence: number, packages: Readonly<Record<OrgKey, string>>): Promise<void> {
  await Promise.all(PEER_ORGS.map((o) => ordered(l, b, o.key, [
    'lifecycle', 'chaincode', 'approveformyorg', ...ordererFlags(l), ...definition(sequence), '--package-id', packages[o.key], '--waitForEvent',
  ])));
  const p = paths(l);
  const endorsers = ENDORSING_ORGS.flatMap((o) => ['--peerAddresses', `${dial(l, o.key)}:${l.ports.peer(o.key)}`, '--tlsRootCertFiles', join(p.bundleMsp(o.key), 'tlscacerts', 'ca.pem')]);
  await ordered(l, b, 'operator', ['lifecycle', 'chaincode', 'commit', ...ordererFlags(l), ...definition(sequence), ...endorsers, '--waitForEvent']);
  await Promise.all(PEER_ORGS.map((o) => waitFor(`${peerName(o.key)} to see ${CHAINCODE} sequence ${sequence} committed`, async () => {
    try {
      const out = await peerCli(l, b, o.key, ['lifecycle', 'chaincode', 'querycommitted', '--channelID', CHANNEL, '--name', CHAINCODE]);
      return out.includes(`Sequence: ${sequence},`);
    } catch {
      return false;
    }
  })));
}
