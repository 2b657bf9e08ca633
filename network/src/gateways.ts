/**
 * Each organisation's gateway API, on its organisation's host: `npm start` starts them beside the
 * loopback network, `network gateways` beside a network made from a topology (issue 23), where
 * each gateway runs in its organisation's namespace, listens on its host's address, reaches its
 * own peer by its host name and answers HTTPS with a certificate from its organisation's CA for
 * that name. The tokens file (a first administrator per gateway, then one staff credential per
 * role issued through the gateway's own API) is written where the command runs: the
 * administrator's host.
 *
 * The intake (receipts, cached keys) lives in PostgreSQL, one schema per organisation. On separate
 * hosts for real, each organisation runs its own (docs/deploy.md); on one machine's namespaces, the
 * gateways reach this machine's server through its Unix socket, a file and not a network address,
 * so no traffic leaves the namespaces' bridge.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Binaries } from './binaries';
import { peerEndpoint } from './client';
import { ensureGatewayTls, type GatewayTls } from './identities';
import { identitiesFile } from './identity-files';
import { dial, listenOn, orderingEndpoints, PEER_ORGS, where, type Layout, type OrgKey } from './layout';
import { ensureService, livePids, stop, type ProcessSpec } from './processes';
import { dropSchemas } from './schemas';
import { ensureIssuerKey, setUpIssuing, type IssuerKey } from './system-issuer';
import { adminKey, ensureStaffTokens, keptAdmins, writeAdminCredentials, type Tokens } from './system-tokens';

export type PeerOrg = Exclude<OrgKey, 'orderer' | 'bureau'>;
export const GATEWAY_ORGS: readonly PeerOrg[] = PEER_ORGS.map((o) => o.key as PeerOrg);

const GATEWAY_MAIN = join(__dirname, '..', '..', 'gateway-api', 'dist', 'main.js');

/** Which API roles each organisation's gateway serves (the Fabric identities it holds decide the rest). */
export const API_ROLES: Readonly<Record<PeerOrg, readonly string[]>> = {
  operator: ['operator'],
  campus: ['finance', 'registrar'],
  audit: ['auditor'],
};

/** How the gateways of one network run. */
export interface GatewayPlan {
  /** OperatorOrg's port; CampusOrg's the next, AuditOrg's the one after; extra OperatorOrg gateways after those. */
  readonly firstPort: number;
  /** The intake's PostgreSQL, as the gateways reach it. */
  readonly databaseUrl: string;
  /** Schemas are `<prefix>gateway_<org>`. */
  readonly schemaPrefix: string;
  /** OperatorOrg gateway processes over one intake queue (scaling out, docs/gateway.md). */
  readonly operatorGateways: number;
}

/** PostgreSQL's Unix socket on this machine: how gateways in namespaces reach it without a network. */
export const SOCKET_DIR = '/var/run/postgresql';
export const SOCKET_DATABASE_URL = `postgresql://postgres@/postgres?host=${SOCKET_DIR}`;
const throughSocket = (url: string): boolean => url.startsWith('socket:') || /[?&]host=\//.test(url);

/**
 * The intake's URL for gateways on `l`'s hosts: `asked` (or the environment's) on loopback; in
 * namespaces one through a Unix socket, since a TCP address of this machine is not reachable there.
 */
export function intakeUrl(l: Layout, asked: string | undefined): string {
  const env = process.env.DOL_DATABASE_URL;
  if (l.hosts.operator.namespace === undefined) return asked ?? env ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const url = asked ?? (env !== undefined && throughSocket(env) ? env : SOCKET_DATABASE_URL);
  if (!throughSocket(url)) throw new Error(`the gateways run in network namespaces, where ${url.replace(/\/\/[^@]*@/, '//')} cannot be reached: name PostgreSQL by its Unix socket (for example ${SOCKET_DATABASE_URL})`);
  if (url === SOCKET_DATABASE_URL && !existsSync(join(SOCKET_DIR, '.s.PGSQL.5432'))) throw new Error(`the gateways run in network namespaces and reach PostgreSQL through its Unix socket, but ${SOCKET_DIR}/.s.PGSQL.5432 is not there: start PostgreSQL, or name its socket with --database`);
  return url;
}

