import { readFileSync } from 'node:fs';
import type { OrgHost, OrgKey } from './layout';
import { isRecord } from './json';

/** What a network is made from (`network:up --topology FILE`): one host per organisation, the ports from one base. */
export interface Topology {
  readonly v: 1;
  readonly portBase: number;
  readonly hosts: Readonly<Record<OrgKey, OrgHost>>;
  /** Where the bring-up runs from (an administrator's machine on the same network); tests run `network:up` there. */
  readonly control?: OrgHost;
}

const ORG_KEYS: readonly OrgKey[] = ['orderer', 'operator', 'campus', 'audit'];
/** Hosts a topology may name: the bureau's, which joins later (add-org.ts), and the administrator's. */
const OPTIONAL: readonly string[] = ['bureau', 'control'];
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const NAMESPACE = /^[a-z][a-z0-9-]{0,14}$/;

/** True for an IPv4 address of a private range (RFC 1918) or loopback: a topology never names a public address. */
export function isPrivateIpv4(address: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (m === null) return false;
  const [a, b, c, d] = m.slice(1).map(Number) as [number, number, number, number];
  if ([a, b, c, d].some((x) => x > 255)) return false;
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a === 127;
}

/** Every problem in a topology document, each naming its field; empty when it is sound. */
export function topologyProblems(value: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(value)) return ['the topology must be a JSON object'];
  for (const k of Object.keys(value)) if (!['v', 'portBase', 'hosts'].includes(k)) problems.push(`unknown field "${k}"`);
  if (value.v !== 1) problems.push('v must be 1');
  if (value.portBase !== undefined && (!Number.isInteger(value.portBase) || Number(value.portBase) < 1024 || Number(value.portBase) > 32000)) problems.push('portBase must be a whole number from 1024 to 32000 (below the ephemeral range)');
  const hosts = value.hosts;
  if (!isRecord(hosts)) return [...problems, 'hosts must be an object with one entry per organisation (orderer, operator, campus, audit)'];
  for (const k of Object.keys(hosts)) if (!ORG_KEYS.includes(k as OrgKey) && !OPTIONAL.includes(k)) problems.push(`hosts.${k}: no such organisation (orderer, operator, campus, audit; or bureau, control)`);
  const seen = { name: new Map<string, string>(), address: new Map<string, string>(), namespace: new Map<string, string>() };
  let withNamespace = 0;
  for (const org of [...ORG_KEYS, ...OPTIONAL]) {
    const h = hosts[org];
    if (!isRecord(h)) {
      if (!OPTIONAL.includes(org)) problems.push(`hosts.${org} is missing`);
      continue;
    }
    for (const k of Object.keys(h)) if (!['name', 'address', 'namespace'].includes(k)) problems.push(`hosts.${org}: unknown field "${k}"`);
    if (typeof h.name !== 'string' || !DNS_NAME.test(h.name)) problems.push(`hosts.${org}.name must be a DNS name in lower case (e.g. peer.operator.example.edu)`);
    if (typeof h.address !== 'string' || !isPrivateIpv4(h.address)) problems.push(`hosts.${org}.address must be a private IPv4 address (10/8, 172.16/12, 192.168/16) or loopback`);
    if (h.namespace !== undefined) {
      withNamespace += 1;
      if (typeof h.namespace !== 'string' || !NAMESPACE.test(h.namespace)) problems.push(`hosts.${org}.namespace must be 1-15 characters: a lower-case letter, then letters, digits or -`);
    }
    for (const field of ['name', 'address', 'namespace'] as const) {
      const v = h[field];
      if (typeof v !== 'string') continue;
      const other = seen[field].get(v);
      if (other !== undefined && !(field === 'address' && v.startsWith('127.'))) problems.push(`hosts.${org}.${field} ${v} is also hosts.${other}'s`);
      seen[field].set(v, org);
    }
  }
  const named = ORG_KEYS.length + OPTIONAL.filter((o) => isRecord(hosts[o])).length;
  if (withNamespace !== 0 && withNamespace !== named) problems.push('either every organisation names a namespace (separate hosts on one machine) or none does');
  return problems;
}

/** Reads and checks a topology file; a bad one is refused with every problem listed. */
export function readTopology(file: string): Topology {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`topology ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const problems = topologyProblems(value);
  if (problems.length > 0) throw new Error(`topology ${file} is not usable:\n  - ${problems.join('\n  - ')}`);
  const v = value as { portBase?: number; hosts: Record<OrgKey | 'control', OrgHost | undefined> };
  const host = (h: OrgHost): OrgHost => ({ name: h.name, address: h.address, ...(h.namespace === undefined ? {} : { namespace: h.namespace }) });
  // A topology without the bureau's host puts it on loopback, should it ever join.
  const hosts = Object.fromEntries([...ORG_KEYS, 'bureau' as const].map((o) => [o, host(v.hosts[o] ?? { name: 'localhost', address: '127.0.0.1' })])) as Record<OrgKey, OrgHost>;
  const control = v.hosts.control;
  return { v: 1, portBase: v.portBase ?? 7000, hosts, ...(control === undefined ? {} : { control: host(control) }) };
}
