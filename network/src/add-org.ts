/**
 * A new organisation joins the live channel (issue 23): the education bureau (BureauOrg), a second
 * auditor whose peer endorses nothing. Its own CA makes its identities; only its public bundle (the
 * MSP: CA and TLS CA certificates, NodeOUs; its anchor peer) reaches the others. The channel
 * configuration update is computed with configtxlator from the live configuration block, signed
 * by a majority of the existing application organisations' admins (OperatorOrg signs, CampusOrg
 * signs and submits: 2 of 3), and ordered while the channel keeps settling. Its peer joins from the
 * genesis block and catches up from the orderer; its contract server serves the agreed definition
 * once it approved it with its own package.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ordered, ordererFlags, peerCli } from './admin';
import type { Binaries } from './binaries';
import { writeBundle } from './bundle';
import { contractSpec, definition, packageFor } from './chaincode';
import { applicationOrgYaml, coreYaml, writeConfig } from './configs';
import { caSpec, issueIdentities } from './identities';
import { BUREAU, CHAINCODE, CHANNEL, contractName, paths, peerName, where, type Layout } from './layout';
import { ensureRunning, readState, saveState, type Progress } from './network';
import { run, waitFor } from './processes';
import { isRecord, type JsonRecord } from './json';

const JOIN = 'join';

/** The joining organisation's definition, made from its bundle, as configtxgen -printOrg reads it. */
export const bundleYaml = (l: Layout): string => `Organizations:\n${applicationOrgYaml(l, 'bureau')}`;

/** What the join took, step by step (seconds). */
export interface JoinReport {
  readonly identitiesSeconds: number;
  readonly updateSeconds: number;
  readonly caughtUpSeconds: number;
  readonly totalSeconds: number;
  readonly height: number;
}

/** Evaluates a query as an organisation's auditor on its own peer, from its host (queries carry the `role` attribute); the JSON text it answers. */
async function queryAsAuditor(l: Layout, b: Binaries, org: 'bureau' | 'audit', fn: string, args: readonly string[]): Promise<string> {
  const auditor = { CORE_PEER_MSPCONFIGPATH: join(paths(l).user(org, 'auditor'), 'msp') };
  return (await peerCli(l, b, org, ['chaincode', 'query', '-C', CHANNEL, '-n', CHAINCODE, '-c', JSON.stringify({ Args: [fn, ...args] })], auditor)).trim();
}

/** Evaluates a query on the bureau's peer as its auditor. */
export const queryAsBureau = (l: Layout, b: Binaries, fn: string, args: readonly string[] = []): Promise<string> => queryAsAuditor(l, b, 'bureau', fn, args);

/** Evaluates a query on AuditOrg's peer as its auditor: what the bureau's answers must equal. */
export const queryAsAudit = (l: Layout, b: Binaries, fn: string, args: readonly string[] = []): Promise<string> => queryAsAuditor(l, b, 'audit', fn, args);