export const intakeSchema = (plan: GatewayPlan, org: PeerOrg): string => `${plan.schemaPrefix}gateway_${org}`;
export const intakeSchemas = (plan: GatewayPlan): string[] => GATEWAY_ORGS.map((o) => intakeSchema(plan, o));

export const gatewayPort = (plan: GatewayPlan, org: PeerOrg, instance = 0): number => (instance === 0 ? plan.firstPort + GATEWAY_ORGS.indexOf(org) : plan.firstPort + GATEWAY_ORGS.length - 1 + instance);
/** Where an organisation's gateway answers: HTTPS, at its host's name (127.0.0.1 on loopback). */
export const gatewayUrl = (l: Layout, plan: GatewayPlan, org: PeerOrg, instance = 0): string => `https://${dial(l, org)}:${String(gatewayPort(plan, org, instance))}`;

const gatewaysDir = (l: Layout): string => join(l.dir, 'gateways');
export const gatewaysPidFile = (l: Layout): string => join(gatewaysDir(l), 'pids.json');
const planFile = (l: Layout): string => join(gatewaysDir(l), 'plan.json');
export const tokensFile = (l: Layout): string => join(l.dir, 'api-credentials.json');

/** The plan the gateways of `l` were last started with, if any. */
export const readPlan = (l: Layout): GatewayPlan | undefined => (existsSync(planFile(l)) ? JSON.parse(readFileSync(planFile(l), 'utf8')) as GatewayPlan : undefined);

/** Where the network's issuer key lives (made once, deleted with the network's folder). */
export const issuerDir = (l: Layout): string => join(l.dir, 'issuer');

/**
 * A gateway of `org`; `instance` > 0 is an extra process of the same organisation over the same
 * intake schema and identities. OperatorOrg's hold the issuer key (`issuerEnv`): they run the issuer service.
 */
function gatewaySpec(l: Layout, plan: GatewayPlan, org: PeerOrg, tokens: Tokens, tls: GatewayTls, instance: number, issuerEnv: Readonly<Record<string, string>>): ProcessSpec {
  const credentialsFile = join(gatewaysDir(l), `${org}-credentials.json`);
  writeAdminCredentials(credentialsFile, tokens[adminKey(org)]?.token ?? '');
  const peer = peerEndpoint(l, org);
  const port = gatewayPort(plan, org, instance);
  return {
    name: instance === 0 ? `gateway.${org}` : `gateway.${org}.${String(instance + 1)}`,
    command: process.execPath,
    args: [GATEWAY_MAIN],
    port,
    ...where(l, org),
    env: {
      DOL_HOST: listenOn(l, org),
      DOL_PORT: String(port),
      DOL_DB_SCHEMA: intakeSchema(plan, org),
      DOL_DATABASE_URL: plan.databaseUrl,
      DOL_CREDENTIALS_FILE: credentialsFile,
      DOL_IDENTITIES_FILE: identitiesFile(l, org),
      DOL_PEER_ENDPOINT: peer.endpoint,
      DOL_PEER_HOST_ALIAS: peer.hostAlias,
      DOL_PEER_TLS_CA: peer.tlsRootCert,
      DOL_ORDERER_ADDRESS: orderingEndpoints(l)[0] ?? '',
      DOL_TLS_CERT: tls.certificate,
      DOL_TLS_KEY: tls.privateKey,
      ...(org === 'operator' ? issuerEnv : {}),
    },
  };
}

