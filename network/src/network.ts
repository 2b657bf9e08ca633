import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blockHeight, joinOrderer, ordererChannels, peerCli } from './admin';
import { findBinaries, type Binaries } from './binaries';
import { approveAndCommit, contractSpec, installAll, type Deployment } from './chaincode';
import { configtx, coreYaml, ordererYaml, writeConfig } from './configs';
import { writeIdentities } from './identity-files';
import { caSpec, issueIdentities } from './identities';
import { BUREAU, CHAINCODE, CHANNEL, ORGS, PEER_ORGS, caName, contractName, ordererName, paths, peerName, where, LOOPBACK_HOSTS, type Layout, type OrgHost, type OrgKey } from './layout';
import { alive, listening, run, startDetached, stop, waitFor, waitUp, type ProcessSpec } from './processes';
import { writeBundle } from './bundle';
import { waitForEndorsement } from './client';

/** What `network.json` keeps between commands: the network's shape, what is deployed, and who runs. */
export interface NetworkState {
  readonly version: 1;
  /** False until the first `up` finished: a half-made network is wiped by the next `up`. */
  created: boolean;
  readonly orderers: number;
  readonly portBase: number;
  /** The hosts of a network made from a topology file (absent: everything on loopback). */
  readonly hosts?: Readonly<Record<OrgKey, OrgHost>>;
  /** Organisations that joined the live channel after it was made (add-org.ts). */
  joined?: OrgKey[];
  deployment?: Deployment;
  pids: Record<string, number>;
}

/** One line of progress, on stderr so stdout stays for results. */
export type Progress = (line: string) => void;

export function readState(l: Layout): NetworkState | undefined {
  const file = paths(l).state;
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as NetworkState;
}

export function saveState(l: Layout, state: NetworkState): void {
  mkdirSync(l.dir, { recursive: true });
  const file = paths(l).state;
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  // Rename is atomic: a crash never leaves half a state file.
  renameSync(`${file}.tmp`, file);
}

/** Every process of the network in start order, with how to start it. */
function specs(l: Layout, b: Binaries, state: NetworkState): ProcessSpec[] {
  const joined = (state.joined ?? []).includes('bureau') ? [BUREAU] : [];
  const list: ProcessSpec[] = [...ORGS, ...joined].map((o) => caSpec(l, b, o.key));
  for (let i = 0; i < l.orderers; i++) {
    list.push({ name: ordererName(i), command: b.tools.orderer, port: l.ports.orderer(i), ...where(l, 'orderer'), args: ['start'], env: { FABRIC_CFG_PATH: paths(l).nodeConfig(ordererName(i)), FABRIC_LOGGING_SPEC: 'INFO' } });
  }
  for (const o of [...PEER_ORGS, ...joined]) {
    list.push({ name: peerName(o.key), command: b.tools.peer, port: l.ports.peer(o.key), ...where(l, o.key), args: ['node', 'start'], env: { FABRIC_CFG_PATH: paths(l).nodeConfig(peerName(o.key)), FABRIC_LOGGING_SPEC: 'INFO' } });
  }
  const packages = state.deployment?.packages;
  if (packages !== undefined) {
    for (const o of [...PEER_ORGS, ...joined]) {
      const id = packages[o.key];
      if (id !== undefined) list.push(contractSpec(l, o.key, id));
    }
  }
  return list;
}

/** Starts the named processes that are not running, all at once, and waits until each answers. */
export async function ensureRunning(l: Layout, state: NetworkState, wanted: readonly ProcessSpec[], progress: Progress): Promise<void> {
  const logs = paths(l).logs;
  const started: [ProcessSpec, number][] = [];
  for (const spec of wanted) {
    if (alive(state.pids[spec.name]) && (await listening(spec.port, spec.host))) continue;
    const pid = state.pids[spec.name];
    if (pid !== undefined && alive(pid)) await stop(pid); // alive but not answering: start it afresh
    // A process just stopped may hold its port for a moment longer: wait for that, within reason.
    for (let i = 0; i < 50 && (await listening(spec.port, spec.host)); i++) await new Promise((r) => setTimeout(r, 100));
    if (await listening(spec.port, spec.host)) throw new Error(`port ${spec.port} (for ${spec.name}) is taken by another process; is another network running with port base ${l.portBase}?`);
    const newPid = startDetached(spec, logs);
    state.pids[spec.name] = newPid;
    started.push([spec, newPid]);
    saveState(l, state); // at once: a failure later in this loop must not orphan what was started
  }
  saveState(l, state);
  await Promise.all(started.map(([spec, pid]) => waitUp(spec, pid, logs)));
  if (started.length > 0) progress(`started ${started.map(([s, pid]) => `${s.name} (pid ${pid}, :${s.port})`).join(', ')}`);
}

