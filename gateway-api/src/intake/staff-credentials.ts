import { createHash, randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { CallerRole } from '../credential';
import { ident } from '../pg';

/** The staff roles an administrator issues credentials for. */
export type StaffRole = Exclude<CallerRole, 'terminal'>;

/** A staff credential as listed: never its token. */
export interface StaffCredentialView {
  readonly credentialId: string;
  readonly role: StaffRole;
  readonly subject: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
}

interface Row { credential_id: string; role: StaffRole; subject: string; created_at: Date; created_by: string; expires_at: Date; revoked_at: Date | null }
const view = (r: Row): StaffCredentialView => ({
  credentialId: r.credential_id, role: r.role, subject: r.subject, createdAt: r.created_at.toISOString(), createdBy: r.created_by,
  expiresAt: r.expires_at.toISOString(), revokedAt: r.revoked_at?.toISOString() ?? null,
});

/**
 * Staff credentials managed like terminal ones (docs/gateway.md, "Staff credentials"), in the
 * organisation's intake database: issued by an administrator through the API (a random token,
 * shown once; only its SHA-256 is kept), listed, revoked with effect from the next request, and
 * expiring. The credentials file holds only the first administrator.
 */
export class StaffCredentials {
  private readonly t: string;

  constructor(private readonly pool: Pool, schema: string) {
    this.t = `${ident(schema)}.staff_credentials`;
  }

  async migrate(c: PoolClient): Promise<void> {
    await c.query(`
      CREATE TABLE IF NOT EXISTS ${this.t} (
        credential_id text PRIMARY KEY,
        token_sha256 text NOT NULL UNIQUE,
        role text NOT NULL CHECK (role IN ('admin', 'operator', 'finance', 'registrar', 'auditor')),
        subject text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        created_by text NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
  }

  /** Issues a credential for one person; the token is in this answer only. */
  async issue(role: StaffRole, subject: string, days: number, createdBy: string): Promise<StaffCredentialView & { token: string }> {
    const token = randomBytes(32).toString('base64url');
    const credentialId = `sc-${randomBytes(8).toString('hex')}`;
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO ${this.t} (credential_id, token_sha256, role, subject, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, clock_timestamp() + make_interval(days => $6)) RETURNING *`,
      [credentialId, createHash('sha256').update(token).digest('hex'), role, subject, createdBy, days]);
    const row = rows[0];
    if (row === undefined) throw new Error('staff credential vanished after insert');
    return { ...view(row), token };
  }

  async list(): Promise<StaffCredentialView[]> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM ${this.t} ORDER BY created_at, credential_id`);
    return rows.map(view);
  }

  /** Revokes at once; undefined when there is no such credential. */
  async revoke(credentialId: string): Promise<StaffCredentialView | undefined> {
    const { rows } = await this.pool.query<Row>(`UPDATE ${this.t} SET revoked_at = coalesce(revoked_at, clock_timestamp()) WHERE credential_id = $1 RETURNING *`, [credentialId]);
    const row = rows[0];
    return row === undefined ? undefined : view(row);
  }

  /** Selects the live (not revoked, not expired) staff credential whose token hash is $1, as (role, subject). */
  get liveByTokenSql(): string {
    return `SELECT role::text, subject FROM ${this.t} WHERE token_sha256 = $1 AND revoked_at IS NULL AND expires_at > clock_timestamp()`;
  }

}
