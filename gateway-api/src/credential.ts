/** Who an API credential belongs to. Terminals read only their own data; a student only their own account. */
export const CALLER_ROLES = ['admin', 'operator', 'finance', 'registrar', 'auditor', 'terminal', 'student'] as const;
export type CallerRole = (typeof CALLER_ROLES)[number];

/** One API credential: only the SHA-256 of the token is configured, never the token. */
export interface Credential {
  readonly tokenSha256: string;
  readonly role: CallerRole;
  /** Operator name, the terminalId for a terminal credential, the account for a student's. */
  readonly subject: string;
}