/** What startGateways leaves running and written. */
export interface Gateways {
  /** The tokens file: each gateway's administrator and one staff credential per role, with the gateway's URL and CA. */
  readonly file: string;
  readonly tokens: Tokens;
  readonly tls: Readonly<Record<PeerOrg, GatewayTls>>;
  readonly urls: Readonly<Record<PeerOrg, string>>;
  /** The extra OperatorOrg gateways' URLs. */
  readonly extraOperator: readonly string[];
  /** How many processes were started now (0: all were running). */
  readonly startedNow: number;
  /** The issuer key OperatorOrg's gateways hold, and what was set up on the ledger for issuing now. */
  readonly issuer: IssuerKey;
  readonly issuing: readonly string[];
}

/**
 * Starts (or finds running) every organisation's gateway on its host, then issues the staff
 * credentials through their APIs. The network's CAs must be running (for the HTTPS certificates).
 */
export async function startGateways(l: Layout, b: Binaries, plan: GatewayPlan): Promise<Gateways> {
  mkdirSync(gatewaysDir(l), { recursive: true });
  writeFileSync(planFile(l), `${JSON.stringify(plan, null, 2)}\n`);
  const tls = Object.fromEntries(await Promise.all(GATEWAY_ORGS.map(async (o) => [o, await ensureGatewayTls(l, b, o)] as const))) as Record<PeerOrg, GatewayTls>;
  const urls = Object.fromEntries(GATEWAY_ORGS.map((o) => [o, gatewayUrl(l, plan, o)])) as Record<PeerOrg, string>;
  const file = tokensFile(l);
  const admins = keptAdmins(file, Object.fromEntries(GATEWAY_ORGS.map((o) => [adminKey(o), { url: urls[o], ca: tls[o].ca }])));
  const issuer = await ensureIssuerKey(issuerDir(l));
  const specs = [
    ...GATEWAY_ORGS.map((o) => gatewaySpec(l, plan, o, admins, tls[o], 0, issuer.env)),
    ...Array.from({ length: plan.operatorGateways - 1 }, (_, i) => gatewaySpec(l, plan, 'operator', admins, tls.operator, i + 1, issuer.env)),
  ];
  let startedNow = 0;
  for (const spec of specs) {
    // A gateway left running from before the key was made does not hold it: it is stopped (gracefully) and started with it.
    const running = livePids(gatewaysPidFile(l))[spec.name];
    if (issuer.created && running !== undefined && spec.name.startsWith('gateway.operator')) await stop(running);
    if (await ensureService(spec, gatewaysPidFile(l), join(l.dir, 'logs'))) startedNow += 1;
  }
  const staff = Object.fromEntries(GATEWAY_ORGS.flatMap((o) => API_ROLES[o].map((role) => [role, { url: urls[o], admin: adminKey(o), ca: tls[o].ca }])));
  const tokens = await ensureStaffTokens(file, admins, staff);
  const operator = tokens.operator;
  if (operator === undefined) throw new Error(`no operator credential in ${file}: the issuer key cannot be registered`);
  const issuing = await setUpIssuing(operator, issuer, issuerDir(l));
  const extraOperator = Array.from({ length: plan.operatorGateways - 1 }, (_, i) => gatewayUrl(l, plan, 'operator', i + 1));
  return { file, tokens, tls, urls, extraOperator, startedNow, issuer, issuing };
}

/** Stops the gateways recorded in `pidsFile`; the names of those that were running. */
export async function stopRecorded(pidsFile: string): Promise<string[]> {
  const running = livePids(pidsFile);
  await Promise.all(Object.values(running).map((pid) => stop(pid)));
  if (existsSync(pidsFile)) writeFileSync(pidsFile, '{}');
  return Object.keys(running);
}

/** Stops the gateways of `l`; with `purge`, also drops the intake schemas their plan names. */
export async function stopGateways(l: Layout, options: { purge?: boolean } = {}): Promise<{ stopped: string[]; dropped: string[] }> {
  const stopped = await stopRecorded(gatewaysPidFile(l));
  const plan = readPlan(l);
  if (options.purge !== true || plan === undefined) return { stopped, dropped: [] };
  return { stopped, dropped: await dropSchemas(plan.databaseUrl, intakeSchemas(plan)) };
}
