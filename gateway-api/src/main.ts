/**
 * The gateway process: config from the environment (docs/gateway.md), the ledger it names (a
 * Fabric network, or the embedded ledger in PostgreSQL), then runGateway.
 */
import { Pool } from 'pg';
import { loadConfig } from './config';
import { explainDatabaseFailure } from './database-problem';
import { EMBEDDED_NOTICE, type LedgerPort } from './ledger/ledger-port';
import { EmbeddedLedger } from './ledger/embedded/embedded-ledger';
import { PostgresBlockStore } from './ledger/embedded/postgres-block-store';
import { FabricLedger } from './ledger/fabric-ledger';
import { runGateway } from './run-gateway';

const USAGE = `usage: npm run gateway   (npm start runs it for you)
  One gateway API process, configured from the environment (docs/gateway.md "Configuration"):
  DOL_CREDENTIALS_FILE (required), DOL_LEDGER fabric|embedded, DOL_HOST, DOL_PORT, DOL_DATABASE_URL,
  DOL_DB_SCHEMA, DOL_LEDGER_SCHEMA, DOL_PEER_ENDPOINT, DOL_PEER_HOST_ALIAS, DOL_PEER_TLS_CA,
  DOL_IDENTITIES_FILE, DOL_ORDERER_ADDRESS, DOL_WORKERS, DOL_GROUP_BATCHES, DOL_GROUP_RECORDS,
  DOL_FOLDS_IN_FLIGHT, DOL_FOLD_SWEEP_MS,
  DOL_CAMPUS_TZ, DOL_LOG_LEVEL and the timeouts DOL_EVALUATE_MS, DOL_ENDORSE_MS, DOL_SUBMIT_MS, DOL_COMMIT_MS.
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  try {
    let ledger: LedgerPort;
    if (config.ledger.kind === 'fabric') ledger = new FabricLedger(config.ledger.fabric);
    else {
      const pool = new Pool({ connectionString: config.databaseUrl, max: 4 });
      const store = new PostgresBlockStore(pool, config.ledger.schema);
      const embedded = await EmbeddedLedger.open({ store });
      process.stdout.write(`${EMBEDDED_NOTICE.toUpperCase()}: the settlement contract runs in this process over ${store.description} (${String(embedded.height)} blocks); npm run ledger:verify checks it\n`);
      ledger = embedded;
    }
    await runGateway(config, ledger);
  } catch (error) {
    // An unreachable database is named, with what to do, rather than left as a bare `connect ECONNREFUSED`.
    throw explainDatabaseFailure(config.databaseUrl, error);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
