import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { KeyFileSigner } from '@dol/gateway-api';
import { clientIdentity, ordererName, peerEndpoint, stopProcess, up, type Binaries, type Layout } from '@dol/network';
import { GatewayClient, buildScenario, runScenario, type HttpResult, type RunReport } from '@dol/scripts';

/**
 * Faults injected into a canteen burst uploaded through the real gateway PROCESS over a real
 * network: used by the fault tests (test/fabric/faults.test.ts) and by `npm run faults`.
 */
const ROOT = resolve(__dirname, '..', '..');
const MAIN = join(ROOT, 'gateway-api', 'dist', 'main.js');
export const DATABASE_URL = process.env.DOL_TEST_DATABASE_URL ?? process.env.DOL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => {
        if (a !== null && typeof a === 'object') resolvePort(a.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** The real gateway process (gateway-api/dist/main.js) over a network, restartable on the same port and intake schema. */
export class GatewayProcess {
  private child: ChildProcess | undefined;
  readonly tokens = { operator: randomBytes(24).toString('hex'), finance: randomBytes(24).toString('hex'), registrar: randomBytes(24).toString('hex'), auditor: randomBytes(24).toString('hex') };

  constructor(private readonly l: Layout, readonly port: number, private readonly schema: string, private readonly dir: string, private readonly issuerKey?: { readonly keyId: string; readonly path: string }) {
    mkdirSync(dir, { recursive: true });
    const credentials = Object.entries(this.tokens).map(([role, token]) => ({ tokenSha256: createHash('sha256').update(token).digest('hex'), role, subject: role }));
    writeFileSync(join(dir, 'credentials.json'), JSON.stringify(credentials));
    // One gateway acting for every role, each with its own organisation's identity (a test deployment).
    const roles: Record<string, 'operator' | 'campus' | 'audit'> = { gateway: 'operator', operator: 'operator', finance: 'campus', registrar: 'campus', auditor: 'audit' };
    writeFileSync(join(dir, 'identities.json'), JSON.stringify(Object.fromEntries(Object.entries(roles).map(([role, org]) => [role, clientIdentity(l, org, role)]))));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const peer = peerEndpoint(this.l, 'operator');
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env, DOL_PORT: String(this.port), DOL_DB_SCHEMA: this.schema, DOL_DATABASE_URL: DATABASE_URL, DOL_LOG_LEVEL: 'error',
        DOL_CREDENTIALS_FILE: join(this.dir, 'credentials.json'), DOL_IDENTITIES_FILE: join(this.dir, 'identities.json'),
        DOL_PEER_ENDPOINT: peer.endpoint, DOL_PEER_HOST_ALIAS: peer.hostAlias, DOL_PEER_TLS_CA: peer.tlsRootCert,
        DOL_ORDERER_ADDRESS: `127.0.0.1:${this.l.ports.orderer(0)}`, DOL_WORKERS: '8', DOL_MAX_BACKOFF_MS: '2000',
        CORE_CHAINCODE_LOGGING_LEVEL: 'WARNING',
        ...(this.issuerKey === undefined ? {} : { DOL_ISSUER_KEYS: `${this.issuerKey.keyId}=${this.issuerKey.path}` }),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    this.child = child;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
  }

  async kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const child = this.child;
    // A process ended by a signal has no exit code but a signal code: either means it is gone.
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  async readyz(): Promise<HttpResult> {
    const r = await fetch(`${this.url}/readyz`);
    return { status: r.status, body: JSON.parse(await r.text()) as unknown };
  }
}

/**
 * A terminal's view: an upload whose answer was lost (the gateway died) is sent again until it
 * is acknowledged; the first acknowledgement the terminal sees is its 202, whatever the retry says.
 */
export class RetryingClient extends GatewayClient {
  /** Batches this terminal has seen acknowledged: a repeat upload of one of them is answered 200, lost or not. */
  private readonly acknowledged = new Set<string>();

  override async request(method: string, path: string, as: 'operator' | 'finance' | 'registrar' | 'auditor' | undefined, body?: unknown): Promise<HttpResult> {
    let lost = false;
    const batch = path === '/v1/batches' ? createHash('sha256').update(JSON.stringify(body)).digest('hex') : undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await super.request(method, path, as, body);
        if (r.status === 503 && attempt < 1200) {
          await sleep(200);
          continue;
        }
        if (batch === undefined || (r.status !== 200 && r.status !== 202)) return r;
        const firstAck = !this.acknowledged.has(batch);
        this.acknowledged.add(batch);
        return lost && firstAck && r.status === 200 ? { ...r, status: 202 } : r;
      } catch (error) {
        if (attempt >= 1200) throw error;
        lost = true;
        await sleep(200);
      }
    }
  }
}

/** The leader of the channel's Raft cluster, from each orderer's Prometheus metrics. */
export async function raftLeader(l: Layout): Promise<number> {
  for (;;) {
    for (let i = 0; i < l.orderers; i++) {
      try {
        const text = await (await fetch(`http://127.0.0.1:${l.ports.ordererOperations(i)}/metrics`)).text();
        if (/consensus_etcdraft_is_leader\{channel="campus"\} 1/.test(text)) return i;
      } catch {
        // that orderer is down
      }
    }
    await sleep(200);
  }
}