/** Creates the network from nothing: CAs, identities, channel, orderers, peers, chaincode. */
async function create(l: Layout, b: Binaries, state: NetworkState, progress: Progress): Promise<void> {
  const p = paths(l);
  const all = specs(l, b, state);
  const byName = (names: readonly string[]): ProcessSpec[] => all.filter((s) => names.includes(s.name));

  progress('fabric-ca servers (one per organisation)');
  await ensureRunning(l, state, byName(ORGS.map((o) => caName(o.key))), progress);
  progress('identities: admins, nodes, TLS, clients with role attributes');
  await Promise.all(ORGS.map((o) => issueIdentities(l, b, o.key)));
  // What crosses between organisations: each one's bundle, public material only (bundle.ts).
  for (const o of ORGS) writeBundle(l, o.key);
  writeIdentities(l);

  progress(`channel '${CHANNEL}': configtxgen`);
  mkdirSync(p.configtx, { recursive: true });
  writeFileSync(join(p.configtx, 'configtx.yaml'), configtx(l));
  await run(b.tools.configtxgen, ['-profile', 'CampusChannel', '-outputBlock', p.channelBlock, '-channelID', CHANNEL, '-configPath', p.configtx], { env: { FABRIC_LOGGING_SPEC: 'WARNING' } });

  progress(`orderers (${l.orderers}, Raft) and peers`);
  for (let i = 0; i < l.orderers; i++) writeConfig(l, ordererName(i), 'orderer.yaml', ordererYaml(l, i));
  for (const o of PEER_ORGS) writeConfig(l, peerName(o.key), 'core.yaml', coreYaml(l, b, o.key));
  await ensureRunning(l, state, all.filter((s) => s.name.startsWith('orderer') || s.name.startsWith('peer')), progress);

  progress('orderers join the channel (osnadmin), peers join');
  for (let i = 0; i < l.orderers; i++) await joinOrderer(l, b, i);
  await Promise.all(PEER_ORGS.map((o) => waitFor(`${peerName(o.key)} to join ${CHANNEL}`, async () => {
    try {
      await peerCli(l, b, o.key, ['channel', 'join', '-b', p.channelBlock]);
      return true;
    } catch (error) {
      // The orderer may not have a Raft leader yet; joining twice says "already exists".
      return /already exists/.test(String(error));
    }
  }, 120_000, 1000)));

  await deploy(l, b, state, 1, progress);
}

/** Installs, starts, approves and commits sequence `sequence`; the state survives (same ledger, new definition). */
export async function deploy(l: Layout, b: Binaries, state: NetworkState, sequence: number, progress: Progress): Promise<void> {
  progress(`chaincode '${CHAINCODE}' sequence ${sequence}: package and install on every peer`);
  const packages = await installAll(l, b, sequence);
  const previous = state.deployment;
  state.deployment = { sequence: previous?.sequence ?? 0, version: previous?.version ?? '0', packages };
  // New package ids mean new contract servers: stop the old ones first (same ports).
  for (const o of PEER_ORGS) {
    const pid = state.pids[contractName(o.key)];
    if (pid !== undefined) await stop(pid);
  }
  progress('contract servers (one per organisation, TLS), approvals by every org, commit with AND(Operator, Campus)');
  await ensureRunning(l, state, PEER_ORGS.map((o) => contractSpec(l, o.key, packages[o.key])), progress);
  await approveAndCommit(l, b, sequence, packages);
  state.deployment = { sequence, version: String(sequence), packages };
  saveState(l, state);
}

/** Restarts every contract server with extra environment (benchmarks switch settings between runs). */
export async function restartContracts(l: Layout, env: Record<string, string>, progress: Progress = () => undefined): Promise<void> {
  const state = readState(l);
  const packages = state?.deployment?.packages;
  if (state === undefined || packages === undefined) throw new Error(`no chaincode deployed in ${l.dir}`);
  const wanted: ProcessSpec[] = [];
  for (const o of PEER_ORGS) {
    const pid = state.pids[contractName(o.key)];
    if (pid !== undefined) await stop(pid);
    const id = packages[o.key];
    if (id !== undefined) wanted.push(contractSpec(l, o.key, id, env));
  }
  await ensureRunning(l, state, wanted, progress);
  await waitForEndorsement(l);
}

