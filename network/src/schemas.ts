/** The PostgreSQL schemas a system keeps (gateway intakes, the embedded ledger): which exist, and dropping them. */
import { Pool } from 'pg';

/** Those of `schemas` that exist, in name order. */
export async function existingSchemas(databaseUrl: string, schemas: readonly string[]): Promise<string[]> {
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const r = await pool.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY nspname', [schemas]);
    return r.rows.map((row) => row.nspname);
  } finally {
    await pool.end();
  }
}

/** Drops those of `schemas` that exist; the ones it dropped. */
export async function dropSchemas(databaseUrl: string, schemas: readonly string[]): Promise<string[]> {
  const existing = await existingSchemas(databaseUrl, schemas);
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    for (const s of existing) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    return existing;
  } finally {
    await pool.end();
  }
}
