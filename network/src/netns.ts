/**
 * Separate hosts on one machine, for tests (issue 23): each organisation's processes in a Linux
 * network namespace of their own, with a private address, joined by a bridge that lives in a
 * namespace of its own too, so that no address exists outside these namespaces and no traffic
 * leaves them. Host names resolve per namespace through `/etc/netns/<name>/hosts`, which
 * `ip netns exec` mounts over /etc/hosts. Everything made here is removed by `removeHosts`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OrgHost } from './layout';

/** The namespace that holds the bridge: the switch between the hosts. */
export const switchNamespace = (hosts: Readonly<Record<string, OrgHost>>): string => `${Object.values(hosts)[0]?.namespace?.split('-')[0] ?? 'dol'}-switch`;

const ip = (...args: string[]): void => {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
};

/** Whether this machine lets us make network namespaces (root and iproute2); the reason when it does not. */
export function namespacesUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: network namespaces need root';
  const probe = `dolprobe${process.pid % 100000}`;
  const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (made.status !== 0) return `ip netns add failed: ${(made.stderr || made.error?.message || '').trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

/** The namespaces a topology names, with their org. */
function namespaced(hosts: Readonly<Record<string, OrgHost>>): [string, OrgHost & { namespace: string }][] {
  return Object.entries(hosts).flatMap(([org, h]) => (h.namespace === undefined ? [] : [[org, { ...h, namespace: h.namespace }] as [string, OrgHost & { namespace: string }]]));
}

/** The /etc/hosts every namespace sees: every organisation's name at its address. */
export function hostsFile(hosts: Readonly<Record<string, OrgHost>>): string {
  return ['127.0.0.1 localhost', ...Object.values(hosts).map((h) => `${h.address} ${h.name}`), ''].join('\n');
}

/**
 * Makes the hosts: a namespace per organisation with `eth0` at its address (/24), a switch
 * namespace with a bridge, a veth pair from each host to the bridge, and the hosts file.
 * Whatever a failed attempt made is removed before the error is thrown.
 */
export function makeHosts(hosts: Readonly<Record<string, OrgHost>>): void {
  const sw = switchNamespace(hosts);
  try {
    ip('netns', 'add', sw);
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', sw, 'link', 'set', 'br0', 'up');
    ip('-n', sw, 'link', 'set', 'lo', 'up');
    namespaced(hosts).forEach(([org, h], i) => {
      ip('netns', 'add', h.namespace);
      const port = `p${i}-${org}`.slice(0, 15);
      ip('-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.namespace);
      ip('-n', sw, 'link', 'set', port, 'master', 'br0');
      ip('-n', sw, 'link', 'set', port, 'up');
      ip('-n', h.namespace, 'addr', 'add', `${h.address}/24`, 'dev', 'eth0');
      ip('-n', h.namespace, 'link', 'set', 'eth0', 'up');
      ip('-n', h.namespace, 'link', 'set', 'lo', 'up');
      const etc = join('/etc/netns', h.namespace);
      mkdirSync(etc, { recursive: true });
      writeFileSync(join(etc, 'hosts'), hostsFile(hosts));
    });
  } catch (error) {
    removeHosts(hosts);
    throw error;
  }
}

/** Removes every namespace, link and hosts file `makeHosts` made (deleting a namespace deletes its links). */
export function removeHosts(hosts: Readonly<Record<string, OrgHost>>): void {
  for (const [, h] of namespaced(hosts)) {
    spawnSync('ip', ['netns', 'del', h.namespace]);
    rmSync(join('/etc/netns', h.namespace), { recursive: true, force: true });
  }
  spawnSync('ip', ['netns', 'del', switchNamespace(hosts)]);
}

/** The namespaces of this topology that exist now (to prove nothing is left behind). */
export function existingNamespaces(hosts: Readonly<Record<string, OrgHost>>): string[] {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0] ?? '');
  const ours = new Set([...namespaced(hosts).map(([, h]) => h.namespace), switchNamespace(hosts)]);
  return listed.filter((n) => ours.has(n));
}

/** A command run inside an organisation's namespace (its processes, its admin CLI). */
export function inNamespace(namespace: string | undefined, command: string, args: readonly string[]): { command: string; args: string[] } {
  return namespace === undefined ? { command, args: [...args] } : { command: 'ip', args: ['netns', 'exec', namespace, command, ...args] };
}

/** Cuts (down) or heals (up) an organisation's link to the bridge: the fault of a cut cable. */
export function setLink(hosts: Readonly<Record<string, OrgHost>>, org: string, state: 'up' | 'down'): void {
  const h = hosts[org];
  if (h?.namespace === undefined) throw new Error(`${org} has no namespace`);
  ip('-n', h.namespace, 'link', 'set', 'eth0', state);
}

/** Caps an organisation's link with a token bucket (tc tbf), or lifts the cap (undefined): what a campus WAN costs. */
export function capLink(hosts: Readonly<Record<string, OrgHost>>, org: string, mbit: number | undefined): void {
  const h = hosts[org];
  if (h?.namespace === undefined) throw new Error(`${org} has no namespace`);
  spawnSync('ip', ['netns', 'exec', h.namespace, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root']);
  if (mbit !== undefined) execFileSync('ip', ['netns', 'exec', h.namespace, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'tbf', 'rate', `${mbit}mbit`, 'burst', '32kbit', 'latency', '400ms']);
}
