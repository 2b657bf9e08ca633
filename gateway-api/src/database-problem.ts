/**
 * What a process says when PostgreSQL cannot be used: which database (host, port, database name,
 * user; the password hidden), why, and what to do. The gateway (main.ts) and ledger:verify say it;
 * `npm start` says the same in shell (scripts/ensure-postgres.sh), since it checks the database
 * before anything is built.
 */

/** The database a URL names, as PostgreSQL's client reads it (a Unix socket's folder as the host). */
export interface DatabaseTarget {
  readonly host: string;
  readonly port: string;
  readonly database: string;
  readonly user: string;
}

/** Network failures: nothing answered where the URL points. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', '57P03']);
/** The host name does not resolve. */
const UNKNOWN_HOST = new Set(['ENOTFOUND', 'EAI_AGAIN']);
/** The server answered and refused the user: SQLSTATE invalid_password and invalid_authorization_specification. */
const REFUSED_USER = new Set(['28P01', '28000']);
/** The server answered and has no such database: SQLSTATE invalid_catalog_name. */
const NO_DATABASE = '3D000';

const DEFAULT_PORT = '5432';

/** The URL with its password hidden (`postgres://user:***@host/db`): what may be printed and logged. */
export function shownDatabaseUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** The host, port, database and user a URL names; undefined when it is not a URL. */
export function databaseTarget(url: string): DatabaseTarget | undefined {
  // A URL with a user and no host (`postgresql://postgres@/db?host=/socket`) is valid to pg, not to WHATWG's parser.
  const parsed = URL.parse(url) ?? URL.parse(url.replace('@/', '@localhost/'));
  if (parsed === null) return undefined;
  const query = parsed.searchParams;
  const user = decodeURIComponent(parsed.username) || (query.get('user') ?? 'postgres');
  return {
    host: query.get('host') ?? (parsed.hostname === '' ? 'localhost' : parsed.hostname),
    port: query.get('port') ?? (parsed.port === '' ? DEFAULT_PORT : parsed.port),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user,
    user,
  };
}

/** A property of a thrown value, whatever it is. */
function field(error: unknown, key: string): unknown {
  if (typeof error !== 'object' || error === null) return undefined;
  const value: unknown = Reflect.get(error, key);
  return value;
}

/** What to do about a failure with `code` (a Node network code or a PostgreSQL SQLSTATE) at `target`. */
function advice(code: string, target: DatabaseTarget): string | undefined {
  const fix = 'or set DOL_DATABASE_URL (postgres://user[:password]@host:port/database) to one that does';
  if (UNREACHABLE.has(code)) return `Nothing answers there: start PostgreSQL at ${target.host}:${target.port} (npm start starts this machine's local server on 127.0.0.1:5432), ${fix}`;
  if (UNKNOWN_HOST.has(code)) return `The host ${target.host} is not known here: fix the host in DOL_DATABASE_URL (postgres://user[:password]@host:port/database)`;
  if (REFUSED_USER.has(code)) return `The server refused user ${target.user}: fix the user or password in DOL_DATABASE_URL, or let that user in (pg_hba.conf)`;
  if (code === NO_DATABASE) return `The server has no database ${target.database}: create it (createdb ${target.database}), ${fix}`;
  return undefined;
}

/**
 * The message for `error` when it is a failure to reach or enter the database `url` names (a
 * refused or unresolved connection, a refused user, a missing database); undefined for any other
 * error, so that only database failures are described as such (a network error of another address,
 * a Fabric peer's, is not: its port differs).
 */
export function databaseProblem(url: string, error: unknown): string | undefined {
  const code = field(error, 'code');
  const target = databaseTarget(url);
  if (typeof code !== 'string' || target === undefined) return undefined;
  const port = field(error, 'port');
  if ((typeof port === 'number' || typeof port === 'string') && String(port) !== target.port) return undefined;
  const address = field(error, 'address');
  if (code === 'ENOENT' && !(typeof address === 'string' && address.includes('.s.PGSQL.'))) return undefined;
  const what = advice(code, target);
  if (what === undefined) return undefined;
  // Read as a field, not through instanceof: Node's own errors may come from another realm (a test's sandbox).
  const message = field(error, 'message');
  const cause = typeof message === 'string' && message !== '' ? message : code;
  return `cannot use the database ${shownDatabaseUrl(url)} (host ${target.host}, port ${target.port}, database ${target.database}; DOL_DATABASE_URL): ${cause}. ${what}.`;
}

/** `error`, or when it is a failure of the database `url` names, an Error saying which and what to do (the original as its cause). */
export function explainDatabaseFailure(url: string, error: unknown): unknown {
  const message = databaseProblem(url, error);
  return message === undefined ? error : new Error(message, { cause: error });
}
