import { existsSync, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { WorkerOptions } from './intake/intake-worker';
import type { GroupLimits } from './intake/settlement-queue';
import type { FabricConfig, FabricIdentity } from './ledger/fabric-ledger';
import type { LedgerRole } from './ledger/ledger-port';
import type { Credential } from './credential';
import { OIDC_ENV, loadOidcConfig, oidcEnvIssues, type OidcConfig } from './oidc/oidc-config';
import { SCHEMA_NAME } from './pg';

export type { CallerRole, Credential } from './credential';

/** Everything the process is configured with, parsed once at start. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly databaseUrl: string;
  readonly dbSchema: string;
  readonly credentials: readonly Credential[];
  /** The ledger: a Fabric network (DOL_LEDGER=fabric, the default) or the embedded ledger in PostgreSQL. */
  readonly ledger: { readonly kind: 'fabric'; readonly fabric: FabricConfig } | { readonly kind: 'embedded'; readonly schema: string };
  readonly channel: string;
  readonly chaincode: string;
  readonly worker: WorkerOptions;
  /** How many batches, and records, one SubmitBatches transaction settles at most (DOL_GROUP_BATCHES, DOL_GROUP_RECORDS). */
  readonly groups: GroupLimits;
  readonly logLevel: string;
  /** The campus's IANA time zone (DOL_CAMPUS_TZ): the console shows times in it. */
  readonly campusTimeZone: string;
  /** Printed in proofs: how to reach the orderer and peer with Fabric's CLI. */
  readonly cli: { readonly ordererAddress: string; readonly peerAddress: string };
  /** The HTTP door: TLS, limits, timeouts (docs/gateway.md, "TLS" and "The door"). */
  readonly http: HttpConfig;
  /** Issuer key files (DOL_ISSUER_KEYS), loaded at start; none here nor in a token: this gateway issues no certificates. */
  readonly issuerKeys: readonly { readonly keyId: string; readonly path: string }[];
  /** Issuer keys in a PKCS#11 token (DOL_ISSUER_PKCS11_*), held beside any key files (a rotation may move from a file to an HSM). */
  readonly issuerPkcs11?: IssuerPkcs11Config;
  /** The campus's OpenID Connect provider students sign in with (DOL_OIDC_*); absent: activation codes only. */
  readonly oidc?: OidcConfig;
}

/** Where the issuer keys in an HSM are: the module, the token's label, its user PIN (read from a file), the keys' labels. */
export interface IssuerPkcs11Config {
  readonly module: string;
  readonly token: string;
  readonly pin: string;
  readonly keyIds: readonly string[];
}

