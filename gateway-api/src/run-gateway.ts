/**
 * The gateway process around any ledger: PostgreSQL intake, worker, HTTP, graceful stop. main.ts
 * runs it over Fabric or the embedded ledger; the crash tests run it over a ledger that survives the process.
 */
import { Pool } from 'pg';
import pino from 'pino';
import type { Config } from './config';
import { assembleGateway } from './assemble';
import { IntakeStore } from './intake/intake-store';
import type { LedgerPort } from './ledger/ledger-port';

/** What the process runs with, whichever ledger it was handed. */
export type ServiceConfig = Omit<Config, 'ledger'>;

/**
 * Starts the gateway and prints its URL on stdout. SIGTERM/SIGINT stop it gracefully: no new
 * requests, in-flight submissions finish, the rest stays pending in PostgreSQL.
 */
export async function runGateway(config: ServiceConfig, ledger: LedgerPort & { close(): void }): Promise<void> {
  const log = pino({ level: config.logLevel, redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.privateKey', '*.jws'], censor: '[redacted]' } });
  const pool = new Pool({ connectionString: config.databaseUrl, max: config.worker.concurrency + 8 });
  const store = new IntakeStore(pool, config.dbSchema, config.groups);
  await store.migrate();
  const { app, worker } = assembleGateway({ ...config, store, ledger, log });
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
