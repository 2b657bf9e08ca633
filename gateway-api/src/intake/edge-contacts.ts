import type { Pool, PoolClient } from 'pg';
import { ident } from '../pg';

/** An edge's last contact as the gateway saw it. */
export interface EdgeContact {
  readonly edgeId: string;
  /** When the edge last synced with this organisation's gateways (ISO 8601). */
  readonly lastContact: string;
  /** What it asked for then (the route's id). */
  readonly lastRoute: string;
}

/**
 * When each site edge last reached the centre (docs/edge.md, "Retiring an edge"): the gateway
 * notes it in its own database as the edge syncs (one upsert per sync, every `--sync-interval-s`),
 * so the operator sees a silent edge without the ledger paying a write for it.
 */
export class EdgeContacts {
  private readonly t: string;

  constructor(private readonly pool: Pool, schema: string) {
    this.t = `${ident(schema)}.edge_contacts`;
  }

  /** Creates the table if missing (inside the store's migration). */
  async migrate(c: PoolClient): Promise<void> {
    await c.query(`
      CREATE TABLE IF NOT EXISTS ${this.t} (
        edge_id text PRIMARY KEY,
        last_contact timestamptz NOT NULL,
        last_route text NOT NULL
      )`);
  }

  /** Notes that an edge reached the centre now. */
  async touch(edgeId: string, route: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.t} (edge_id, last_contact, last_route) VALUES ($1, clock_timestamp(), $2)
       ON CONFLICT (edge_id) DO UPDATE SET last_contact = EXCLUDED.last_contact, last_route = EXCLUDED.last_route`,
      [edgeId, route]);
  }

  /** Every edge's last contact, by edge id. */
  async all(): Promise<Map<string, EdgeContact>> {
    const { rows } = await this.pool.query<{ edge_id: string; last_contact: Date; last_route: string }>(`SELECT edge_id, last_contact, last_route FROM ${this.t}`);
    return new Map(rows.map((r) => [r.edge_id, { edgeId: r.edge_id, lastContact: r.last_contact.toISOString(), lastRoute: r.last_route }]));
  }
}