export interface UpOptions {
  readonly purge?: boolean;
  readonly progress?: Progress;
  readonly binaries?: Binaries;
}

/**
 * Brings the network up: from nothing (or after a half-made attempt) it creates everything;
 * otherwise it restarts what is not running over the same ledgers. Running it twice is harmless.
 */
export async function up(l: Layout, options: UpOptions = {}): Promise<{ created: boolean; seconds: number }> {
  const progress = options.progress ?? (() => undefined);
  const started = Date.now();
  const b = options.binaries ?? findBinaries();
  if (options.purge === true) await down(l, { purge: true });
  let state = readState(l);
  if (state !== undefined && state.orderers !== l.orderers) {
    throw new Error(`the network in ${l.dir} has ${state.orderers} orderer(s), not ${l.orderers}: run network:down -- --purge first`);
  }
  let created = false;
  if (state === undefined || !state.created) {
    if (state !== undefined || existsSync(l.dir)) {
      progress(`wiping an unfinished network in ${l.dir}`);
      await down(l, { purge: true });
    }
    state = { version: 1, created: false, orderers: l.orderers, portBase: l.portBase, ...(l.hosts === LOOPBACK_HOSTS ? {} : { hosts: l.hosts }), pids: {} };
    saveState(l, state);
    await create(l, b, state, progress);
    state.created = true;
    saveState(l, state);
    created = true;
  } else {
    await ensureRunning(l, state, specs(l, b, state), progress);
  }
  progress('waiting until a cross-organisation endorsement succeeds (gossip membership, discovery)');
  await waitForEndorsement(l);
  return { created, seconds: (Date.now() - started) / 1000 };
}

/** Stops every process of the network (and, with purge, deletes everything it wrote). */
export async function down(l: Layout, options: { purge?: boolean } = {}): Promise<string[]> {
  const state = readState(l);
  const stopped: string[] = [];
  if (state !== undefined) {
    // Reverse start order: contract servers and peers before orderers and CAs.
    const names = Object.keys(state.pids).reverse();
    await Promise.all(names.map(async (name) => {
      const pid = state.pids[name];
      if (pid !== undefined && alive(pid)) {
        await stop(pid);
        stopped.push(name);
      }
    }));
    state.pids = {};
    if (existsSync(l.dir)) saveState(l, state);
  }
  if (options.purge === true) rmSync(l.dir, { recursive: true, force: true });
  return stopped;
}

/** Stops one process of the network (for fault tests); `up` restarts it. */
export async function stopProcess(l: Layout, name: string, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  const pid = readState(l)?.pids[name];
  if (pid === undefined) throw new Error(`no process ${name} in ${l.dir}`);
  if (signal === 'SIGKILL') {
    process.kill(pid, 'SIGKILL');
    await waitFor(`${name} to die`, () => !alive(pid));
  } else {
    await stop(pid);
  }
}

/** One row of `network:status`. */
export interface ProcessStatus {
  readonly name: string;
  readonly pid: number | undefined;
  readonly port: number;
  readonly running: boolean;
  readonly height?: number | undefined;
}

export async function status(l: Layout, b: Binaries = findBinaries()): Promise<{ state: NetworkState | undefined; processes: ProcessStatus[]; channels: string[] }> {
  const state = readState(l);
  if (state === undefined) return { state, processes: [], channels: [] };
  const rows = await Promise.all(specs(l, b, state).map(async (s): Promise<ProcessStatus> => {
    const pid = state.pids[s.name];
    const running = alive(pid) && (await listening(s.port, s.host));
    const org = PEER_ORGS.find((o) => peerName(o.key) === s.name)?.key;
    const height = running && org !== undefined ? await blockHeight(l, b, org) : undefined;
    return { name: s.name, pid, port: s.port, running, height };
  }));
  const channels: string[] = [];
  for (let i = 0; i < l.orderers; i++) {
    if (rows.find((r) => r.name === ordererName(i))?.running === true) {
      channels.push(`${ordererName(i)}: ${(await ordererChannels(l, b, i).catch((e: unknown) => String(e))).replace(/\s+/g, ' ').trim()}`);
    }
  }
  return { state, processes: rows, channels };
}

export type { OrgKey };
