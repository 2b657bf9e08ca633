/**
 * `npm start` / `npm stop`. Where Fabric's binaries are found: the network, its chaincode servers,
 * and one gateway API per organisation that has users, each with that org's Fabric identities.
 * Without them (or with --embedded): one gateway API for every role over the embedded ledger in
 * PostgreSQL, announced as not a Fabric network.
 *
 * The two systems keep their records apart and never touch each other's: the Fabric system writes
 * under network/run/ and the schemas dol_gateway_{operator,campus,audit}; the embedded system
 * under network/run-embedded/ and the schemas dol_ledger, dol_gateway_embedded. Starting one while
 * the other runs is refused (they share the gateway ports); `npm stop` stops whichever runs, and
 * `--purge` deletes exactly the records of the system it names (or of the one that was running).
 *
 * Starting a system while one runs (either one) is refused: a second set of gateways would replace
 * the first in pids.json, and `npm stop` would no longer find the first.
 *
 * The first gateway's port is `--port`, else DOL_PORT, else 8080 (system-options.ts). For tests,
 * DOL_SYSTEM_DIR (the folder holding run/ and run-embedded/), DOL_SYSTEM_PORT_BASE (the network's
 * ports), DOL_SYSTEM_GATEWAY_PORT (the first gateway's port, below DOL_PORT) and
 * DOL_SYSTEM_SCHEMA_PREFIX ("dol_") move a whole system beside the user's.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findBinaries, MissingBinaries } from './binaries';
import { GATEWAY_ORGS, gatewayPort, gatewaysPidFile, intakeSchemas, startGateways, stopRecorded, type GatewayPlan, type PeerOrg } from './gateways';
import { describeIssuing, ensureIssuerKey, setUpIssuing } from './system-issuer';
import { dropSchemas, existingSchemas } from './schemas';
import { describeEdge, ensureSiteEdge } from './system-edge';
import { adminKey, ensureStaffTokens, keptAdmins, writeAdminCredentials, type Tokens } from './system-tokens';
import { layout, type Layout } from './layout';
import { alive, ensureService, livePids, type ProcessSpec } from './processes';
import { down, readState, up } from './network';
import { DEFAULT_GATEWAY_PORT, EDGE_PORT_OFFSET, OptionError, USAGE, parseStartOptions, parseStopOptions, type StartOptions } from './system-options';

const ROOT = resolve(__dirname, '..', '..');
const GATEWAY_MAIN = join(ROOT, 'gateway-api', 'dist', 'main.js');
const SYSTEM_DIR = resolve(process.env.DOL_SYSTEM_DIR ?? join(ROOT, 'network'));
const DIR = join(SYSTEM_DIR, 'run');
const EMBEDDED_DIR = join(SYSTEM_DIR, 'run-embedded');
/** Where the embedded system lived before it had its own folder (inside the Fabric system's, which a new network wipes). */
const LEGACY_EMBEDDED_DIR = join(DIR, 'embedded');
const PORT_BASE = Number(process.env.DOL_SYSTEM_PORT_BASE ?? 7000);
const SCHEMA_PREFIX = process.env.DOL_SYSTEM_SCHEMA_PREFIX ?? 'dol_';
const DATABASE_URL = process.env.DOL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const EMBEDDED_SCHEMAS = [`${SCHEMA_PREFIX}ledger`, `${SCHEMA_PREFIX}gateway_embedded`] as const;
/** How the Fabric system's gateways run (gateways.ts); the port and `operatorGateways` only matter to a start. */
const plan = (firstPort: number, operatorGateways = 1): GatewayPlan => ({ firstPort, databaseUrl: DATABASE_URL, schemaPrefix: SCHEMA_PREFIX, operatorGateways });
const FABRIC_SCHEMAS = intakeSchemas(plan(DEFAULT_GATEWAY_PORT));

let label = 'start';
const say = (line: string): void => {
  process.stderr.write(`[${label}] ${line}\n`);
};

const EMBEDDED_PID_FILE = join(EMBEDDED_DIR, 'pids.json');
/** The embedded system's issuer key (its token or key file), deleted with its folder by a purge. */
const EMBEDDED_ISSUER_DIR = join(EMBEDDED_DIR, 'issuer');

/** The Fabric system's layout, as its last start left it. */
function fabricLayout(orderers?: number): Layout {
  const existing = readState(layout(DIR, PORT_BASE, 1));
  return layout(DIR, existing?.portBase ?? PORT_BASE, orderers ?? existing?.orderers ?? 1);
}

