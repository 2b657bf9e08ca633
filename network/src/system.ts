/**
 * `npm start` / `npm stop`. Where Fabric's binaries are found: the network, its chaincode servers,
 * and one gateway API per organisation that has users, each with that org's Fabric identities.
 * Without them (or with --embedded): one gateway API for every role over the embedded ledger in
 * PostgreSQL, announced as not a Fabric network.
 *
 *   node network/dist/system.js start [--orderers 1|3] [--embedded]
 *   node network/dist/system.js stop [--purge]
 */
import { createHash, randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findBinaries, MissingBinaries } from './binaries';
import { peerEndpoint } from './client';
import { identitiesFile } from './identity-files';
import { layout, PEER_ORGS, type Layout, type OrgKey } from './layout';
import { alive, listening, startDetached, stop, waitUp, type ProcessSpec } from './processes';
import { down, readState, up } from './network';

const ROOT = resolve(__dirname, '..', '..');
const DIR = resolve(ROOT, 'network', 'run');
const GATEWAY_MAIN = join(ROOT, 'gateway-api', 'dist', 'main.js');
const EMBEDDED_DIR = join(DIR, 'embedded');
const EMBEDDED_PORT = 8080;
const EMBEDDED_SCHEMAS = { ledger: 'dol_ledger', intake: 'dol_gateway_embedded' } as const;
const DATABASE_URL = process.env.DOL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Which API roles each organisation's gateway serves (the Fabric identities it holds decide the rest). */
const API_ROLES: Readonly<Record<Exclude<OrgKey, 'orderer'>, readonly string[]>> = {
  operator: ['operator'],
  campus: ['finance', 'registrar'],
  audit: ['auditor'],
};
const GATEWAY_PORT: Readonly<Record<Exclude<OrgKey, 'orderer'>, number>> = { operator: 8080, campus: 8081, audit: 8082 };

const say = (line: string): void => {
  process.stderr.write(`[start] ${line}\n`);
};

interface Tokens { readonly [role: string]: { readonly token: string; readonly url: string } }

/** API tokens in `file`, made once (role → gateway URL) and kept, so restarts keep them. */
function keptTokens(file: string, urls: Readonly<Record<string, string>>): Tokens {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Tokens;
  const tokens = Object.fromEntries(Object.entries(urls).map(([role, url]) => [role, { token: randomBytes(24).toString('hex'), url }]));
  writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  return tokens;
}

/** The Fabric system's tokens; each gateway gets only the hashes of its org's. */
function credentials(l: Layout): { file: string; tokens: Tokens } {
  const file = join(l.dir, 'api-credentials.json');
  const urls: Record<string, string> = {};
  for (const o of PEER_ORGS) {
    const key = o.key as Exclude<OrgKey, 'orderer'>;
    for (const role of API_ROLES[key]) urls[role] = `http://127.0.0.1:${GATEWAY_PORT[key]}`;
  }
  return { file, tokens: keptTokens(file, urls) };
}

/** A gateway's credentials file: the SHA-256 of each token of `roles`, never the token. */
function writeHashedCredentials(file: string, tokens: Tokens, roles: readonly string[]): void {
  const hashed = roles.flatMap((role) => {
    const t = tokens[role];
    return t === undefined ? [] : [{ tokenSha256: createHash('sha256').update(t.token).digest('hex'), role, subject: role }];
  });
  writeFileSync(file, JSON.stringify(hashed));
}

/** Ports of the extra OperatorOrg gateways (`--gateways N`): 8083, 8084, ... (8081, 8082 are the other orgs'). */
const extraOperatorPort = (n: number): number => 8082 + n;

/**
 * A gateway of `org`; `instance` > 0 is an extra process of the same organisation over the same
 * intake schema and identities (scaling out, docs/gateway.md), on its own port.
 */
function gatewaySpec(l: Layout, org: Exclude<OrgKey, 'orderer'>, tokens: Tokens, instance = 0): ProcessSpec {
  const dir = join(l.dir, 'gateways');
  mkdirSync(dir, { recursive: true });
  const credentialsFile = join(dir, `${org}-credentials.json`);
  writeHashedCredentials(credentialsFile, tokens, API_ROLES[org]);
  const peer = peerEndpoint(l, org);
  const port = instance === 0 ? GATEWAY_PORT[org] : extraOperatorPort(instance);
  return {
    name: instance === 0 ? `gateway.${org}` : `gateway.${org}.${String(instance + 1)}`,
    command: process.execPath,
    args: [GATEWAY_MAIN],
    port,
    env: {
      DOL_PORT: String(port),
      DOL_DB_SCHEMA: `dol_gateway_${org}`,
      DOL_CREDENTIALS_FILE: credentialsFile,
      DOL_IDENTITIES_FILE: identitiesFile(l, org),
      DOL_PEER_ENDPOINT: peer.endpoint,
      DOL_PEER_HOST_ALIAS: peer.hostAlias,
      DOL_PEER_TLS_CA: peer.tlsRootCert,
      DOL_ORDERER_ADDRESS: `127.0.0.1:${l.ports.orderer(0)}`,
    },
  };
}

