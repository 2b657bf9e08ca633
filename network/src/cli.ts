/**
 * `npm run network:up|down|status`: the native Fabric network of DESIGN §3.
 *
 *   network:up     [--orderers 1|3] [--purge] [--dir D] [--port-base B] [--topology FILE]
 *   network:down   [--purge] [--dir D]
 *   network:status [--dir D]
 *   gateways       [--dir D] [--gateway-port P] [--schema-prefix S] [--database URL]
 */
import { resolve } from 'node:path';
import { MissingBinaries, findBinaries } from './binaries';
import { layout, paths } from './layout';
import { readTopology } from './topology';
import { addBureau, compareWithAudit } from './add-org';
import { GATEWAY_ORGS, intakeUrl, readPlan, startGateways, stopGateways } from './gateways';
import { down, readState, status, up } from './network';

const ROOT = resolve(__dirname, '..', '..');
export const DEFAULT_DIR = resolve(ROOT, 'network', 'run');
export const DEFAULT_PORT_BASE = 7000;

function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
  return value;
}

function wholeNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]+$/.test(value)) throw new Error(`--${name} must be a whole number, not '${value}'`);
  return Number(value);
}

const say = (line: string): void => {
  process.stderr.write(`[network] ${line}\n`);
};

const USAGE = `usage:
  npm run network:up [-- --orderers 1|3|5] [--purge] [--dir D] [--port-base B] [--topology FILE]
      brings the native Fabric network up (from nothing, or restarts what is not running);
      --topology: each organisation on the host a topology file names (network/topologies/,
      docs/network.md); without it, everything on this machine's loopback
  npm run network:down [-- --purge] [--dir D]     stops it (--purge deletes crypto, ledgers, logs)
  npm run network:status [-- --dir D]             its processes, ports and block heights
  npm run network:add-org [-- --dir D]            the education bureau (BureauOrg, a second auditor) joins
      the live channel: its own CA, a configuration update signed by OperatorOrg and CampusOrg
      (a majority), its peer caught up, its answers compared with AuditOrg's (docs/network.md)
  npm run network:status -- ... / node network/dist/cli.js compare-auditors [--accounts a,b] [--dir D]
      BureauOrg's peer against AuditOrg's: invariant, fraud cases, points supply, statements
  node network/dist/cli.js gateways [--dir D] [--gateway-port P] [--schema-prefix S] [--database URL]
      each organisation's gateway API on its own host (in its namespace, on its address, HTTPS
      with its CA's certificate for its host name), the staff credentials issued through them
      into D/api-credentials.json; network:down stops them (--purge also drops their intake
      schemas). P: OperatorOrg's port (port base + 1080), CampusOrg P+1, AuditOrg P+2. In
      namespaces the intake is reached by PostgreSQL's Unix socket (docs/network.md)
  (npm start and npm stop run the network and the gateway APIs together)
`;

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...args] = argv;
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  const known = new Set(['--orderers', '--purge', '--dir', '--port-base', '--topology', '--accounts', '--gateway-port', '--schema-prefix', '--database']);
  for (const a of args) if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown option ${a}`);
  const dir = resolve(option(args, 'dir') ?? DEFAULT_DIR);
  const probe = layout(dir, DEFAULT_PORT_BASE, 1);
  const existing = readState(probe);
  const file = option(args, 'topology');
  const topology = file === undefined ? undefined : readTopology(resolve(file));
  const portBase = wholeNumber('port-base', option(args, 'port-base'), topology?.portBase ?? existing?.portBase ?? DEFAULT_PORT_BASE);
  const orderers = wholeNumber('orderers', option(args, 'orderers'), existing?.orderers ?? 1);
  // A network made from a topology keeps it: later commands need not name the file again.
  const l = layout(dir, portBase, orderers, topology?.hosts ?? existing?.hosts);
  const purge = args.includes('--purge');
  switch (command) {
    case 'up': {
      const b = findBinaries();
      say(`Fabric ${b.fabricVersion}, fabric-ca ${b.caVersion}; builder ${b.ccaasBuilder}; network in ${dir} (ports from ${portBase})`);
      const result = await up(l, { purge, progress: say, binaries: b });
      say(`${result.created ? 'created from nothing' : 'already there; restarted what was not running'}: up in ${result.seconds.toFixed(1)} s`);
      await printStatus(l);
      break;
    }
    case 'down': {
      const gateways = await stopGateways(l, { purge });
      const stopped = [...gateways.stopped, ...await down(l, { purge })];
      say(`stopped ${stopped.length > 0 ? stopped.join(', ') : 'nothing (nothing was running)'}${purge ? `; deleted ${dir}${gateways.dropped.length > 0 ? ` and dropped the intake schemas ${gateways.dropped.join(', ')}` : ''}` : '; ledgers kept (add --purge to delete them)'}`);
      break;
    }
    case 'gateways': {
      if (existing === undefined) throw new Error(`no network in ${dir}: network:up first`);
      const kept = readPlan(l);
      const prefix = option(args, 'schema-prefix') ?? kept?.schemaPrefix ?? 'dol_';
      if (!/^[a-z][a-z0-9_]{0,30}$/.test(prefix)) throw new Error(`--schema-prefix takes lower-case letters, digits and _ (a PostgreSQL schema name's start), not '${prefix}'`);
      const firstPort = wholeNumber('gateway-port', option(args, 'gateway-port'), kept?.firstPort ?? portBase + 1080);
      const g = await startGateways(l, findBinaries(), { firstPort, schemaPrefix: prefix, databaseUrl: intakeUrl(l, option(args, 'database') ?? kept?.databaseUrl), operatorGateways: 1 });
      for (const o of GATEWAY_ORGS) say(`gateway API of ${o}: ${g.urls[o]}${l.hosts[o].namespace === undefined ? '' : ` (in namespace ${l.hosts[o].namespace})`}, certificate from ${g.tls[o].ca}`);
      say(`${g.startedNow === 0 ? 'all were running' : `${String(g.startedNow)} started`}; bearer tokens per role in ${g.file}`);
      say(`issuer key ${g.issuer.keyId}, held by OperatorOrg's gateway (${g.urls.operator}/wallet/ is the students' wallet): ${g.issuer.where}${g.issuing.map((d) => `; ${d}`).join('')}`);
      process.stdout.write(`${JSON.stringify({ tokensFile: g.file, urls: g.urls, started: g.startedNow })}\n`);
      break;
    }
    case 'status':
      await printStatus(l);
      break;
    case 'add-org': {
      const b = findBinaries();
      const joined = await addBureau(l, b, say);
      const same = await compareWithAudit(l, b, []);
      say(`BureauOrg joined in ${joined.totalSeconds.toFixed(1)} s (identities ${joined.identitiesSeconds.toFixed(1)} s, configuration update ${joined.updateSeconds.toFixed(1)} s, peer caught up and answering ${joined.caughtUpSeconds.toFixed(1)} s; block ${joined.height}); answers equal to AuditOrg's: ${same.join(', ')}`);
      process.stdout.write(`${JSON.stringify({ ...joined, equal: same })}\n`);
      break;
    }
    case 'compare-auditors': {
      const accounts = (option(args, 'accounts') ?? '').split(',').filter((a) => a !== '');
      const same = await compareWithAudit(l, findBinaries(), accounts);
      say(`BureauOrg's peer answers as AuditOrg's: ${same.length} queries equal`);
      process.stdout.write(`${JSON.stringify({ equal: same })}\n`);
      break;
    }
    default:
      throw new Error(`usage: network (up [--orderers 1|3] [--purge] [--topology FILE] | down [--purge] | status | add-org) [--dir D] [--port-base B]; not '${command ?? ''}'`);
  }
}

async function printStatus(l: ReturnType<typeof layout>): Promise<void> {
  const s = await status(l);
  if (s.state === undefined) {
    process.stdout.write(`no network in ${l.dir}\n`);
    return;
  }
  const d = s.state.deployment;
  process.stdout.write(`network in ${l.dir}: ${s.state.orderers} orderer(s), chaincode sequence ${d?.sequence ?? '-'}, logs in ${paths(l).logs}\n`);
  process.stdout.write(`${'process'.padEnd(18)}${'port'.padEnd(8)}${'pid'.padEnd(10)}${'state'.padEnd(10)}block height\n`);
  for (const p of s.processes) {
    process.stdout.write(`${p.name.padEnd(18)}${String(p.port).padEnd(8)}${String(p.pid ?? '-').padEnd(10)}${(p.running ? 'running' : 'stopped').padEnd(10)}${p.height ?? ''}\n`);
  }
  for (const c of s.channels) process.stdout.write(`${c}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof MissingBinaries) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`[network] ERROR: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