/** The processes of each system that are alive now (name → pid). */
function fabricProcesses(): Record<string, number> {
  const l = fabricLayout();
  const network = Object.fromEntries(Object.entries(readState(l)?.pids ?? {}).filter(([, pid]) => alive(pid)));
  return { ...network, ...livePids(gatewaysPidFile(l)) };
}
const embeddedProcesses = (): Record<string, number> => livePids(EMBEDDED_PID_FILE);

type SystemName = 'fabric' | 'embedded';

const describe = (processes: Record<string, number>): string => Object.entries(processes).map(([name, pid]) => `${name} (pid ${String(pid)})`).join(', ');

const SYSTEM_NAMES = { fabric: 'the Fabric system', embedded: 'the embedded-ledger system' } as const;

/**
 * Refuses to start `wanted` while a process either system recorded is alive: the other shares the
 * gateway ports and keeps its own records; the same one again would start a second set of
 * gateways whose pids replace the first's, which `npm stop` would then never stop. Recorded
 * processes that are gone (a crash, a reboot) do not count.
 */
function refuseIfRunning(wanted: SystemName): void {
  for (const running of ['fabric', 'embedded'] as const) {
    const processes = running === 'fabric' ? fabricProcesses() : embeddedProcesses();
    if (Object.keys(processes).length === 0) continue;
    const what = `${SYSTEM_NAMES[running]} is ${running === wanted ? 'already ' : ''}running (${describe(processes)})`;
    const again = `npm start${wanted === 'embedded' ? ' -- --embedded' : ''}`;
    throw new Error(`${what}: it was left as it is and nothing was started. Run npm stop first (its ledger is kept), then ${again} again to start ${SYSTEM_NAMES[wanted]}${running === wanted ? ' (with other options)' : ''}.`);
  }
}

/** Moves the embedded system's records out of the Fabric system's folder, where an older version kept them. */
function moveLegacyEmbedded(): void {
  if (existsSync(LEGACY_EMBEDDED_DIR) && !existsSync(EMBEDDED_DIR)) {
    renameSync(LEGACY_EMBEDDED_DIR, EMBEDDED_DIR);
    say(`moved the embedded system's records from ${LEGACY_EMBEDDED_DIR} to ${EMBEDDED_DIR}`);
  }
}

const seconds = (since: number): string => ((Date.now() - since) / 1000).toFixed(1);

async function start(o: StartOptions): Promise<void> {
  const started = Date.now();
  moveLegacyEmbedded();
  refuseIfRunning('fabric');
  const b = findBinaries();
  const l = fabricLayout(o.orderers);
  const gatewayPlan = plan(o.port, o.gateways);
  say(`Fabric ${b.fabricVersion}, fabric-ca ${b.caVersion} found: bringing up the Fabric network in ${l.dir}`);
  const net = await up(l, { binaries: b, progress: (line) => {
    say(`network: ${line}`);
  } });
  if (net.created) {
    // A network made from nothing: the gateways' intake (receipts, cached keys) belonged to a network that is gone.
    const stale = await dropSchemas(DATABASE_URL, FABRIC_SCHEMAS);
    if (stale.length > 0) {
      say(`dropped the intake schemas of the previous Fabric network (${stale.join(', ')}): its receipts and cached keys are not this network's`);
    }
  }
  const g = await startGateways(l, b, gatewayPlan);
  const how = `${net.created ? 'network created from nothing' : 'network was there'}; ${seconds(started)} s`;
  const edgeLines = await siteEdge(o, g.tokens, l.dir, gatewaysPidFile(l));
  const { tls, urls, file } = g;
  const port = (org: PeerOrg): string => String(gatewayPort(gatewayPlan, org));
  const issuing = describeIssuing(g.issuer, g.issuing, {
    // Finance's credential is CampusOrg's: the code's hash goes to the ledger, the student redeems it at OperatorOrg's wallet.
    walletUrl: `${urls.operator}/wallet/`, tokensFile: file, finance: { url: urls.campus, ca: tls.campus.ca }, column: 63,
  });
  process.stdout.write(`
The system is up (${how}). Ledger: the Fabric network (Fabric ${b.fabricVersion}).
  gateway API, OperatorOrg (terminals upload here; operator):  ${urls.operator}${g.extraOperator.map((e) => `, ${e}`).join('')}${g.extraOperator.length > 0 ? ' (one intake queue)' : ''}
  gateway API, CampusOrg (finance, registrar):                 ${urls.campus}
  gateway API, AuditOrg (auditors):                            ${urls.audit}
  HTTPS: each gateway's certificate is from its organisation's CA: ${GATEWAY_ORGS.map((o) => tls[o].ca).join(', ')}
  web console (each gateway serves it; sign in with a token):  ${urls.audit}/console/ (auditors), :${port('campus')}/console/ (registrar), :${port('operator')}/console/ (operator); a browser must trust the organisation's CA above
  API credentials (bearer tokens per role, and each gateway's
  administrator, who issues and revokes staff credentials):    ${file}
  logs of every process:                                       ${join(l.dir, 'logs')}
  network status:                                              npm run network:status
  stop everything:                                             npm stop   (ledgers kept; npm stop -- --purge deletes them)${issuing}${edgeLines}

Try:
  curl -s --cacert ${tls.operator.ca} ${urls.operator}/readyz
  curl -s --cacert ${tls.audit.ca} -H "authorization: Bearer $(node -p "require('${file}').auditor.token")" ${urls.audit}/v1/invariant
`);
}

