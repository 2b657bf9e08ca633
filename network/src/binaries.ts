import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

/** The pinned releases (DESIGN §3): Fabric 2.5 LTS and the fabric-ca of the same line. */
export const FABRIC_VERSION = '2.5.16';
export const FABRIC_CA_VERSION = '1.5.21';

export const FABRIC_TOOLS = ['peer', 'orderer', 'configtxgen', 'osnadmin', 'configtxlator'] as const;
export const CA_TOOLS = ['fabric-ca-server', 'fabric-ca-client'] as const;
export type Tool = (typeof FABRIC_TOOLS)[number] | (typeof CA_TOOLS)[number];

/** Where every binary was found, and the chaincode-as-a-service builder's folder (holding bin/detect, bin/build, bin/release). */
export interface Binaries {
  readonly tools: Readonly<Record<Tool, string>>;
  readonly ccaasBuilder: string;
  readonly fabricVersion: string;
  readonly caVersion: string;
}

const ROOT = resolve(__dirname, '..', '..');

const executable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Search order: FABRIC_BIN, then PATH, then the project's git-ignored .fabric/bin. */
function searchDirs(env: NodeJS.ProcessEnv): string[] {
  const dirs: string[] = [];
  if (env.FABRIC_BIN) dirs.push(env.FABRIC_BIN);
  dirs.push(...(env.PATH ?? '').split(delimiter).filter((d) => d.length > 0));
  dirs.push(join(ROOT, '.fabric', 'bin'));
  return dirs;
}

const BUILDER_PARTS = ['detect', 'build', 'release'];
const isBuilder = (dir: string): boolean => BUILDER_PARTS.every((b) => executable(join(dir, 'bin', b)));

/** The builder: FABRIC_CCAAS_BUILDER, else beside the peer as in Fabric's release archive (bin/../builders/ccaas). */
function findBuilder(env: NodeJS.ProcessEnv, peer: string | undefined): string | undefined {
  const candidates = [env.FABRIC_CCAAS_BUILDER, peer && join(dirname(peer), '..', 'builders', 'ccaas'), peer && join(dirname(peer), 'builders', 'ccaas')];
  return candidates.find((c): c is string => typeof c === 'string' && c.length > 0 && isBuilder(c));
}

/** `X.Y.Z` from a tool's version output ("Version: 2.5.16", "Version: v1.5.21"). */
export function versionIn(output: string): string | undefined {
  return /Version:\s*v?(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

/** What is missing or wrong, in one paragraph a person can act on. */
export class MissingBinaries extends Error {
  constructor(readonly problems: readonly string[]) {
    super([
      `Hyperledger Fabric's binaries were not found or are not the pinned release (Fabric ${FABRIC_VERSION}, fabric-ca ${FABRIC_CA_VERSION}):`,
      ...problems.map((p) => `  - ${p}`),
      'The project looks in $FABRIC_BIN, then on $PATH, then in .fabric/bin (where `npm run fabric:install` unpacks the official',
      'release archives on a machine with internet access). They can also be built from Fabric\'s own source (release tag',
      `v${FABRIC_VERSION}; fabric-ca v${FABRIC_CA_VERSION}; the builder is the Go module ccaas_builder/) and put on the PATH,`,
      'with the builder at <bin>/../builders/ccaas/bin/{detect,build,release} or $FABRIC_CCAAS_BUILDER. See docs/network.md.',
    ].join('\n'));
  }
}

/** Finds and checks every binary; throws MissingBinaries listing all problems at once. */
export function findBinaries(env: NodeJS.ProcessEnv = process.env): Binaries {
  const dirs = searchDirs(env);
  const problems: string[] = [];
  const tools: Partial<Record<Tool, string>> = {};
  for (const tool of [...FABRIC_TOOLS, ...CA_TOOLS]) {
    const found = dirs.map((d) => join(d, tool)).find(executable);
    if (found === undefined) problems.push(`${tool}: not found`);
    else tools[tool] = found;
  }
  const version = (tool: Tool, args: string[]): string | undefined => {
    const file = tools[tool];
    if (file === undefined) return undefined;
    try {
      return versionIn(execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    } catch {
      return undefined;
    }
  };
  const fabricVersion = version('peer', ['version']) ?? '';
  const ordererVersion = version('orderer', ['version']) ?? '';
  const caVersion = version('fabric-ca-server', ['version']) ?? '';
  if (tools.peer && fabricVersion !== FABRIC_VERSION) problems.push(`peer (${tools.peer}) says version '${fabricVersion || '?'}', want ${FABRIC_VERSION}`);
  if (tools.orderer && ordererVersion !== FABRIC_VERSION) problems.push(`orderer (${tools.orderer}) says version '${ordererVersion || '?'}', want ${FABRIC_VERSION}`);
  if (tools['fabric-ca-server'] && caVersion !== FABRIC_CA_VERSION) {
    problems.push(`fabric-ca-server (${tools['fabric-ca-server']}) says version '${caVersion || '?'}', want ${FABRIC_CA_VERSION}`);
  }
  const ccaasBuilder = findBuilder(env, tools.peer);
  if (ccaasBuilder === undefined) problems.push('the chaincode-as-a-service builder (bin/detect, bin/build, bin/release): not found');
  if (problems.length > 0 || ccaasBuilder === undefined) throw new MissingBinaries(problems);
  return { tools: tools as Record<Tool, string>, ccaasBuilder, fabricVersion, caVersion };
}

/** Whether the binaries are here, without throwing: for tests deciding whether they can run. */
export function binariesFound(env: NodeJS.ProcessEnv = process.env): { found: true; binaries: Binaries } | { found: false; why: string } {
  try {
    return { found: true, binaries: findBinaries(env) };
  } catch (error) {
    if (error instanceof MissingBinaries) return { found: false, why: error.problems.join('; ') };
    throw error;
  }
}
