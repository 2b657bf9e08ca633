import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import pino from 'pino';
import { EmbeddedLedger, IntakeStore, KeyFileSigner, MemoryBlockStore, assembleGateway, type GroupLimits, type IntakeWorker, type IssuerOptions, type LedgerPort } from '@dol/gateway-api';


export type StaffRole = 'operator' | 'finance' | 'registrar' | 'auditor';

export interface TestGateway<L extends LedgerPort = EmbeddedLedger> {
  readonly url: string;
  /** A fresh bearer token per staff role, valid for this gateway only. */
  readonly tokens: Readonly<Record<StaffRole, string>>;
  readonly ledger: L;
  readonly store: IntakeStore;
  readonly worker: IntakeWorker;
  /** The issuer key the gateway's issuer service signs with (registered on the ledger at start, valid a year around \`now\`). */
  readonly issuerKeyId: string;
  /** Stops the worker (if running) and the HTTP server; the pool and schema stay the caller's. */
  close(): Promise<void>;
}

/** What a test gateway is started with; without `ledger`, the embedded ledger in memory at ledger time `now`. */
export interface TestGatewayOptions {
  readonly pool: Pool;
  readonly schema: string;
  readonly now: number;
  readonly runWorker?: boolean;
  /** Worker loops (default 1). */
  readonly workers?: number;
  readonly cli?: { readonly ordererAddress: string; readonly peerAddress: string };
  /** Group commit limits (default: the gateway's, 32 batches / 4,000 records). */
  readonly groups?: GroupLimits;
  /** The gateway's log level, to standard error (silent unless given). */
  readonly logLevel?: string;
  /** How the issuer service groups certificate requests (the gateway's defaults unless given). */
  readonly issuerOptions?: IssuerOptions;
}

/**
 * FOR TESTS AND BENCHMARKS: the real gateway (HTTP app, PostgreSQL intake, intake worker) on
 * 127.0.0.1, over the ledger given (a Fabric network), or else the embedded ledger in memory.
 * With `runWorker` the worker settles batches as they arrive; otherwise call `worker.drain()`.
 */
export async function startTestGateway(options: TestGatewayOptions): Promise<TestGateway>;
export async function startTestGateway<L extends LedgerPort>(options: TestGatewayOptions & { readonly ledger: L }): Promise<TestGateway<L>>;
export async function startTestGateway(options: TestGatewayOptions & { readonly ledger?: LedgerPort }): Promise<TestGateway<LedgerPort>> {
  const roles: StaffRole[] = ['operator', 'finance', 'registrar', 'auditor'];
  const tokens = Object.fromEntries(roles.map((role) => [role, randomBytes(24).toString('hex')])) as Record<StaffRole, string>;
  const credentials = roles.map((role) => ({ tokenSha256: createHash('sha256').update(tokens[role]).digest('hex'), role, subject: role }));
  const store = new IntakeStore(options.pool, options.schema, options.groups);
  await store.migrate();
  const ledger = options.ledger ?? await EmbeddedLedger.open({ store: new MemoryBlockStore(), clock: () => options.now });
  // The issuer service's key: a key file of this run only, registered on the ledger like any issuer key.
  const issuerKeyId = `issuer-${randomBytes(4).toString('hex')}`;
  const signer = KeyFileSigner.create(issuerKeyId, join(mkdtempSync(join(tmpdir(), 'dol-issuer-')), `${issuerKeyId}.pem`));
  await ledger.submit('operator', 'RegisterIssuerKey', [JSON.stringify({
    keyId: issuerKeyId, alg: signer.alg, publicKey: signer.publicJwk, validFrom: options.now - 365 * 86_400_000, validTo: options.now + 365 * 86_400_000, status: 'active',
  })], { subject: 'test-setup' });
  const { app, worker } = assembleGateway({ issuerSigners: [signer], ...(options.issuerOptions === undefined ? {} : { issuerOptions: options.issuerOptions }),
    store, ledger, log: pino({ level: options.logLevel ?? 'silent' }, pino.destination(2)), worker: { concurrency: options.workers ?? 1, idlePollMs: 250, maxBackoffMs: 100 }, credentials,
    channel: 'campus', chaincode: 'settlement', cli: options.cli ?? { ordererAddress: '-', peerAddress: '-' },
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => {
      resolve(s);
    });
  });
  if (options.runWorker === true) worker.start();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tokens,
    ledger,
    store,
    worker,
    issuerKeyId,
    close: async () => {
      await worker.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