/** The embedded ledger's system: one gateway, every role, the ledger in PostgreSQL. */
async function startEmbedded(o: StartOptions): Promise<void> {
  const started = Date.now();
  moveLegacyEmbedded();
  refuseIfRunning('embedded');
  mkdirSync(EMBEDDED_DIR, { recursive: true });
  const file = join(EMBEDDED_DIR, 'api-credentials.json');
  const url = `http://127.0.0.1:${String(o.port)}`;
  const roles = ['operator', 'finance', 'registrar', 'auditor'];
  const tokens = keptAdmins(file, { [adminKey()]: { url } });
  const credentialsFile = join(EMBEDDED_DIR, 'gateway-credentials.json');
  writeAdminCredentials(credentialsFile, tokens[adminKey()]?.token ?? '');
  const [ledgerSchema, intakeSchema] = EMBEDDED_SCHEMAS;
  const issuerKey = await ensureIssuerKey(EMBEDDED_ISSUER_DIR);
  const spec: ProcessSpec = {
    name: 'gateway.embedded', command: process.execPath, args: [GATEWAY_MAIN], port: o.port,
    env: { DOL_LEDGER: 'embedded', DOL_LEDGER_SCHEMA: ledgerSchema, DOL_DB_SCHEMA: intakeSchema, DOL_PORT: String(o.port), DOL_CREDENTIALS_FILE: credentialsFile, DOL_DATABASE_URL: DATABASE_URL, ...issuerKey.env },
  };
  const logs = join(EMBEDDED_DIR, 'logs');
  // Nothing of this system runs (refuseIfRunning): the gateway is started now, holding the issuer key.
  await ensureService(spec, EMBEDDED_PID_FILE, logs);
  const how = `${seconds(started)} s`;
  const issued = await ensureStaffTokens(file, tokens, Object.fromEntries(roles.map((role) => [role, { url, admin: adminKey() }])));
  const operator = issued.operator;
  if (operator === undefined) throw new Error(`no operator credential in ${file}: the issuer key cannot be registered`);
  const issuing = describeIssuing(issuerKey, await setUpIssuing(operator, issuerKey, EMBEDDED_ISSUER_DIR), { walletUrl: `${url}/wallet/`, tokensFile: file, finance: { url }, column: 68 });
  const edgeLines = await siteEdge(o, issued, EMBEDDED_DIR, EMBEDDED_PID_FILE);
  process.stdout.write(`
The system is up on the EMBEDDED LEDGER — NOT A FABRIC NETWORK (${how}).
  The settlement contract runs inside the gateway process over PostgreSQL (schema ${ledgerSchema}),
  with Fabric's read/write semantics and a hash-chained block log, but no organisation endorses
  anything and whoever runs it could rewrite it. docs/ledgers.md compares the two ledgers.
  gateway API (terminals, operator, finance, registrar, auditors):  ${url}
  web console (auditors, registrar, operator; sign in with a token): ${url}/console/
  API credentials (bearer tokens per role, and the administrator
  who issues and revokes staff credentials):                        ${file}
  log:                                                              ${join(logs, `${spec.name}.log`)}
  verify the ledger from genesis:                                   npm run ledger:verify
  stop:                                                             npm stop   (ledger kept; npm stop -- --purge deletes it)${issuing}${edgeLines}

Try:
  curl -s ${url}/healthz
  curl -s -H "authorization: Bearer $(node -p "require('${file}').auditor.token")" ${url}/v1/invariant
`);
}

/** With `--edge [MERCHANT]`: the site edge node beside the system (system-edge.ts), on the port after the gateways'. */
async function siteEdge(o: StartOptions, tokens: Tokens, dir: string, pidsFile: string): Promise<string> {
  const operator = tokens.operator;
  if (o.edge === undefined) return '';
  if (operator === undefined) throw new Error('no operator credential in the tokens file: the edge cannot register');
  return describeEdge(await ensureSiteEdge({ dir, pidsFile, logs: join(dir, 'logs'), operator, merchantId: o.edge, port: o.port + EDGE_PORT_OFFSET }));
}