const pidFile = (l: Layout): string => join(l.dir, 'gateways', 'pids.json');
const EMBEDDED_PID_FILE = join(EMBEDDED_DIR, 'pids.json');
const readPids = (file: string): Record<string, number> => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as Record<string, number> : {});

/** Starts a gateway unless it already runs and answers; records its pid in `pidsFile`. */
async function ensureGateway(spec: ProcessSpec, pidsFile: string, logs: string): Promise<void> {
  const pids = readPids(pidsFile);
  if (alive(pids[spec.name]) && (await listening(spec.port))) return;
  if (await listening(spec.port)) throw new Error(`port ${String(spec.port)} for ${spec.name} is taken by another process`);
  const pid = startDetached(spec, logs);
  writeFileSync(pidsFile, JSON.stringify({ ...pids, [spec.name]: pid }));
  await waitUp(spec, pid, logs);
}

/** Stops the gateways recorded in `pidsFile`; their names. */
async function stopGateways(pidsFile: string): Promise<string[]> {
  const pids = readPids(pidsFile);
  await Promise.all(Object.values(pids).map((pid) => stop(pid)));
  if (existsSync(pidsFile)) writeFileSync(pidsFile, '{}');
  return Object.keys(pids);
}

async function start(orderers: number | undefined, operatorGateways: number): Promise<void> {
  const started = Date.now();
  const b = findBinaries();
  const existing = readState(layout(DIR, 7000, 1));
  const l = layout(DIR, existing?.portBase ?? 7000, orderers ?? existing?.orderers ?? 1);
  say(`Fabric ${b.fabricVersion}, fabric-ca ${b.caVersion} found: bringing up the Fabric network in ${l.dir}`);
  const net = await up(l, { binaries: b, progress: (line) => {
    say(`network: ${line}`);
  } });
  const { file, tokens } = credentials(l);
  for (const o of PEER_ORGS) await ensureGateway(gatewaySpec(l, o.key as Exclude<OrgKey, 'orderer'>, tokens), pidFile(l), join(l.dir, 'logs'));
  const extra = Array.from({ length: operatorGateways - 1 }, (_, i) => gatewaySpec(l, 'operator', tokens, i + 1));
  for (const spec of extra) await ensureGateway(spec, pidFile(l), join(l.dir, 'logs'));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const auditorToken = tokens.auditor?.token ?? '';
  process.stdout.write(`
The system is up (${net.created ? 'network created from nothing' : 'network was there'}; ${seconds} s). Ledger: the Fabric network (Fabric ${b.fabricVersion}).
  gateway API, OperatorOrg (terminals upload here; operator):  http://127.0.0.1:${GATEWAY_PORT.operator}${extra.map((e) => `, http://127.0.0.1:${String(e.port)}`).join('')}${extra.length > 0 ? ' (one intake queue)' : ''}
  gateway API, CampusOrg (finance, registrar):                 http://127.0.0.1:${GATEWAY_PORT.campus}
  gateway API, AuditOrg (auditors):                            http://127.0.0.1:${GATEWAY_PORT.audit}
  web console (each gateway serves it; sign in with a token):  http://127.0.0.1:${GATEWAY_PORT.audit}/console/ (auditors), :${GATEWAY_PORT.campus}/console/ (registrar), :${GATEWAY_PORT.operator}/console/ (operator)
  API credentials (bearer tokens per role):                    ${file}
  logs of every process:                                       ${join(l.dir, 'logs')}
  network status:                                              npm run network:status
  stop everything:                                             npm stop   (ledgers kept; npm stop -- --purge deletes them)

Try:
  curl -s http://127.0.0.1:${GATEWAY_PORT.operator}/readyz
  curl -s -H 'authorization: Bearer ${auditorToken}' http://127.0.0.1:${GATEWAY_PORT.audit}/v1/invariant
`);
}

/** The embedded ledger's system: one gateway, every role, the ledger in PostgreSQL. */
async function startEmbedded(): Promise<void> {
  const started = Date.now();
  mkdirSync(EMBEDDED_DIR, { recursive: true });
  const file = join(EMBEDDED_DIR, 'api-credentials.json');
  const url = `http://127.0.0.1:${String(EMBEDDED_PORT)}`;
  const roles = ['operator', 'finance', 'registrar', 'auditor'];
  const tokens = keptTokens(file, Object.fromEntries(roles.map((role) => [role, url])));
  const credentialsFile = join(EMBEDDED_DIR, 'gateway-credentials.json');
  writeHashedCredentials(credentialsFile, tokens, roles);
  const spec: ProcessSpec = {
    name: 'gateway.embedded', command: process.execPath, args: [GATEWAY_MAIN], port: EMBEDDED_PORT,
    env: { DOL_LEDGER: 'embedded', DOL_LEDGER_SCHEMA: EMBEDDED_SCHEMAS.ledger, DOL_DB_SCHEMA: EMBEDDED_SCHEMAS.intake, DOL_PORT: String(EMBEDDED_PORT), DOL_CREDENTIALS_FILE: credentialsFile, DOL_DATABASE_URL: DATABASE_URL },
  };
  const logs = join(EMBEDDED_DIR, 'logs');
  await ensureGateway(spec, EMBEDDED_PID_FILE, logs);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`
The system is up on the EMBEDDED LEDGER — NOT A FABRIC NETWORK (${seconds} s).
  The settlement contract runs inside the gateway process over PostgreSQL (schema ${EMBEDDED_SCHEMAS.ledger}),
  with Fabric's read/write semantics and a hash-chained block log, but no organisation endorses
  anything and whoever runs it could rewrite it. docs/ledgers.md compares the two ledgers.
  gateway API (terminals, operator, finance, registrar, auditors):  ${url}
  web console (auditors, registrar, operator; sign in with a token): ${url}/console/
  API credentials (bearer tokens per role):                         ${file}
  log:                                                              ${join(logs, `${spec.name}.log`)}
  verify the ledger from genesis:                                   npm run ledger:verify
  stop:                                                             npm stop   (ledger kept; npm stop -- --purge deletes it)

Try:
  curl -s ${url}/healthz
  curl -s -H 'authorization: Bearer ${tokens.auditor?.token ?? ''}' ${url}/v1/invariant
`);
}

