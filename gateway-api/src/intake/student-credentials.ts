import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Credential } from '../credential';
import { ApiError } from '../errors';
import { ident, inTransaction } from '../pg';

/** How long an activation code works: a week from finance's desk to the student's phone. */
export const ACTIVATION_DAYS = 7;
/** How long a student's sign-in lasts before the wallet signs in again. */
export const STUDENT_SESSION_DAYS = 30;
/** Activation codes: 12 characters of an alphabet without look-alikes (no 0/O, 1/I/L), about 60 bits. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 12;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A new activation code, as finance hands it over (shown once; only its hash is kept). */
export interface ActivationCode {
  readonly account: string;
  readonly code: string;
  readonly expiresAt: string;
}

/** A student's sign-in: the bearer token is in this answer only. */
export interface StudentSession {
  readonly account: string;
  readonly token: string;
  readonly expiresAt: string;
}

/**
 * Students' credentials in the organisation's intake database (docs/wallet.md, "Signing in"):
 * one-time activation codes that finance issues where the campus has no OpenID Connect provider,
 * and the bearer tokens they are exchanged for. A student's credential names one account, and
 * every student route reads only that account.
 */
export class StudentCredentials {
  private readonly codes: string;
  private readonly sessions: string;

  constructor(private readonly pool: Pool, schema: string) {
    this.codes = `${ident(schema)}.student_activation_codes`;
    this.sessions = `${ident(schema)}.student_sessions`;
  }

  async migrate(c: PoolClient): Promise<void> {
    await c.query(`
      CREATE TABLE IF NOT EXISTS ${this.codes} (
        code_sha256 text PRIMARY KEY,
        account text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        created_by text NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await c.query(`
      CREATE TABLE IF NOT EXISTS ${this.sessions} (
        token_sha256 text PRIMARY KEY,
        account text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
  }

  /** A new one-time activation code for an account; earlier unused codes of the account stop working. */
  async issueCode(account: string, createdBy: string): Promise<ActivationCode> {
    const code = Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)] ?? 'A').join('');
    return inTransaction(this.pool, async (c) => {
      await c.query(`UPDATE ${this.codes} SET used_at = clock_timestamp() WHERE account = $1 AND used_at IS NULL`, [account]);
      const { rows } = await c.query<{ expires_at: Date }>(
        `INSERT INTO ${this.codes} (code_sha256, account, created_by, expires_at) VALUES ($1, $2, $3, clock_timestamp() + make_interval(days => $4)) RETURNING expires_at`,
        [sha256(code), account, createdBy, ACTIVATION_DAYS]);
      return { account, code, expiresAt: (rows[0]?.expires_at ?? new Date()).toISOString() };
    });
  }

  /** Exchanges a live code of this account for a session; the code is spent. INVALID_ACTIVATION otherwise. */
  async activate(account: string, code: string): Promise<StudentSession> {
    const normalised = code.toUpperCase().replace(/[\s-]/g, '');
    return inTransaction(this.pool, async (c) => {
      const { rowCount } = await c.query(
        `UPDATE ${this.codes} SET used_at = clock_timestamp() WHERE code_sha256 = $1 AND account = $2 AND used_at IS NULL AND expires_at > clock_timestamp()`,
        [sha256(normalised), account]);
      if (rowCount !== 1) throw new ApiError(401, 'INVALID_ACTIVATION', 'this activation code is unknown, already used, expired or of another account');
      const token = randomBytes(32).toString('base64url');
      const { rows } = await c.query<{ expires_at: Date }>(
        `INSERT INTO ${this.sessions} (token_sha256, account, expires_at) VALUES ($1, $2, clock_timestamp() + make_interval(days => $3)) RETURNING expires_at`,
        [sha256(token), account, STUDENT_SESSION_DAYS]);
      return { account, token, expiresAt: (rows[0]?.expires_at ?? new Date()).toISOString() };
    });
  }

  /** A session for an account whose student signed in elsewhere (an OpenID Connect provider vouched for them). */
  async openSession(account: string): Promise<StudentSession> {
    const token = randomBytes(32).toString('base64url');
    const { rows } = await this.pool.query<{ expires_at: Date }>(
      `INSERT INTO ${this.sessions} (token_sha256, account, expires_at) VALUES ($1, $2, clock_timestamp() + make_interval(days => $3)) RETURNING expires_at`,
      [sha256(token), account, STUDENT_SESSION_DAYS]);
    return { account, token, expiresAt: (rows[0]?.expires_at ?? new Date()).toISOString() };
  }

  /** Ends a session (sign out). */
  async revoke(tokenSha256: string): Promise<void> {
    await this.pool.query(`UPDATE ${this.sessions} SET revoked_at = coalesce(revoked_at, clock_timestamp()) WHERE token_sha256 = $1`, [tokenSha256]);
  }

  /** The live student credential with this token hash. */
  async find(tokenSha256: string): Promise<Credential | undefined> {
    const { rows } = await this.pool.query<{ account: string }>(
      `SELECT account FROM ${this.sessions} WHERE token_sha256 = $1 AND revoked_at IS NULL AND expires_at > clock_timestamp()`, [tokenSha256]);
    const row = rows[0];
    return row === undefined ? undefined : { tokenSha256, role: 'student', subject: row.account };
  }
}