/** What a purge of each system deletes: its folder and its schemas, nothing of the other's. */
async function purge(system: SystemName): Promise<string> {
  if (system === 'embedded') {
    const dropped = await dropSchemas(DATABASE_URL, EMBEDDED_SCHEMAS);
    rmSync(EMBEDDED_DIR, { recursive: true, force: true });
    return `embedded system: deleted ${EMBEDDED_DIR}${dropped.length > 0 ? ` and dropped schemas ${dropped.join(', ')}` : ''}`;
  }
  const l = fabricLayout();
  await down(l, { purge: true });
  const dropped = await dropSchemas(DATABASE_URL, FABRIC_SCHEMAS);
  return `Fabric system: deleted ${l.dir}${dropped.length > 0 ? ` and dropped schemas ${dropped.join(', ')}` : ''}`;
}

/** Whether a system left records behind (a folder or a schema). */
async function hasRecords(system: SystemName): Promise<boolean> {
  if (system === 'embedded') return existsSync(EMBEDDED_DIR) || (await existingSchemas(DATABASE_URL, EMBEDDED_SCHEMAS)).length > 0;
  return existsSync(DIR) && readState(fabricLayout()) !== undefined ? true : (await existingSchemas(DATABASE_URL, FABRIC_SCHEMAS)).length > 0;
}

/**
 * `npm stop [-- --purge [fabric|embedded|all]]`: stops whatever runs. `--purge` alone (`purgeArg`
 * '') deletes the records of the system that was running; with nothing running, of the only one
 * that has records (with records of both, it asks which). `purgeArg` undefined: nothing is deleted.
 */
async function stopAll(purgeArg: string | undefined): Promise<void> {
  label = 'stop';
  moveLegacyEmbedded();
  const embedded = await stopRecorded(EMBEDDED_PID_FILE);
  const l = fabricLayout();
  const gateways = await stopRecorded(gatewaysPidFile(l));
  const network = await down(l);
  const stopped = [...embedded, ...gateways, ...network];
  say(`stopped ${stopped.join(', ') || 'nothing (nothing was running)'}`);
  if (purgeArg === undefined) {
    if (stopped.length > 0) say('ledgers kept (npm stop -- --purge deletes the records of the system that was running)');
    return;
  }
  let targets: SystemName[];
  if (purgeArg === 'all') targets = ['fabric', 'embedded'];
  else if (purgeArg === 'fabric' || purgeArg === 'embedded') targets = [purgeArg];
  else if (embedded.length > 0 || gateways.length + network.length > 0) targets = [...(gateways.length + network.length > 0 ? ['fabric' as const] : []), ...(embedded.length > 0 ? ['embedded' as const] : [])];
  else {
    const withRecords = [(await hasRecords('fabric')) ? 'fabric' as const : undefined, (await hasRecords('embedded')) ? 'embedded' as const : undefined].filter((s) => s !== undefined);
    if (withRecords.length === 0) {
      say('nothing to purge: neither system has records here');
      return;
    }
    if (withRecords.length > 1) throw new Error('nothing was running and both the Fabric system and the embedded-ledger system have records: say which to delete, npm stop -- --purge fabric (or embedded, or all)');
    targets = withRecords;
  }
  for (const t of targets) say(`purged the ${await purge(t)}`);
}

/** `start` and `stop`; `check start|stop ARGS` only parses them (scripts/start.sh, before its slow steps). */
function main(argv: readonly string[]): Promise<void> {
  const [command, ...args] = argv;
  if (args.includes('--help') || args.includes('-h') || command === '--help') {
    process.stdout.write(USAGE);
    return Promise.resolve();
  }
  if (command === 'check') {
    const [checked, ...rest] = args;
    label = checked ?? 'check';
    if (checked === 'start') parseStartOptions(rest, process.env);
    else if (checked === 'stop') parseStopOptions(rest);
    else throw new OptionError(USAGE);
    return Promise.resolve();
  }
  if (command === 'stop') {
    label = 'stop';
    return stopAll(parseStopOptions(args).purge);
  }
  if (command !== 'start') throw new OptionError(USAGE);
  const options = parseStartOptions(args, process.env);
  return options.embedded ? startEmbedded(options) : start(options);
}

Promise.resolve().then(() => main(process.argv.slice(2))).catch((error: unknown) => {
  process.stderr.write(error instanceof MissingBinaries ? `${error.message}\n` : `[${label}] ERROR: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