/** The faults of DESIGN §9's fifth promise, by name. */
export const FAULTS = ['gateway-sigkill', 'one-of-two-gateways', 'raft-leader', 'campus-peer', 'contract-server', 'all-orderers'] as const;
export type FaultKind = (typeof FAULTS)[number];

/**
 * Injects one fault and brings the system back; outage lengths are the fault's design.
 * `second` is the second OperatorOrg gateway of 'one-of-two-gateways' (same intake schema).
 */
export async function inject(kind: FaultKind, l: Layout, b: Binaries, gateway: GatewayProcess, outageMs?: number, second?: GatewayProcess): Promise<void> {
  switch (kind) {
    case 'one-of-two-gateways':
      // One of two gateways dies for good with groups in flight; the other takes its claims over
      // (its advisory lock went with its connection) and the terminals upload to the survivor.
      await second?.kill('SIGKILL');
      return;
    case 'gateway-sigkill':
      await gateway.kill('SIGKILL');
      if (outageMs !== undefined) await sleep(outageMs);
      await gateway.start();
      return;
    case 'raft-leader':
      await stopProcess(l, ordererName(await raftLeader(l)), 'SIGKILL');
      await sleep(outageMs ?? 10_000);
      await up(l, { binaries: b });
      return;
    case 'campus-peer':
      await stopProcess(l, 'peer0.campus', 'SIGKILL');
      await sleep(outageMs ?? 15_000);
      await up(l, { binaries: b });
      return;
    case 'contract-server':
      await stopProcess(l, 'contract.campus', 'SIGKILL');
      await sleep(outageMs ?? 5_000);
      await up(l, { binaries: b });
      return;
    case 'all-orderers':
      for (let i = 0; i < l.orderers; i++) await stopProcess(l, ordererName(i));
      await sleep(outageMs ?? 30_000);
      await up(l, { binaries: b });
      return;
  }
}

export interface BurstOptions {
  readonly students?: number;
  readonly terminals?: number;
  readonly seed?: number;
  /** Fraction of the uploads after which the fault starts. */
  readonly at?: number;
  readonly outageMs?: number;
  /** Runs beside the fault, from its start (e.g. watching /readyz). */
  readonly during?: (gateway: GatewayProcess) => Promise<void>;
}

/** A fresh network (purged), a gateway process, a canteen burst with one fault in it, and the reconciliation. */
export async function burstWithFault(l: Layout, b: Binaries, kind: FaultKind, options: BurstOptions = {}): Promise<{ report: RunReport; acknowledged: number }> {
  await up(l, { purge: true, binaries: b });
  const pool = new Pool({ connectionString: DATABASE_URL, max: 2 });
  const schema = `fault_${randomBytes(4).toString('hex')}`;
  // The issuer service's key (the scenario's media come from it): one key file both gateways hold, registered once.
  const issuerKeyId = `issuer-fault-${randomBytes(3).toString('hex')}`;
  const issuerKey = { keyId: issuerKeyId, path: join(l.dir, `${issuerKeyId}.pem`) };
  const signer = KeyFileSigner.create(issuerKeyId, issuerKey.path);
  const gateway = new GatewayProcess(l, await freePort(), schema, join(l.dir, 'gateway'), issuerKey);
  await gateway.start();
  const second = kind === 'one-of-two-gateways' ? new GatewayProcess(l, await freePort(), schema, join(l.dir, 'gateway-2'), issuerKey) : undefined;
  await second?.start();
  const now = Date.now();
  await new GatewayClient(gateway.url, gateway.tokens).must('POST', '/v1/issuer-keys', 'operator', {
    keyId: issuerKeyId, alg: signer.alg, publicKey: signer.publicJwk, validFrom: now - 86_400_000, validTo: now + 30 * 86_400_000, status: 'active',
  });
  try {
    const scenario = buildScenario({ students: options.students ?? 300, terminals: options.terminals ?? 10, seed: options.seed ?? 7, now: Date.now(), batchSize: 20 });
    // Uploads go round robin to every gateway; staff calls and status reads to the first (which survives every fault).
    const api = new RetryingClient(gateway.url, gateway.tokens, second === undefined ? [] : [gateway.url, second.url]);
    let injected: Promise<void> | undefined;
    let watched: Promise<void> | undefined;
    let acknowledged = 0;
    const settle = async (receipts: readonly string[]): Promise<void> => {
      await injected;
      await watched;
      acknowledged = receipts.length;
      for (const receipt of receipts) {
        for (;;) {
          const r = await api.request('GET', `/v1/batches/${receipt}`, 'operator');
          const status = (r.body as { status?: string } | null)?.status;
          if (status !== undefined && status !== 'pending') break;
          await sleep(200);
        }
      }
    };
    const report = await runScenario(scenario, api, settle, (label, done, total) => {
      if (label === 'uploads' && injected === undefined && done >= Math.floor(total * (options.at ?? 1 / 3))) {
        injected = inject(kind, l, b, gateway, options.outageMs, second);
        if (options.during !== undefined) watched = options.during(gateway);
      }
    }, 16);
    if (injected === undefined) throw new Error('the fault was never injected');
    return { report, acknowledged };
  } finally {
    await second?.kill('SIGTERM');
    await gateway.kill('SIGTERM');
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  }
}
