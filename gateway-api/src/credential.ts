/** Who an API credential belongs to. Terminals read only their own data; a student only their own account. */
export type CallerRole = 'admin' | 'operator' | 'finance' | 'registrar' | 'auditor' | 'terminal' | 'student';

/** One API credential: only the SHA-256 of the token is configured, never the token. */
export interface Credential {
  readonly tokenSha256: string;
  readonly role: CallerRole;
  /** Operator name, the terminalId for a terminal credential, the account for a student's. */
  readonly subject: string;
}
