/** Who an API credential belongs to. Terminals read only their own data. */
export type CallerRole = 'admin' | 'operator' | 'finance' | 'registrar' | 'auditor' | 'terminal';

/** One API credential: only the SHA-256 of the token is configured, never the token. */
export interface Credential {
  readonly tokenSha256: string;
  readonly role: CallerRole;
  /** Operator name, or the terminalId for a terminal credential. */
  readonly subject: string;
}
