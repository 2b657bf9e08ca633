import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { ApiError } from '../errors';
import { ident, inTransaction } from '../pg';

/** How long a student's sign-in lasts before the wallet signs in again. */
export const STUDENT_SESSION_DAYS = 30;
/** Activation codes: 12 characters of an alphabet without look-alikes (no 0/O, 1/I/L), about 60 bits. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 12;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A code as the student types it: upper case, without spaces or dashes. */
const normalise = (code: string): string => code.toUpperCase().replace(/[\s-]/g, '');

/** What the ledger keeps of a code: SHA-256 of account and code, so one hash table cannot serve every account. */
export const activationHash = (account: string, code: string): string => sha256(`${account}:${normalise(code)}`);

/** A new random activation code. */
export const newActivationCode = (): string => Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)] ?? 'A').join('');

/** The live activation of an account as the ledger answers it (issuance:GetActivation). */
export interface LedgerActivation {
  readonly codeHash: string;
  readonly expiresAt: number;
}

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
 * the one-time activation codes finance issued (their hashes are on the ledger) once redeemed, and
 * the bearer tokens they are exchanged for. A student's credential names one account, and
 * every student route reads only that account.
 */
export class StudentCredentials {
  private readonly codes: string;
  private readonly sessions: string;

  constructor(private readonly pool: Pool, schema: string) {
    this.codes = `${ident(schema)}.student_redeemed_codes`;
    this.sessions = `${ident(schema)}.student_sessions`;
  }

  async migrate(c: PoolClient): Promise<void> {
    await c.query(`
      CREATE TABLE IF NOT EXISTS ${this.codes} (
        code_sha256 text PRIMARY KEY,
        account text NOT NULL,
        redeemed_at timestamptz NOT NULL DEFAULT clock_timestamp()
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

  /**
   * Exchanges a code finance issued (its hash and expiry read from the ledger) for a session, once:
   * every gateway process of the organisation shares the table of redeemed codes. INVALID_ACTIVATION
   * for a wrong, expired or spent code, with nothing said about which.
   */
  async redeem(account: string, code: string, live: LedgerActivation | undefined): Promise<StudentSession> {
    const hash = activationHash(account, code);
    const matches = live !== undefined && live.codeHash.length === hash.length && timingSafeEqual(Buffer.from(live.codeHash), Buffer.from(hash));
    if (!matches || live.expiresAt <= Date.now()) throw new ApiError('INVALID_ACTIVATION', 'this activation code is unknown, already used, expired or of another account');
    return inTransaction(this.pool, async (c) => {
      const { rowCount } = await c.query(`INSERT INTO ${this.codes} (code_sha256, account) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [hash, account]);
      if (rowCount !== 1) throw new ApiError('INVALID_ACTIVATION', 'this activation code is unknown, already used, expired or of another account');
      return this.insertSession(c, account);
    });
  }

  private async insertSession(c: Pick<PoolClient, 'query'>, account: string): Promise<StudentSession> {
    const token = randomBytes(32).toString('base64url');
    const { rows } = await c.query<{ expires_at: Date }>(
      `INSERT INTO ${this.sessions} (token_sha256, account, expires_at) VALUES ($1, $2, clock_timestamp() + make_interval(days => $3)) RETURNING expires_at`,
      [sha256(token), account, STUDENT_SESSION_DAYS]);
    return { account, token, expiresAt: (rows[0]?.expires_at ?? new Date()).toISOString() };
  }

  /** A session for an account whose student signed in elsewhere (an OpenID Connect provider vouched for them). */
  async openSession(account: string): Promise<StudentSession> {
    return this.insertSession(this.pool, account);
  }

  /** Ends a session (sign out). */
  async revoke(tokenSha256: string): Promise<void> {
    await this.pool.query(`UPDATE ${this.sessions} SET revoked_at = coalesce(revoked_at, clock_timestamp()) WHERE token_sha256 = $1`, [tokenSha256]);
  }

  /** Selects the live student session whose token hash is $1, as (role, subject). */
  get liveByTokenSql(): string {
    return `SELECT 'student'::text, account FROM ${this.sessions} WHERE token_sha256 = $1 AND revoked_at IS NULL AND expires_at > clock_timestamp()`;
  }

}
