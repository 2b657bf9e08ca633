/**
 * How the gateway signs students in through the campus's OpenID Connect provider (docs/wallet.md,
 * "Signing in"): the environment it is configured by, checked with every problem listed, and the
 * secret files it reads (the client secret and the cookie key), refused unless only their owner reads them.
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';

/** What the relying party is configured with, parsed once at start. */
export interface OidcConfig {
  /** The provider's issuer identifier: its metadata is discovered from `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly clientId: string;
  /** With a secret, a confidential client (client_secret_basic); without, a public client (PKCE alone). */
  readonly clientSecret?: string;
  /** This gateway's callback as the provider knows it: `https://<gateway>/v1/oidc/callback`. */
  readonly redirectUri: string;
  /** The claim that holds the student's account id: `sub`, or one the provider releases (ID token or UserInfo). */
  readonly accountClaim: string;
  /** Scopes asked for, space-separated; always with `openid`. */
  readonly scopes: string;
  /** Secret bytes the sign-in cookies are sealed with (AES-256-GCM under a key derived by HKDF). */
  readonly cookieKey: Buffer;
  /** How the wallet names the provider: "Sign in with <name>". */
  readonly name: string;
}

/** Hosts where the provider and the callback may speak plain HTTP (tests, a provider beside the gateway). */
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
/** The path the gateway serves the callback on (http/oidc-routes.ts). */
export const CALLBACK_PATH = '/v1/oidc/callback';
/** A cookie key shorter than this is refused: 256 bits, the AES key's own strength. */
const MIN_COOKIE_KEY_BYTES = 32;

const url = z.string().refine((v) => URL.canParse(v), 'an absolute URL');
const CLAIM = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
/** A scope token (RFC 6749 §3.3): printable ASCII but space, double quote and backslash. */
const SCOPES = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

/**
 * The variables, to spread into config.ts's environment schema. OIDC is on when DOL_OIDC_ISSUER is
 * set; oidcEnvIssues says what else it then needs.
 */
export const OIDC_ENV = {
  DOL_OIDC_ISSUER: url.optional(),
  DOL_OIDC_CLIENT_ID: z.string().min(1).max(256).optional(),
  DOL_OIDC_CLIENT_SECRET_FILE: z.string().min(1).optional(),
  DOL_OIDC_REDIRECT_URI: url.optional(),
  DOL_OIDC_ACCOUNT_CLAIM: z.string().regex(CLAIM, 'a claim name such as sub or student_account').default('sub'),
  DOL_OIDC_SCOPES: z.string().regex(SCOPES, 'scope tokens separated by single spaces')
    .refine((s) => s.split(' ').includes('openid'), 'must include openid').default('openid'),
  DOL_OIDC_COOKIE_KEY_FILE: z.string().min(1).optional(),
  DOL_OIDC_NAME: z.string().min(1).max(64).default('campus'),
} as const;

/** The parsed variables. */
export type OidcEnv = z.infer<z.ZodObject<typeof OIDC_ENV>>;

/** Plain HTTP only on loopback: elsewhere the code, the tokens and the cookies would cross the network in clear. */
export function httpsUnlessLoopback(value: string): boolean {
  const u = new URL(value);
  return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname));
}

/** One problem with a variable. */
export interface OidcEnvIssue {
  readonly path: keyof OidcEnv;
  readonly message: string;
}

const REQUIRED = ['DOL_OIDC_CLIENT_ID', 'DOL_OIDC_REDIRECT_URI', 'DOL_OIDC_COOKIE_KEY_FILE'] as const;
const PLAIN_HTTP_ONLY = 'http only on 127.0.0.1, [::1] or localhost';

/** Every problem with the OIDC variables (none when OIDC is off), for config.ts's superRefine. */
export function oidcEnvIssues(e: OidcEnv): OidcEnvIssue[] {
  const issues: OidcEnvIssue[] = [];
  const issuer = e.DOL_OIDC_ISSUER;
  if (issuer === undefined) {
    for (const name of [...REQUIRED, 'DOL_OIDC_CLIENT_SECRET_FILE'] as const) {
      if (e[name] !== undefined) issues.push({ path: name, message: 'set DOL_OIDC_ISSUER too, or nothing of OIDC' });
    }
    return issues;
  }
  for (const name of REQUIRED) {
    if (e[name] === undefined) issues.push({ path: name, message: 'required with DOL_OIDC_ISSUER' });
  }
  if (!httpsUnlessLoopback(issuer)) {
    issues.push({ path: 'DOL_OIDC_ISSUER', message: `the provider must be https (${PLAIN_HTTP_ONLY})` });
  }
  const redirect = e.DOL_OIDC_REDIRECT_URI;
  if (redirect === undefined) return issues;
  if (!httpsUnlessLoopback(redirect)) {
    const message = `the callback must be https, the gateway's public address (${PLAIN_HTTP_ONLY})`;
    issues.push({ path: 'DOL_OIDC_REDIRECT_URI', message });
  }
  const u = new URL(redirect);
  if (u.pathname !== CALLBACK_PATH || u.search !== '' || u.hash !== '') {
    issues.push({ path: 'DOL_OIDC_REDIRECT_URI', message: `must end in ${CALLBACK_PATH}, without query or fragment` });
  }
  return issues;
}

/** A secret file, refused unless only its owner may read it (mode 0600 or 0400). */
function secretFile(path: string, what: string): Buffer {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`${what} ${path} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
  }
  return readFileSync(path);
}

/** The relying party's configuration from checked variables (oidcEnvIssues found none); undefined when OIDC is off. */
export function loadOidcConfig(e: OidcEnv): OidcConfig | undefined {
  const { DOL_OIDC_ISSUER: issuer, DOL_OIDC_CLIENT_ID: clientId, DOL_OIDC_REDIRECT_URI: redirectUri } = e;
  const keyFile = e.DOL_OIDC_COOKIE_KEY_FILE;
  const secretPath = e.DOL_OIDC_CLIENT_SECRET_FILE;
  if (issuer === undefined) return undefined;
  if (clientId === undefined || redirectUri === undefined || keyFile === undefined) {
    throw new Error('OIDC is half configured: see oidcEnvIssues');
  }
  const cookieKey = secretFile(keyFile, 'DOL_OIDC_COOKIE_KEY_FILE');
  if (cookieKey.length < MIN_COOKIE_KEY_BYTES) {
    throw new Error(`DOL_OIDC_COOKIE_KEY_FILE ${keyFile} holds ${String(cookieKey.length)} bytes; `
      + `it needs ${String(MIN_COOKIE_KEY_BYTES)} or more random bytes (openssl rand -base64 48)`);
  }
  const secret = secretPath === undefined ? undefined : secretFile(secretPath, 'DOL_OIDC_CLIENT_SECRET_FILE').toString().trim();
  if (secret === '') throw new Error(`DOL_OIDC_CLIENT_SECRET_FILE ${String(secretPath)} is empty`);
  return {
    issuer, clientId, redirectUri, cookieKey, accountClaim: e.DOL_OIDC_ACCOUNT_CLAIM, scopes: e.DOL_OIDC_SCOPES,
    name: e.DOL_OIDC_NAME, ...(secret === undefined ? {} : { clientSecret: secret }),
  };
}

/** Whether the provider is reached over plain HTTP (allowed on loopback only: httpsUnlessLoopback). */
export const plainHttp = (config: OidcConfig): boolean => new URL(config.issuer).protocol === 'http:';
/** Whether the browser reaches the gateway over TLS: its cookies are then Secure. */
export const overTls = (config: OidcConfig): boolean => new URL(config.redirectUri).protocol === 'https:';
