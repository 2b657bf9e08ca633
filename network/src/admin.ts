import { join } from 'node:path';
import type { Binaries } from './binaries';
import { CHANNEL, dial, namespaceOf, orgOf, ordererName, paths, peerName, type Layout, type OrgKey } from './layout';
import { run, sleep } from './processes';

/**
 * Fabric's CLIs acting as an organisation's admin: channel joins, lifecycle, queries. Each runs on
 * its organisation's own host (in its namespace when the topology gives one), as that
 * organisation's administrator would run it there.
 */

/** The environment under which `peer` acts as the org's admin against the org's own peer. */
export function peerAdminEnv(l: Layout, org: OrgKey): Record<string, string> {
  const p = paths(l);
  return {
    FABRIC_CFG_PATH: p.nodeConfig(peerName(org)),
    CORE_PEER_LOCALMSPID: orgOf(org).mspId,
    CORE_PEER_MSPCONFIGPATH: join(p.admin(org), 'msp'),
    CORE_PEER_ADDRESS: `${dial(l, org)}:${l.ports.peer(org)}`,
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_ROOTCERT_FILE: join(p.orgMsp(org), 'tlscacerts', 'ca.pem'),
    FABRIC_LOGGING_SPEC: 'WARNING',
  };
}

/** The flags that send a transaction to the first orderer over TLS. */
export const ordererFlags = (l: Layout, i = 0): string[] => [
  '-o', `${dial(l, 'orderer')}:${l.ports.orderer(i)}`, '--tls', '--cafile', join(paths(l).bundleMsp('orderer'), 'tlscacerts', 'ca.pem'),
];

export const peerCli = (l: Layout, b: Binaries, org: OrgKey, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<string> =>
  run(b.tools.peer, args, { env: { ...peerAdminEnv(l, org), ...env }, namespace: namespaceOf(l, org) });

/**
 * Sends a transaction through the orderer with `peer`, waiting out an orderer that has no Raft
 * leader yet (a channel just joined elects one after a few ticks: "SERVICE_UNAVAILABLE -- no Raft
 * leader"); nothing was ordered then, so sending again is safe. A second send of something the
 * first did order answers "unchanged content", which is success.
 */
export async function ordered(l: Layout, b: Binaries, org: OrgKey, args: readonly string[], budgetMs = 120_000): Promise<string> {
  const deadline = Date.now() + budgetMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await peerCli(l, b, org, args);
    } catch (error) {
      const text = String(error);
      if (attempt > 1 && /unchanged content/.test(text)) return '';
      if (!/no Raft leader|SERVICE_UNAVAILABLE/.test(text) || Date.now() > deadline) throw error;
      await sleep(1000);
    }
  }
}

/** Joins orderer i to the channel through the channel participation API (osnadmin, mutual TLS as the orderer admin). */
export async function joinOrderer(l: Layout, b: Binaries, i: number): Promise<void> {
  const p = paths(l);
  const adminTls = join(p.admin('orderer'), 'tls');
  await run(b.tools.osnadmin, [
    'channel', 'join', '--channelID', CHANNEL, '--config-block', p.channelBlock, '-o', `${dial(l, 'orderer')}:${l.ports.ordererAdmin(i)}`,
    '--ca-file', join(p.node('orderer', ordererName(i)), 'tls', 'ca.pem'),
    '--client-cert', join(adminTls, 'signcerts', 'cert.pem'), '--client-key', join(adminTls, 'keystore', 'key.pem'),
  ], { namespace: namespaceOf(l, 'orderer') });
}

/** The channels orderer i has joined, as osnadmin lists them. */
export async function ordererChannels(l: Layout, b: Binaries, i: number): Promise<string> {
  const p = paths(l);
  const adminTls = join(p.admin('orderer'), 'tls');
  return run(b.tools.osnadmin, [
    'channel', 'list', '-o', `${dial(l, 'orderer')}:${l.ports.ordererAdmin(i)}`, '--ca-file', join(p.node('orderer', ordererName(i)), 'tls', 'ca.pem'),
    '--client-cert', join(adminTls, 'signcerts', 'cert.pem'), '--client-key', join(adminTls, 'keystore', 'key.pem'),
  ], { namespace: namespaceOf(l, 'orderer') });
}

/** The peer's block height on the channel, or undefined if it has not joined or does not answer. */
export async function blockHeight(l: Layout, b: Binaries, org: OrgKey): Promise<number | undefined> {
  try {
    const out = await peerCli(l, b, org, ['channel', 'getinfo', '-c', CHANNEL]);
    const m = /"height":(\d+)/.exec(out);
    return m?.[1] === undefined ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}
