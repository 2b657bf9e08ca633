/**
 * The gateway process around any ledger: PostgreSQL intake, worker, HTTP, graceful stop. main.ts
 * runs it over Fabric; the crash tests run it over a ledger that survives the process.
 */
import { Pool } from 'pg';
import pino from 'pino';
import type { Config } from './config';
import { createApp } from './http/app';
import { IntakeStore } from './intake/intake-store';
import { IntakeWorker } from './intake/intake-worker';
import type { LedgerPort } from './ledger/ledger-port';
import { createMetrics } from './metrics';

export type ServiceConfig = Omit<Config, 'fabric'> & { readonly channel: string; readonly chaincode: string };

/**
 * Starts the gateway and prints its URL on stdout. SIGTERM/SIGINT stop it gracefully: no new
 * requests, in-flight submissions finish, the rest stays pending in PostgreSQL.
 */
export async function runGateway(config: ServiceConfig, ledger: LedgerPort & { close(): void }): Promise<void> {
  const log = pino({ level: config.logLevel, redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.privateKey', '*.jws'], censor: '[redacted]' } });
  const pool = new Pool({ connectionString: config.databaseUrl, max: config.worker.concurrency + 8 });
  const store = new IntakeStore(pool, config.dbSchema);
  await store.migrate();
  const metrics = createMetrics(() => store.depth());
  const worker = new IntakeWorker(store, ledger, log, metrics, config.worker);
  const app = createApp({
    ledger, store, onAccepted: () => {
      worker.nudge();
    }, channel: config.channel, chaincode: config.chaincode, cli: config.cli, credentials: config.credentials, log, metrics,
  }, () => ledger.ping());
  worker.start();
  const server = app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = address !== null && typeof address === 'object' ? address.port : config.port;
    log.info({ url: `http://${config.host}:${port}` }, 'gateway listening');
    process.stdout.write(`gateway API on http://${config.host}:${port}  (OpenAPI: /openapi.json, health: /healthz, /readyz)\n`);
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing in-flight work');
    server.close();
    void worker.stop().then(async () => {
      ledger.close();
      await pool.end();
      log.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.on('SIGINT', () => {
    stop('SIGINT');
  });
}
