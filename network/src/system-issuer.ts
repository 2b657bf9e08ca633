/**
 * The issuing side of a system `npm start` brings up (docs/wallet.md): the issuer key, made once
 * in the system's folder by gateway-api's issuer-keys command (in a SoftHSM2 token of the system's
 * own where SoftHSM2 is installed, else in a key file) and held by the OperatorOrg gateway;
 * registered on the ledger once; a first agreement text and a risk policy where none is set; and
 * the lines npm start prints (where the wallet is, how finance hands a student an activation code).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { run } from './processes';
import { callGateway, type TokenEntry } from './system-tokens';

const ISSUER_KEYS_MAIN = join(resolve(__dirname, '..', '..'), 'gateway-api', 'dist', 'issuer', 'issuer-keys.js');

/** A system's issuer key as the issuer-keys command answers it: what the ledger registers and the gateway is started with. */
export interface IssuerKey {
  readonly keyId: string;
  readonly publicKey: Readonly<Record<string, string>>;
  readonly validFrom: number;
  readonly validTo: number;
  readonly kind: 'pkcs11' | 'file';
  readonly created: boolean;
  readonly where: string;
  readonly env: Readonly<Record<string, string>>;
}

/** The first agreement text a system starts with: the operator replaces it with the campus's own (PUT /v1/agreement). */
export const FIRST_AGREEMENT = 'Direct-debit agreement (代扣协议), first version set by npm start. I agree that payments I make offline with this '
  + 'wallet or my card are charged to my campus account, up to the limits of the certificate the operator issued me; that a payment '
  + 'the ledger settles is final unless it was made after I reported the medium lost; and that I can withdraw this agreement at any time, '
  + 'which ends my certificates. The operator replaces this text with the campus\'s own.';

/** The risk policy a system starts with where none is set: the canteen scenario's, the issuance limits the contract's defaults. */
export const FIRST_RISK_POLICY = { maxClockSkewMs: 300_000, tapMaxAgeMs: 120_000, faceCapPerPayment: '3000', faceMinScore: 900 };

/** The fields of a parsed JSON object (none of anything else), each `unknown` until checked. */
function fieldsOf(value: unknown): Map<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return new Map();
  const entries: [string, unknown][] = Object.entries(value);
  return new Map(entries);
}

const strings = (value: unknown): Record<string, string> | undefined => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = [...fieldsOf(value)];
  return entries.every((e): e is [string, string] => typeof e[1] === 'string') ? Object.fromEntries(entries) : undefined;
};

/** Parses the command's answer (its last line), refusing anything but the fields a key has. */
function parseIssuerKey(output: string): IssuerKey {
  const line = output.trim().split('\n').pop() ?? '';
  const v: unknown = JSON.parse(line);
  const o = fieldsOf(v);
  const [keyId, kind, validFrom, validTo, created, where] = ['keyId', 'kind', 'validFrom', 'validTo', 'created', 'where'].map((k) => o.get(k));
  const publicKey = strings(o.get('publicKey'));
  const env = strings(o.get('env'));
  if (typeof keyId !== 'string' || (kind !== 'pkcs11' && kind !== 'file') || typeof validFrom !== 'number' || typeof validTo !== 'number'
    || typeof created !== 'boolean' || typeof where !== 'string' || publicKey === undefined || env === undefined) {
    throw new Error(`the issuer-keys command answered something else than a key: ${line.slice(0, 200)}`);
  }
  return { keyId, kind, validFrom, validTo, created, where, publicKey, env };
}

/** The system's issuer key in `dir` (its issuer folder): made on the first start, found on the next. */
export async function ensureIssuerKey(dir: string): Promise<IssuerKey> {
  return parseIssuerKey(await run(process.execPath, [ISSUER_KEYS_MAIN, 'ensure', dir]));
}

/** What the system did once (setup.json in the issuer folder), so a restart does not do it again. */
interface Setup { registered?: string; riskPolicy?: boolean }

function readSetup(file: string): Setup {
  if (!existsSync(file)) return {};
  const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const o = fieldsOf(v);
  const registered = o.get('registered');
  return { ...(typeof registered === 'string' ? { registered } : {}), riskPolicy: o.get('riskPolicy') === true };
}

