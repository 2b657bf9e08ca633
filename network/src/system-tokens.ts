/**
 * The system's tokens file (`npm start`): each gateway's first administrator, and one staff
 * credential per role that the administrator issues through the gateway's API; written with
 * mode 600, never printed. Each gateway's own credentials file holds only its administrator's hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { OrgKey } from './layout';

type PeerOrg = Exclude<OrgKey, 'orderer' | 'bureau'>;

/** A credential in the tokens file: its token, its gateway and, for HTTPS, the CA that signed the gateway's certificate. */
export interface TokenEntry { readonly token: string; readonly url: string; readonly ca?: string }
export interface Tokens { readonly [key: string]: TokenEntry }

/** One JSON request to a gateway, over HTTPS when the URL says so (trusting `ca`). */
export function callGateway(url: string, method: string, path: string, token: string, body?: unknown, ca?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  const options = { method, headers: { authorization: `Bearer ${token}`, ...(data === undefined ? {} : { 'content-type': 'application/json' }) } };
  return new Promise((resolve, reject) => {
    const done = (res: IncomingMessage): void => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : JSON.parse(text) as Record<string, unknown> });
      });
    };
    const req = url.startsWith('https:') ? httpsRequest(`${url}${path}`, { ...options, ...(ca === undefined ? {} : { ca: readFileSync(ca, 'utf8') }) }, done) : httpRequest(`${url}${path}`, options, done);
    req.on('error', reject);
    req.end(data);
  });
}

/** The key of an organisation's first administrator in the tokens file (`admin` on the embedded system). */
export const adminKey = (org?: PeerOrg): string => (org === undefined ? 'admin' : `admin@${org}`);

const saveTokens = (file: string, tokens: Tokens): void => {
  writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
};

/**
 * The tokens file with a first administrator per gateway (made once and kept, so restarts keep
 * them; a new one where the gateway's URL changed) and the CA its gateway's certificate chains to.
 */
export function keptAdmins(file: string, admins: Readonly<Record<string, { readonly url: string; readonly ca?: string }>>): Tokens {
  const tokens: Record<string, TokenEntry> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as Record<string, TokenEntry> : {};
  let changed = !existsSync(file);
  for (const [key, { url, ca }] of Object.entries(admins)) {
    const kept = tokens[key];
    if (kept?.url === url && kept.ca === ca) continue;
    tokens[key] = { token: kept?.url === url ? kept.token : randomBytes(32).toString('base64url'), url, ...(ca === undefined ? {} : { ca }) };
    changed = true;
  }
  if (changed) saveTokens(file, tokens);
  return tokens;
}

/** A gateway's credentials file: only its first administrator's SHA-256, never a token (staff credentials are issued through the API). */
export function writeAdminCredentials(file: string, adminToken: string): void {
  writeFileSync(file, JSON.stringify([{ tokenSha256: createHash('sha256').update(adminToken).digest('hex'), role: 'admin', subject: 'first-admin' }]), { mode: 0o600 });
}

/**
 * One staff credential per role, issued by each organisation's administrator through its
 * gateway's API (POST /v1/staff-credentials, hashed at rest, a year's expiry) and written to the
 * tokens file; one that still works is kept. Never printed.
 */
export async function ensureStaffTokens(file: string, tokens: Tokens, roles: Readonly<Record<string, { url: string; admin: string; ca?: string }>>): Promise<Tokens> {
  const out: Record<string, TokenEntry> = { ...tokens };
  for (const [role, { url, admin, ca }] of Object.entries(roles)) {
    const kept = out[role];
    if (kept?.url === url) {
      const who = await callGateway(url, 'GET', '/v1/whoami', kept.token, undefined, ca);
      if (who.status === 200 && who.body.role === role) continue;
    }
    const issued = await callGateway(url, 'POST', '/v1/staff-credentials', out[admin]?.token ?? '', { role, subject: `${role}-1`, expiresInDays: 366 }, ca);
    const token = issued.body.token;
    if (issued.status !== 201 || typeof token !== 'string') throw new Error(`could not issue the ${role} credential at ${url}: ${String(issued.status)} ${typeof issued.body.detail === 'string' ? issued.body.detail : ''}`);
    out[role] = { token, url, ...(ca === undefined ? {} : { ca }) };
    saveTokens(file, out);
  }
  return out;
}
