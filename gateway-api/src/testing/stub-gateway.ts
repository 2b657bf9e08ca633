import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import pino from 'pino';
import { assembleGateway } from '../assemble';
import { IntakeStore } from '../intake/intake-store';
import type { IntakeWorker } from '../intake/intake-worker';
import type { LedgerPort } from '../ledger/ledger-port';
import { ContractLedger } from './contract-ledger';


export type StaffRole = 'operator' | 'finance' | 'registrar' | 'auditor';

export interface StubGateway<L extends LedgerPort = ContractLedger> {
  readonly url: string;
  /** A fresh bearer token per staff role, valid for this gateway only. */
  readonly tokens: Readonly<Record<StaffRole, string>>;
  readonly ledger: L;
  readonly store: IntakeStore;
  readonly worker: IntakeWorker;
  /** Stops the worker (if running) and the HTTP server; the pool and schema stay the caller's. */
  close(): Promise<void>;
}

/** What a test gateway is started with; without `ledger`, the real contract on the in-memory stub. */
export interface TestGatewayOptions {
  readonly pool: Pool;
  readonly schema: string;
  readonly now: number;
  readonly runWorker?: boolean;
  /** Worker loops; 1 for the stub (it holds one transaction at a time). */
  readonly workers?: number;
  readonly cli?: { readonly ordererAddress: string; readonly peerAddress: string };
}

/**
 * FOR TESTS AND BENCHMARKS: the real gateway (HTTP app, PostgreSQL intake, intake worker) on
 * 127.0.0.1, over the ledger given (a Fabric network), or else the real contract on the in-memory
 * stub. With `runWorker` the worker settles batches as they arrive; otherwise call `worker.drain()`.
 */
export async function startStubGateway(options: TestGatewayOptions): Promise<StubGateway>;
export async function startStubGateway<L extends LedgerPort>(options: TestGatewayOptions & { readonly ledger: L }): Promise<StubGateway<L>>;
export async function startStubGateway(options: TestGatewayOptions & { readonly ledger?: LedgerPort }): Promise<StubGateway<LedgerPort>> {
  const roles: StaffRole[] = ['operator', 'finance', 'registrar', 'auditor'];
  const tokens = Object.fromEntries(roles.map((role) => [role, randomBytes(24).toString('hex')])) as Record<StaffRole, string>;
  const credentials = roles.map((role) => ({ tokenSha256: createHash('sha256').update(tokens[role]).digest('hex'), role, subject: role }));
  const store = new IntakeStore(options.pool, options.schema);
  await store.migrate();
  let ledger = options.ledger;
  if (ledger === undefined) {
    const stub = new ContractLedger();
    stub.clock = options.now;
    ledger = stub;
  }
  const { app, worker } = assembleGateway({
    store, ledger, log: pino({ level: 'silent' }), worker: { concurrency: options.workers ?? 1, idlePollMs: 20, maxBackoffMs: 100 }, credentials,
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
    close: async () => {
      await worker.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
