import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import pino from 'pino';
import { assembleGateway } from '../assemble';
import { IntakeStore } from '../intake/intake-store';
import type { IntakeWorker } from '../intake/intake-worker';
import { ContractLedger } from './contract-ledger';

export type StaffRole = 'operator' | 'finance' | 'registrar' | 'auditor';

export interface StubGateway {
  readonly url: string;
  /** A fresh bearer token per staff role, valid for this gateway only. */
  readonly tokens: Readonly<Record<StaffRole, string>>;
  readonly ledger: ContractLedger;
  readonly store: IntakeStore;
  readonly worker: IntakeWorker;
  /** Stops the worker (if running) and the HTTP server; the pool and schema stay the caller's. */
  close(): Promise<void>;
}

/**
 * FOR TESTS AND BENCHMARKS WITHOUT A NETWORK: the real gateway (HTTP app, PostgreSQL intake,
 * intake worker) on 127.0.0.1, with the real contract on the in-memory stub in place of Fabric.
 * With `runWorker` the worker settles batches as they arrive; otherwise call `worker.drain()`.
 */
export async function startStubGateway(options: { pool: Pool; schema: string; now: number; runWorker?: boolean }): Promise<StubGateway> {
  const roles: StaffRole[] = ['operator', 'finance', 'registrar', 'auditor'];
  const tokens = Object.fromEntries(roles.map((role) => [role, randomBytes(24).toString('hex')])) as Record<StaffRole, string>;
  const credentials = roles.map((role) => ({ tokenSha256: createHash('sha256').update(tokens[role]).digest('hex'), role, subject: role }));
  const store = new IntakeStore(options.pool, options.schema);
  await store.migrate();
  const ledger = new ContractLedger();
  ledger.clock = options.now;
  // One worker loop: the stub holds one transaction at a time.
  const { app, worker } = assembleGateway({
    store, ledger, log: pino({ level: 'silent' }), worker: { concurrency: 1, idlePollMs: 20, maxBackoffMs: 100 }, credentials,
    channel: 'campus', chaincode: 'settlement', cli: { ordererAddress: '-', peerAddress: '-' },
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