async function must(operator: TokenEntry, method: string, path: string, body?: unknown, alsoOk: readonly number[] = []): Promise<{ status: number; body: unknown }> {
  const r = await callGateway(operator.url, method, path, operator.token, body, operator.ca);
  if (r.status >= 300 && !alsoOk.includes(r.status)) throw new Error(`issuer setup: ${method} ${path} answered ${String(r.status)} ${typeof r.body.detail === 'string' ? r.body.detail : ''}`);
  return r;
}

/**
 * Whether a risk policy is on the ledger. No route reads it alone: a registered terminal's offline
 * configuration carries it. With no terminal yet, none was needed, so none is assumed.
 */
async function riskPolicySet(operator: TokenEntry): Promise<boolean> {
  const terminals = (await must(operator, 'GET', '/v1/terminals')).body;
  const first: unknown = Array.isArray(terminals) ? terminals[0] : undefined;
  const terminalId = fieldsOf(first).get('terminalId');
  if (typeof terminalId !== 'string') return false;
  return (await must(operator, 'GET', `/v1/terminals/${encodeURIComponent(terminalId)}/offline-config`, undefined, [404])).status === 200;
}

/**
 * Registers the key on the ledger (once), sets the first agreement text if none is set and a risk
 * policy if none is, through the OperatorOrg gateway as the operator. Answers what it did.
 */
export async function setUpIssuing(operator: TokenEntry, key: IssuerKey, dir: string): Promise<string[]> {
  const file = join(dir, 'setup.json');
  const setup = readSetup(file);
  const done: string[] = [];
  const save = (): void => {
    writeFileSync(file, `${JSON.stringify(setup, null, 2)}\n`);
  };
  if (setup.registered !== key.keyId) {
    const r = await must(operator, 'POST', '/v1/issuer-keys', { keyId: key.keyId, alg: 'ES256', publicKey: key.publicKey, validFrom: key.validFrom, validTo: key.validTo, status: 'active' }, [409]);
    if (r.status !== 409) done.push(`registered issuer key ${key.keyId} on the ledger, valid ${new Date(key.validFrom).toISOString().slice(0, 10)} to ${new Date(key.validTo).toISOString().slice(0, 10)}`);
    setup.registered = key.keyId;
    save();
  }
  if ((await must(operator, 'GET', '/v1/agreement', undefined, [404])).status === 404) {
    await must(operator, 'PUT', '/v1/agreement', { text: FIRST_AGREEMENT });
    done.push('set a first agreement text (PUT /v1/agreement replaces it)');
  }
  if (setup.riskPolicy !== true) {
    if (!(await riskPolicySet(operator))) {
      await must(operator, 'PUT', '/v1/risk-policy', FIRST_RISK_POLICY);
      done.push('set a first risk policy (PUT /v1/risk-policy replaces it)');
    }
    setup.riskPolicy = true;
    save();
  }
  return done;
}

/** Where the wallet is and how finance issues a code, as npm start prints them. */
export interface IssuingLines {
  readonly walletUrl: string;
  readonly tokensFile: string;
  /** The gateway finance's credential is for, and its CA on HTTPS. */
  readonly finance: { readonly url: string; readonly ca?: string };
  /** Where the values of the lines above start (the column npm start aligns its list to). */
  readonly column: number;
}

/** The lines npm start prints about the issuing side. */
export function describeIssuing(key: IssuerKey, done: readonly string[], o: IssuingLines): string {
  const cacert = o.finance.ca === undefined ? '' : ` --cacert ${o.finance.ca}`;
  const token = `$(node -p "require('${o.tokensFile}').finance.token")`;
  return `
${'  student wallet (a PWA; sign in with an activation code):'.padEnd(o.column)}${o.walletUrl}
    issuer key ${key.keyId}${key.created ? ' (made now)' : ''}: ${key.where}${done.map((d) => `\n    ${d}`).join('')}
    finance hands a student of an open account ACCOUNT a one-time activation code (shown once, valid 7 days):
      curl -s${cacert} -X POST -H "authorization: Bearer ${token}" ${o.finance.url}/v1/accounts/ACCOUNT/activation-codes`;
}