/** Block height of a peer on the channel (undefined while it has none). */
async function height(l: Layout, b: Binaries, org: 'operator' | 'audit' | 'bureau'): Promise<number | undefined> {
  try {
    const m = /"height":(\d+)/.exec(await peerCli(l, b, org, ['channel', 'getinfo', '-c', CHANNEL]));
    return m?.[1] === undefined ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

/** Joins BureauOrg to the live channel; idempotent steps are not repeated when it has joined already. */
export async function addBureau(l: Layout, b: Binaries, progress: Progress): Promise<JoinReport> {
  const started = Date.now();
  const state = readState(l);
  const deployment = state?.deployment;
  if (state === undefined || deployment === undefined) throw new Error(`no network with a deployed contract in ${l.dir}`);
  if ((state.joined ?? []).includes('bureau')) throw new Error('BureauOrg has joined this channel already');
  const p = paths(l);
  const work = join(l.dir, JOIN);
  mkdirSync(work, { recursive: true });

  progress("BureauOrg's own CA, and its identities (admin, peer, contract server, auditor)");
  await ensureRunning(l, state, [caSpec(l, b, 'bureau')], progress);
  await issueIdentities(l, b, 'bureau');
  // The bundle: its MSP's public half and its anchor peer, all the others see of it (no key crosses).
  writeBundle(l, 'bureau');
  writeFileSync(join(work, 'configtx.yaml'), bundleYaml(l));
  const identitiesSeconds = (Date.now() - started) / 1000;

  progress('channel configuration update: fetch the live config, add BureauMSP (configtxlator compute_update)');
  const updateStarted = Date.now();
  const orgJson = await run(b.tools.configtxgen, ['-printOrg', BUREAU.mspId, '-configPath', work], { env: { FABRIC_LOGGING_SPEC: 'WARNING' } });
  const block = join(work, 'config_block.pb');
  await peerCli(l, b, 'operator', ['channel', 'fetch', 'config', block, '-c', CHANNEL, ...ordererFlags(l)]);
  await run(b.tools.configtxlator, ['proto_decode', '--input', block, '--type', 'common.Block', '--output', join(work, 'config_block.json')]);
  const decoded: unknown = JSON.parse(readFileSync(join(work, 'config_block.json'), 'utf8'));
  const config = configOf(decoded);
  if (applicationGroups(config)[BUREAU.mspId] !== undefined) {
    progress('BureauMSP is in the channel configuration already (an earlier attempt got that far)');
  } else {
    const modified = structuredClone(config);
    applicationGroups(modified)[BUREAU.mspId] = JSON.parse(orgJson) as unknown;
    writeFileSync(join(work, 'config.json'), JSON.stringify(config));
    writeFileSync(join(work, 'modified.json'), JSON.stringify(modified));
    await run(b.tools.configtxlator, ['proto_encode', '--input', join(work, 'config.json'), '--type', 'common.Config', '--output', join(work, 'config.pb')]);
    await run(b.tools.configtxlator, ['proto_encode', '--input', join(work, 'modified.json'), '--type', 'common.Config', '--output', join(work, 'modified.pb')]);
    await run(b.tools.configtxlator, ['compute_update', '--channel_id', CHANNEL, '--original', join(work, 'config.pb'), '--updated', join(work, 'modified.pb'), '--output', join(work, 'update.pb')]);
    await run(b.tools.configtxlator, ['proto_decode', '--input', join(work, 'update.pb'), '--type', 'common.ConfigUpdate', '--output', join(work, 'update.json')]);
    const update: unknown = JSON.parse(readFileSync(join(work, 'update.json'), 'utf8'));
    writeFileSync(join(work, 'envelope.json'), JSON.stringify({ payload: { header: { channel_header: { channel_id: CHANNEL, type: 2 } }, data: { config_update: update } } }));
    const envelope = join(work, 'update_envelope.pb');
    await run(b.tools.configtxlator, ['proto_encode', '--input', join(work, 'envelope.json'), '--type', 'common.Envelope', '--output', envelope]);
    progress('signed by OperatorOrg and CampusOrg (a majority of the three), submitted by CampusOrg');
    await peerCli(l, b, 'operator', ['channel', 'signconfigtx', '-f', envelope]);
    await peerCli(l, b, 'campus', ['channel', 'update', '-f', envelope, '-c', CHANNEL, ...ordererFlags(l)]);
  }
  const updateSeconds = (Date.now() - updateStarted) / 1000;

  progress("BureauOrg's peer joins from the genesis block and catches up from the orderer");
  writeConfig(l, peerName('bureau'), 'core.yaml', coreYaml(l, b, 'bureau'));
  const peerSpec = { name: peerName('bureau'), command: b.tools.peer, port: l.ports.peer('bureau'), ...where(l, 'bureau'), args: ['node', 'start'], env: { FABRIC_CFG_PATH: p.nodeConfig(peerName('bureau')), FABRIC_LOGGING_SPEC: 'INFO' } };
  await ensureRunning(l, state, [peerSpec], progress);
  await waitFor(`${peerName('bureau')} to join ${CHANNEL}`, async () => {
    try {
      await peerCli(l, b, 'bureau', ['channel', 'join', '-b', p.channelBlock]);
      return true;
    } catch (error) {
      return /already exists/.test(String(error));
    }
  }, 120_000, 1000);

  // Caught up: at least the height the operator's peer had once the join was ordered. Before that,
  // its own channel configuration does not know BureauMSP yet, and it refuses its own admin.
  const target = (await height(l, b, 'operator')) ?? 0;
  await waitFor(`${peerName('bureau')} to catch up to block ${target}`, async () => ((await height(l, b, 'bureau')) ?? 0) >= target, 600_000, 500);

  progress(`its contract server: install its own package, approve sequence ${deployment.sequence} for BureauMSP`);
  const label = `${CHAINCODE}_${deployment.sequence}`;
  const pkg = await packageFor(l, 'bureau', label);
  const packageId = (await peerCli(l, b, 'bureau', ['lifecycle', 'chaincode', 'calculatepackageid', pkg])).trim();
  await peerCli(l, b, 'bureau', ['lifecycle', 'chaincode', 'install', pkg]);
  await ensureRunning(l, state, [contractSpec(l, 'bureau', packageId)], progress);
  await ordered(l, b, 'bureau', ['lifecycle', 'chaincode', 'approveformyorg', ...ordererFlags(l), ...definition(deployment.sequence), '--package-id', packageId, '--waitForEvent']);
  state.joined = [...(state.joined ?? []), 'bureau'];
  state.deployment = { ...deployment, packages: { ...deployment.packages, bureau: packageId } };
  saveState(l, state);

  await waitFor(`${contractName('bureau')} to answer on ${peerName('bureau')}`, async () => {
    try {
      await queryAsBureau(l, b, 'CheckInvariant');
      return true;
    } catch {
      return false;
    }
  }, 300_000, 1000);
  const totalSeconds = (Date.now() - started) / 1000;
  return { identitiesSeconds, updateSeconds, caughtUpSeconds: totalSeconds - identitiesSeconds - updateSeconds, totalSeconds, height: (await height(l, b, 'bureau')) ?? 0 };
}

/** The channel configuration inside a decoded config block (data.data[0].payload.data.config). */
function configOf(block: unknown): JsonRecord {
  const list: unknown = isRecord(block) && isRecord(block.data) ? block.data.data : undefined;
  const data: unknown = Array.isArray(list) ? (list as unknown[])[0] : undefined;
  const config = isRecord(data) && isRecord(data.payload) && isRecord(data.payload.data) ? data.payload.data.config : undefined;
  if (!isRecord(config)) throw new Error('the config block holds no channel configuration');
  return config;
}

/** The application organisations' groups of a configuration, to add one. */
function applicationGroups(config: JsonRecord): JsonRecord {
  const channel = config.channel_group;
  const app = isRecord(channel) && isRecord(channel.groups) ? channel.groups.Application : undefined;
  if (!isRecord(app) || !isRecord(app.groups)) throw new Error('the configuration has no Application group');
  return app.groups;
}

/**
 * Once BureauOrg's peer is at AuditOrg's height, its answers must equal AuditOrg's: the books'
 * invariant, the fraud cases, the points supply, and each named account's statement. Returns the
 * queries compared; throws on the first that differs.
 */
export async function compareWithAudit(l: Layout, b: Binaries, accounts: readonly string[]): Promise<string[]> {
  await waitFor('BureauOrg\'s peer at AuditOrg\'s height', async () => {
    const [ours, theirs] = await Promise.all([height(l, b, 'bureau'), height(l, b, 'audit')]);
    return ours !== undefined && theirs !== undefined && ours >= theirs;
  }, 600_000, 500);
  const queries: [string, string[]][] = [['CheckInvariant', []], ['ListFraudCases', []], ['GetPointsSupply', []], ...accounts.map((a): [string, string[]] => ['GetStatement', [a]])];
  const same: string[] = [];
  for (const [fn, args] of queries) {
    const [ours, theirs] = await Promise.all([queryAsBureau(l, b, fn, args), queryAsAudit(l, b, fn, args)]);
    if (ours !== theirs) throw new Error(`BureauOrg's peer answers ${fn} ${args.join(' ')} differently from AuditOrg's:\n${ours.slice(0, 400)}\n${theirs.slice(0, 400)}`);
    same.push(args.length === 0 ? fn : `${fn} ${args.join(' ')}`);
  }
  return same;
}