/** How the gateway listens. */
export interface HttpConfig {
  /** HTTPS with this certificate; with `clientCaPem`, client certificates it issued name terminals. */
  readonly tls?: { readonly certPem: string; readonly keyPem: string; readonly clientCaPem?: string; readonly terminalCertRequired: boolean };
  readonly authFailuresPerMinute: number;
  readonly maxConnections: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

const file = (path: string): string => readFileSync(path, 'utf8');
const KEY_ID = '[A-Za-z0-9._:-]{1,64}';
const PKCS11_VARS = ['DOL_ISSUER_PKCS11_MODULE', 'DOL_ISSUER_PKCS11_TOKEN', 'DOL_ISSUER_PKCS11_PIN_FILE', 'DOL_ISSUER_PKCS11_KEYS'] as const;

/** Why a secret file may not be used (missing, empty, or readable by others), or undefined when it may. */
function secretFileProblem(path: string): string | undefined {
  if (!existsSync(path)) return `${path} does not exist`;
  const stat = statSync(path);
  if ((stat.mode & 0o077) !== 0) return `${path} is readable by others (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 it`;
  return stat.size === 0 ? `${path} is empty` : undefined;
}
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const schemaName = z.string().regex(SCHEMA_NAME);
/** Where the gateway's PostgreSQL is, and where the embedded ledger lives in it: read by the gateway and by ledger:verify. */
const DATABASE_URL = z.string().default('postgres://postgres@127.0.0.1:5432/postgres');
const LEDGER_SCHEMA = schemaName.default('dol_ledger');

/** Addresses a gateway may listen on without TLS. */
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The campus time zone when DOL_CAMPUS_TZ does not say. */
export const DEFAULT_CAMPUS_TZ = 'Asia/Shanghai';

const Env = z.object({
  DOL_HOST: z.string().default('127.0.0.1'),
  DOL_PORT: int(0, 65535).default(8080),
  DOL_DATABASE_URL: DATABASE_URL,
  DOL_DB_SCHEMA: schemaName.default('dol_gateway'),
  DOL_CREDENTIALS_FILE: z.string(),
  DOL_LEDGER: z.enum(['fabric', 'embedded']).default('fabric'),
  DOL_LEDGER_SCHEMA: LEDGER_SCHEMA,
  DOL_PEER_ENDPOINT: z.string().optional(),
  DOL_PEER_HOST_ALIAS: z.string().optional(),
  DOL_PEER_TLS_CA: z.string().optional(),
  DOL_CHANNEL: z.string().default('campus'),
  DOL_CHAINCODE: z.string().default('settlement'),
  DOL_IDENTITIES_FILE: z.string().optional(),
  DOL_EVALUATE_MS: int(100, 600_000).default(5_000),
  DOL_ENDORSE_MS: int(100, 600_000).default(15_000),
  DOL_SUBMIT_MS: int(100, 600_000).default(5_000),
  DOL_COMMIT_MS: int(100, 600_000).default(60_000),
  DOL_WORKERS: int(1, 64).default(4),
  DOL_IDLE_POLL_MS: int(10, 60_000).default(250),
  DOL_MAX_BACKOFF_MS: int(100, 600_000).default(30_000),
  // Folds (FoldCharges) one process keeps in flight, and how often it sweeps the ledger for charges no process is folding.
  DOL_FOLDS_IN_FLIGHT: int(1, 16).default(2),
  DOL_FOLD_SWEEP_MS: int(1_000, 3_600_000).default(30_000),
  DOL_GROUP_BATCHES: int(1, 64).default(32),
  DOL_GROUP_RECORDS: int(1, 64_000).default(4_000),
  DOL_CAMPUS_TZ: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone such as Asia/Shanghai').default(DEFAULT_CAMPUS_TZ),
  DOL_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DOL_ORDERER_ADDRESS: z.string().default('127.0.0.1:7050'),
  DOL_TLS_CERT: z.string().optional(),
  DOL_TLS_KEY: z.string().optional(),
  DOL_TLS_CLIENT_CA: z.string().optional(),
  DOL_TLS_TERMINAL_CERT_REQUIRED: z.enum(['true', 'false']).default('false'),
  DOL_AUTH_FAILURES_PER_MINUTE: int(1, 1_000_000).default(30),
  DOL_MAX_CONNECTIONS: int(1, 1_000_000).default(10_000),
  DOL_HEADERS_TIMEOUT_MS: int(1_000, 600_000).default(10_000),
  DOL_REQUEST_TIMEOUT_MS: int(1_000, 3_600_000).default(60_000),
  DOL_KEEP_ALIVE_TIMEOUT_MS: int(100, 600_000).default(5_000),
  // Issuer keys the issuer service signs with, `keyId=path[,keyId=path]`: PKCS#8 PEM files only the gateway's user reads (docs/wallet.md).
  DOL_ISSUER_KEYS: z.string().regex(new RegExp(`^${KEY_ID}=[^,=]+(,${KEY_ID}=[^,=]+)*$`), 'keyId=path[,keyId=path]').optional(),
  // Issuer keys in a PKCS#11 token: the module (SoftHSM2's is /usr/lib/softhsm/libsofthsm2.so), the token's label, a file
  // holding the user PIN (only the gateway's user reads it: a PIN in the environment is readable through /proc), and the keys' labels.
  DOL_ISSUER_PKCS11_MODULE: z.string().min(1).optional(),
  DOL_ISSUER_PKCS11_TOKEN: z.string().min(1).max(32).optional(),
  DOL_ISSUER_PKCS11_PIN_FILE: z.string().min(1).optional(),
  DOL_ISSUER_PKCS11_KEYS: z.string().regex(new RegExp(`^${KEY_ID}(,${KEY_ID})*$`), 'keyId[,keyId] (the keys\' CKA_LABELs)').optional(),
  DOL_ISSUER_PKCS11_PIN: z.undefined({ error: 'the PIN is never taken from the environment: put it in a file only the gateway\'s user reads and name it in DOL_ISSUER_PKCS11_PIN_FILE' }).optional(),
  ...OIDC_ENV,
}).superRefine((e, ctx) => {
  issuerKeyProblems(e, ctx);
  for (const issue of oidcEnvIssues(e)) ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
  if ((e.DOL_TLS_CERT === undefined) !== (e.DOL_TLS_KEY === undefined)) ctx.addIssue({ code: 'custom', path: ['DOL_TLS_KEY'], message: 'DOL_TLS_CERT and DOL_TLS_KEY go together' });
  if (e.DOL_TLS_CLIENT_CA !== undefined && e.DOL_TLS_CERT === undefined) ctx.addIssue({ code: 'custom', path: ['DOL_TLS_CLIENT_CA'], message: 'client certificates need TLS: set DOL_TLS_CERT and DOL_TLS_KEY' });
  if (e.DOL_TLS_TERMINAL_CERT_REQUIRED === 'true' && e.DOL_TLS_CLIENT_CA === undefined) ctx.addIssue({ code: 'custom', path: ['DOL_TLS_TERMINAL_CERT_REQUIRED'], message: 'needs DOL_TLS_CLIENT_CA, the CA that issues terminal certificates' });
  if (!LOOPBACK.has(e.DOL_HOST) && e.DOL_TLS_CERT === undefined) {
    ctx.addIssue({ code: 'custom', path: ['DOL_HOST'], message: `${e.DOL_HOST} is not a loopback address, and without TLS tokens and account data would cross the network in clear: set DOL_TLS_CERT and DOL_TLS_KEY, or listen on 127.0.0.1 behind a TLS-terminating proxy (docs/gateway.md, "TLS")` });
  }
  if (e.DOL_LEDGER !== 'fabric') return;
  for (const name of ['DOL_PEER_ENDPOINT', 'DOL_PEER_HOST_ALIAS', 'DOL_PEER_TLS_CA', 'DOL_IDENTITIES_FILE'] as const) {
    if (e[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'required when DOL_LEDGER=fabric' });
  }
});

/** The issuer keys' settings: PKCS#11 settings all together, the PIN file private, no key id twice. */
function issuerKeyProblems(e: Partial<Record<(typeof PKCS11_VARS)[number] | 'DOL_ISSUER_KEYS', string>>, ctx: z.RefinementCtx): void {
  const given = PKCS11_VARS.filter((name) => e[name] !== undefined);
  if (given.length > 0) {
    for (const name of PKCS11_VARS) if (e[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: `required with ${given.join(', ')} (an issuer key in a PKCS#11 token)` });
  }
  const pinProblem = e.DOL_ISSUER_PKCS11_PIN_FILE === undefined ? undefined : secretFileProblem(e.DOL_ISSUER_PKCS11_PIN_FILE);
  if (pinProblem !== undefined) ctx.addIssue({ code: 'custom', path: ['DOL_ISSUER_PKCS11_PIN_FILE'], message: pinProblem });
  const ids = [...(e.DOL_ISSUER_KEYS ?? '').split(',').map((pair) => pair.split('=')[0] ?? ''), ...(e.DOL_ISSUER_PKCS11_KEYS ?? '').split(',')].filter((id) => id !== '');
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (twice.length > 0) ctx.addIssue({ code: 'custom', path: ['DOL_ISSUER_PKCS11_KEYS'], message: `issuer key ${twice.join(', ')} named twice: each key id is one key, in a file or in the token` });
}

/** Staff credentials only: terminal credentials live in the intake database (POST /v1/terminals/{id}/credentials). */
const CredentialsFile = z.array(z.object({
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/),
  role: z.enum(['admin', 'operator', 'finance', 'registrar', 'auditor'], { error: 'role must be admin, operator, finance, registrar or auditor (staff credentials are best issued through POST /v1/staff-credentials, terminal credentials through POST /v1/terminals/{terminalId}/credentials)' }),
  subject: z.string().min(1).max(64),
}));

