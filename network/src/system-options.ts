/**
 * What `npm start` and `npm stop` were asked for, parsed from their arguments and the environment
 * before anything runs: scripts/start.sh checks them (`system.js check start ...`) before its slow
 * steps (npm ci, build, PostgreSQL), so that a mistyped option fails at once.
 */

/** What `npm start` was asked for. */
export interface StartOptions {
  /** The embedded ledger instead of the Fabric network. */
  readonly embedded: boolean;
  /** The Raft cluster's size; undefined: the existing network's, or 1. */
  readonly orderers: number | undefined;
  /** OperatorOrg gateway processes over one intake queue. */
  readonly gateways: number;
  /** The merchant of the site edge node to start beside the system, if any. */
  readonly edge: string | undefined;
  /** The first gateway's port: the embedded system's one gateway, or OperatorOrg's (the others follow it). */
  readonly port: number;
}

/** What `npm stop` was asked for: `purge` undefined keeps every ledger; '' purges the system that was running. */
export interface StopOptions {
  readonly purge: '' | 'fabric' | 'embedded' | 'all' | undefined;
}

export const DEFAULT_GATEWAY_PORT = 8080;
/** The site edge node listens this far above the first gateway (8090 by default). */
export const EDGE_PORT_OFFSET = 10;
/** The gateways take the first port and the ones after it, the edge EDGE_PORT_OFFSET above: all must be ports. */
const MAX_FIRST_PORT = 65535 - EDGE_PORT_OFFSET;
/** More OperatorOrg gateways than this add nothing on one machine (docs/gateway.md "Scaling out"). */
const MAX_GATEWAYS = 8;
const DEFAULT_EDGE_MERCHANT = 'canteen-demo';

export const USAGE = `usage:
  npm start [-- [--embedded] [--port N] [--orderers 1|3|5] [--gateways N] [--edge [MERCHANT]]]
      Brings the whole system up and returns: with Fabric's binaries, the Fabric network and one
      gateway API per organisation (--gateways N: N OperatorOrg gateway processes over one intake
      queue, 1..8; --orderers: the Raft cluster's size); without them, or with --embedded, one
      gateway API over the embedded ledger (not a Fabric network). Refused while a system runs
      (either one): npm stop first.
      --port N: the first gateway's port (default 8080; also DOL_PORT, which --port overrides):
      the embedded system's gateway, or OperatorOrg's, with CampusOrg's on N+1, AuditOrg's on N+2
      and extra OperatorOrg gateways after them.
      --edge [MERCHANT]: also a site edge node for that canteen (default canteen-demo) on port
      N+10 (8090), registered on the ledger with role edge (docs/edge.md).
  npm stop [-- --purge [fabric|embedded|all]]
      Stops whatever runs; ledgers are kept. --purge deletes the records (folder and database
      schemas) of the system that was running, or of the one named; never the other's.
environment: DOL_DATABASE_URL (PostgreSQL, default postgres://postgres@127.0.0.1:5432/postgres),
  DOL_PORT (the first gateway's port, as --port)
`;

/** An option or setting that cannot be used; the message says which and what it takes. */
export class OptionError extends Error {}

/** The options that take a value (the edge's merchant is optional, so it is not among them). */
const VALUED = ['--orderers', '--gateways', '--port'] as const;
const KNOWN = new Set<string>([...VALUED, '--embedded', '--edge']);

/** A port for the first gateway, or an OptionError naming where it was given. */
function firstPort(text: string, where: string): number {
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= MAX_FIRST_PORT)) {
    throw new OptionError(`${where} takes a port from 1 to ${String(MAX_FIRST_PORT)} (the gateways use it and the ports after it, an edge the one ${String(EDGE_PORT_OFFSET)} above), not '${text}'`);
  }
  return port;
}

/** The first gateway's port: --port, else DOL_PORT, else DOL_SYSTEM_GATEWAY_PORT (tests' older name), else 8080. */
function portOf(args: readonly string[], env: Readonly<Record<string, string | undefined>>): number {
  const i = args.indexOf('--port');
  if (i >= 0) return firstPort(args[i + 1] ?? '', '--port');
  for (const name of ['DOL_PORT', 'DOL_SYSTEM_GATEWAY_PORT'] as const) {
    const value = env[name];
    if (value !== undefined && value !== '') return firstPort(value, name);
  }
  return DEFAULT_GATEWAY_PORT;
}

/** The value after a valued option; an OptionError when it is missing. */
function valueAfter(args: readonly string[], option: (typeof VALUED)[number]): string | undefined {
  const i = args.indexOf(option);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new OptionError(`${option} needs a value\n${USAGE}`);
  return value;
}

/** `npm start`'s options; throws an OptionError listing what is wrong. */
export function parseStartOptions(args: readonly string[], env: Readonly<Record<string, string | undefined>>): StartOptions {
  const e = args.indexOf('--edge');
  const edgeValue = e >= 0 ? args[e + 1] : undefined;
  const edge = e < 0 ? undefined : edgeValue === undefined || edgeValue.startsWith('--') ? DEFAULT_EDGE_MERCHANT : edgeValue;
  const isValue = (k: number): boolean => VALUED.some((o) => args[k - 1] === o) || (e >= 0 && k === e + 1 && edgeValue === edge);
  const unknown = args.filter((a, k) => (a.startsWith('-') ? !KNOWN.has(a) : !isValue(k)));
  if (unknown.length > 0) throw new OptionError(`unknown option ${unknown.join(' ')}\n${USAGE}`);
  const orderersText = valueAfter(args, '--orderers');
  const orderers = orderersText === undefined ? undefined : Number(orderersText);
  if (orderers !== undefined && ![1, 3, 5].includes(orderers)) throw new OptionError(`--orderers takes 1, 3 or 5 (a Raft cluster of odd size), not '${orderersText ?? ''}'`);
  const gatewaysText = valueAfter(args, '--gateways');
  const gateways = gatewaysText === undefined ? 1 : Number(gatewaysText);
  if (!Number.isInteger(gateways) || gateways < 1 || gateways > MAX_GATEWAYS) throw new OptionError(`--gateways takes a whole number from 1 to ${String(MAX_GATEWAYS)} (OperatorOrg gateway processes over one intake queue)`);
  const embedded = args.includes('--embedded');
  if (embedded && gateways > 1) throw new OptionError('--gateways is for the Fabric system: the embedded ledger lives in one gateway process');
  if (edge !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,58}$/.test(edge)) throw new OptionError(`--edge takes a merchant id (letters, digits, . _ : -), not '${edge}'`);
  valueAfter(args, '--port');
  return { embedded, orderers, gateways, edge, port: portOf(args, env) };
}

/** `npm stop`'s options; throws an OptionError when they are wrong. */
export function parseStopOptions(args: readonly string[]): StopOptions {
  const i = args.indexOf('--purge');
  const next = i >= 0 ? args[i + 1] : undefined;
  const asked = i < 0 ? undefined : next === undefined || next.startsWith('--') ? '' : next;
  if (asked !== undefined && asked !== '' && asked !== 'fabric' && asked !== 'embedded' && asked !== 'all') {
    throw new OptionError(`--purge takes fabric, embedded or all (or nothing: the system that was running), not '${asked}'`);
  }
  const unknown = args.filter((a, k) => a !== '--purge' && !(i >= 0 && k === i + 1 && asked !== ''));
  if (unknown.length > 0) throw new OptionError(`unknown option ${unknown.join(' ')}\n${USAGE}`);
  return { purge: asked };
}
