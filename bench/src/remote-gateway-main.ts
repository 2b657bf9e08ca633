/**
 * FOR PROCESS-LEVEL TESTS WITHOUT A NETWORK: the real gateway process (runGateway: PostgreSQL
 * intake, worker, HTTP, signals) over a LedgerHost at DOL_LEDGER_URL instead of Fabric.
 * Environment: DOL_LEDGER_URL, DOL_CREDENTIALS_FILE, DOL_DB_SCHEMA, DOL_DATABASE_URL, DOL_PORT (0: any).
 */
import { readFileSync } from 'node:fs';
import { runGateway, type Credential } from '@dol/gateway-api';
import { RemoteLedger } from './ledger-host';

const env = (name: string, fallback?: string): string => {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === '') throw new Error(`${name} is required`);
  return v;
};

runGateway({
  host: '127.0.0.1',
  port: Number(env('DOL_PORT', '0')),
  databaseUrl: env('DOL_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/postgres'),
  dbSchema: env('DOL_DB_SCHEMA'),
  issuerKeys: [],
  credentials: JSON.parse(readFileSync(env('DOL_CREDENTIALS_FILE'), 'utf8')) as Credential[],
  worker: { concurrency: 2, idlePollMs: 20, maxBackoffMs: 200 },
  groups: { maxBatches: 32, maxRecords: 4000 },
  logLevel: env('DOL_LOG_LEVEL', 'warn'),
  campusTimeZone: 'Asia/Shanghai',
  cli: { ordererAddress: '-', peerAddress: '-' },
  channel: 'campus',
  chaincode: 'settlement',
  http: { authFailuresPerMinute: 30, maxConnections: 2000, headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000 },
}, new RemoteLedger(env('DOL_LEDGER_URL'))).catch((error: unknown) => {
  process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