const IdentitiesFile = z.partialRecord(
  z.enum(['gateway', 'operator', 'finance', 'registrar', 'auditor']),
  z.object({ mspId: z.string(), certificate: z.string(), privateKey: z.string() }),
);

/** Parses the environment, listing every problem at once instead of failing on the first. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  const e = parsed.data;
  const credentials = CredentialsFile.parse(JSON.parse(file(e.DOL_CREDENTIALS_FILE)));
  const oidc = loadOidcConfig(e);
  const common = {
    ...(oidc === undefined ? {} : { oidc }),
    host: e.DOL_HOST, port: e.DOL_PORT, databaseUrl: e.DOL_DATABASE_URL, dbSchema: e.DOL_DB_SCHEMA, credentials, logLevel: e.DOL_LOG_LEVEL,
    channel: e.DOL_CHANNEL, chaincode: e.DOL_CHAINCODE, campusTimeZone: e.DOL_CAMPUS_TZ,
    worker: {
      concurrency: e.DOL_WORKERS, idlePollMs: e.DOL_IDLE_POLL_MS, maxBackoffMs: e.DOL_MAX_BACKOFF_MS, folds: { inFlight: e.DOL_FOLDS_IN_FLIGHT, sweepIdleMs: e.DOL_FOLD_SWEEP_MS },
    },
    groups: { maxBatches: e.DOL_GROUP_BATCHES, maxRecords: e.DOL_GROUP_RECORDS },
    issuerKeys: (e.DOL_ISSUER_KEYS ?? '').split(',').filter((x) => x !== '').map((pair) => {
      const [keyId = '', path = ''] = pair.split('=');
      return { keyId, path };
    }),
    ...(e.DOL_ISSUER_PKCS11_MODULE === undefined || e.DOL_ISSUER_PKCS11_TOKEN === undefined || e.DOL_ISSUER_PKCS11_PIN_FILE === undefined || e.DOL_ISSUER_PKCS11_KEYS === undefined ? {} : {
      issuerPkcs11: {
        module: e.DOL_ISSUER_PKCS11_MODULE, token: e.DOL_ISSUER_PKCS11_TOKEN, pin: file(e.DOL_ISSUER_PKCS11_PIN_FILE).replace(/\r?\n$/, ''), keyIds: e.DOL_ISSUER_PKCS11_KEYS.split(','),
      },
    }),
    http: {
      ...(e.DOL_TLS_CERT === undefined || e.DOL_TLS_KEY === undefined ? {} : {
        tls: { certPem: file(e.DOL_TLS_CERT), keyPem: file(e.DOL_TLS_KEY), ...(e.DOL_TLS_CLIENT_CA === undefined ? {} : { clientCaPem: file(e.DOL_TLS_CLIENT_CA) }), terminalCertRequired: e.DOL_TLS_TERMINAL_CERT_REQUIRED === 'true' },
      }),
      authFailuresPerMinute: e.DOL_AUTH_FAILURES_PER_MINUTE, maxConnections: e.DOL_MAX_CONNECTIONS,
      headersTimeoutMs: e.DOL_HEADERS_TIMEOUT_MS, requestTimeoutMs: e.DOL_REQUEST_TIMEOUT_MS, keepAliveTimeoutMs: e.DOL_KEEP_ALIVE_TIMEOUT_MS,
    },
  };
  if (e.DOL_LEDGER === 'embedded') {
    return { ...common, ledger: { kind: 'embedded', schema: e.DOL_LEDGER_SCHEMA }, cli: { ordererAddress: '-', peerAddress: '-' } };
  }
  const need = (v: string | undefined): string => v ?? '';
  const ids = IdentitiesFile.parse(JSON.parse(file(need(e.DOL_IDENTITIES_FILE))));
  const identities: Partial<Record<LedgerRole, FabricIdentity>> = {};
  for (const [role, id] of Object.entries(ids) as [LedgerRole, { mspId: string; certificate: string; privateKey: string }][]) {
    identities[role] = { mspId: id.mspId, certificatePem: file(id.certificate), privateKeyPem: file(id.privateKey) };
  }
  const fabric: FabricConfig = {
    peerEndpoint: need(e.DOL_PEER_ENDPOINT), peerHostAlias: need(e.DOL_PEER_HOST_ALIAS), tlsRootCertPem: file(need(e.DOL_PEER_TLS_CA)), channel: e.DOL_CHANNEL,
    chaincode: e.DOL_CHAINCODE, identities, evaluateMs: e.DOL_EVALUATE_MS, endorseMs: e.DOL_ENDORSE_MS, submitMs: e.DOL_SUBMIT_MS, commitMs: e.DOL_COMMIT_MS,
  };
  return { ...common, ledger: { kind: 'fabric', fabric }, cli: { ordererAddress: e.DOL_ORDERER_ADDRESS, peerAddress: need(e.DOL_PEER_ENDPOINT) } };
}

const StoreEnv = z.object({ DOL_DATABASE_URL: DATABASE_URL, DOL_LEDGER_SCHEMA: LEDGER_SCHEMA });

/** Where the embedded ledger is stored (for `npm run ledger:verify`, which needs nothing else). */
export function loadLedgerStoreConfig(env: NodeJS.ProcessEnv): { readonly databaseUrl: string; readonly schema: string } {
  const e = StoreEnv.parse(env);
  return { databaseUrl: e.DOL_DATABASE_URL, schema: e.DOL_LEDGER_SCHEMA };
}
