import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import type { Pool } from 'pg';
import pino from 'pino';
import { EmbeddedLedger, IntakeStore, MemoryBlockStore, assembleGateway, type IntakeWorker, type OidcConfig } from '@dol/gateway-api';

/** A gateway whose students may sign in through an OpenID Connect provider. */
export interface OidcTestGateway {
  readonly url: string;
  /** Bearer tokens of finance and the operator, for this gateway only. */
  readonly tokens: Readonly<Record<'finance' | 'operator', string>>;
  readonly store: IntakeStore;
  close(): Promise<void>;
}

/**
 * FOR TESTS: the real gateway (assembleGateway over PostgreSQL intake and the embedded ledger in
 * memory) on 127.0.0.1, its students signing in through an OpenID Connect provider. The gateway
 * listens before `oidc` is called with its URL: the provider must know the callback's address first.
 */
export async function startOidcGateway(options: { pool: Pool; schema: string; now: number; oidc: (url: string) => Promise<OidcConfig> }): Promise<OidcTestGateway> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  const tokens = { finance: randomBytes(24).toString('hex'), operator: randomBytes(24).toString('hex') };
  const credentials = (['finance', 'operator'] as const).map((role) => ({ tokenSha256: createHash('sha256').update(tokens[role]).digest('hex'), role, subject: role }));
  const store = new IntakeStore(options.pool, options.schema);
  await store.migrate();
  const ledger = await EmbeddedLedger.open({ store: new MemoryBlockStore(), clock: () => options.now });
  const log = pino({ level: 'silent' });
  const { app, worker }: { app: express.Express; worker: IntakeWorker } = assembleGateway({
    oidc: await options.oidc(url), store, ledger, log, credentials, worker: { concurrency: 1, idlePollMs: 250, maxBackoffMs: 100 }, channel: 'campus', chaincode: 'settlement', cli: { ordererAddress: '-', peerAddress: '-' },
  });
  server.on('request', app);
  return {
    url, tokens, store,
    close: async () => {
      await worker.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
