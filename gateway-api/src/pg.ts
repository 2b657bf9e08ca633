import type { Pool, PoolClient } from 'pg';

/** What a schema name may be (it is spliced into SQL, so it is checked, never escaped). */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A schema name checked and quoted for SQL. */
export function ident(name: string): string {
  if (!SCHEMA_NAME.test(name)) throw new Error(`bad schema name ${name}`);
  return `"${name}"`;
}

/** Runs `work` in one transaction on a pooled client: committed when it returns, rolled back when it throws. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await work(client);
    await client.query('COMMIT');
    return out;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
