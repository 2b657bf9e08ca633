/**
 * `npm run ledger:verify`: checks the embedded ledger stored in PostgreSQL (DOL_DATABASE_URL,
 * DOL_LEDGER_SCHEMA) from genesis, trusting none of its derived tables, and exits 1 on any
 * difference. Safe while the gateway runs: it only reads (a block committed meanwhile may show as
 * a state difference; run it again or with the gateway stopped).
 */
import { Pool } from 'pg';
import { loadLedgerStoreConfig } from './config';
import { explainDatabaseFailure, shownDatabaseUrl } from './database-problem';
import { PostgresBlockStore } from './ledger/embedded/postgres-block-store';
import { verifyLedger } from './ledger/embedded/verify';

const USAGE = `usage: npm run ledger:verify
  Checks the embedded ledger in PostgreSQL from genesis (hash chain, read sets, state, books),
  trusting none of its derived tables; exits 1 on any difference, 2 when it cannot run.
  environment: DOL_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
  DOL_LEDGER_SCHEMA (default dol_ledger, the schema npm start -- --embedded uses)
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

async function main(): Promise<number> {
  const { databaseUrl, schema } = loadLedgerStoreConfig(process.env);
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  try {
    return await verify(pool, databaseUrl, schema);
  } catch (error) {
    throw explainDatabaseFailure(databaseUrl, error);
  } finally {
    await pool.end();
  }
}

/** Verifies the ledger in `schema`: the exit code (0 verified, 1 a difference, 2 no ledger there). */
async function verify(pool: Pool, databaseUrl: string, schema: string): Promise<number> {
  const exists = await pool.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [schema, 'blocks']);
  if (exists.rowCount === 0) {
    process.stderr.write(`ledger:verify: no embedded ledger in schema ${schema} of ${shownDatabaseUrl(databaseUrl)} (set DOL_LEDGER_SCHEMA)\n`);
    return 2;
  }
  process.stdout.write(`ledger:verify: embedded ledger in PostgreSQL schema ${schema}\n`);
  const report = await verifyLedger(new PostgresBlockStore(pool, schema), (line) => process.stdout.write(`${line}\n`));
  if (report.problems.length > 0) {
    process.stdout.write(`\nLEDGER VERIFICATION FAILED: ${String(report.problems.length)} problem(s)${report.problems.length >= 50 ? ' (first 50)' : ''}\n`);
    for (const p of report.problems) process.stdout.write(`  - ${p}\n`);
    return 1;
  }
  process.stdout.write(`\nOK: ${String(report.blocks)} blocks chained from genesis, ${String(report.transactions)} transactions re-validated, ${String(report.reexecuted)} run again through the contract with the same writes, ${String(report.keys)} keys equal to the replay, books balance (${String(report.books?.postings ?? 0)} postings, sum ${report.books?.sum ?? '?'})\n`);
  return 0;
}

main().then((code) => {
  process.exitCode = code;
}, (error: unknown) => {
  process.stderr.write(`ledger:verify failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