async function stopEmbedded(purge: boolean): Promise<string[]> {
  const stopped = await stopGateways(EMBEDDED_PID_FILE);
  if (purge) {
    const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
    try {
      await pool.query(`DROP SCHEMA IF EXISTS ${EMBEDDED_SCHEMAS.ledger} CASCADE; DROP SCHEMA IF EXISTS ${EMBEDDED_SCHEMAS.intake} CASCADE`);
    } catch (error) {
      say(`could not drop the embedded ledger's schemas: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await pool.end();
    }
  }
  return stopped;
}

async function stopAll(purge: boolean): Promise<void> {
  const embedded = await stopEmbedded(purge);
  if (embedded.length > 0) say(`stopped ${embedded.join(', ')}${purge ? `; dropped schemas ${EMBEDDED_SCHEMAS.ledger} and ${EMBEDDED_SCHEMAS.intake}` : ''}`);
  const existing = readState(layout(DIR, 7000, 1));
  const l = layout(DIR, existing?.portBase ?? 7000, existing?.orderers ?? 1);
  const gateways = await stopGateways(pidFile(l));
  const stopped = await down(l, { purge });
  say(`stopped ${[...gateways, ...stopped].join(', ') || 'nothing (nothing was running)'}${purge ? `; deleted ${l.dir}` : ''}`);
}

const [command, ...args] = process.argv.slice(2);
const ordererArg = args.includes('--orderers') ? Number(args[args.indexOf('--orderers') + 1]) : undefined;
const gatewaysArg = args.includes('--gateways') ? Number(args[args.indexOf('--gateways') + 1]) : 1;
const starting = (): Promise<void> => {
  if (!Number.isInteger(gatewaysArg) || gatewaysArg < 1 || gatewaysArg > 8) return Promise.reject(new Error('--gateways takes a whole number from 1 to 8 (OperatorOrg gateway processes over one intake queue)'));
  if (args.includes('--embedded') && gatewaysArg > 1) return Promise.reject(new Error('--gateways is for the Fabric system: the embedded ledger lives in one gateway process'));
  return args.includes('--embedded') ? startEmbedded() : start(ordererArg, gatewaysArg);
};
(command === 'stop' ? stopAll(args.includes('--purge')) : command === 'start' ? starting() : Promise.reject(new Error('usage: system (start [--orderers 1|3] [--gateways N] [--embedded] | stop [--purge])')))
  .catch((error: unknown) => {
    process.stderr.write(error instanceof MissingBinaries ? `${error.message}\n` : `[start] ERROR: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
