/**
 * `npm start -- --edge [MERCHANT]`: one site edge node beside the running system (docs/edge.md),
 * so a terminal vendor can try a terminal against it. Its key is made once in its store folder and
 * registered on the ledger with role `edge` (a merchant of that name is registered first if it is
 * new); it gets a terminal credential of its own and syncs with the OperatorOrg gateway.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadOrCreateEdgeKey } from '@dol/edge';
import { ensureService, type ProcessSpec } from './processes';
import { callGateway, type TokenEntry } from './system-tokens';

const EDGE_MAIN = join(resolve(__dirname, '..', '..'), 'edge', 'dist', 'main.js');

/** Where the edge lives and whom it answers to. */
export interface SiteEdgeOptions {
  /** The system's folder: the edge's store goes to `<dir>/edges/<edgeId>/`. */
  readonly dir: string;
  readonly pidsFile: string;
  readonly logs: string;
  /** The operator's credential at the OperatorOrg gateway (its URL and, for HTTPS, its CA). */
  readonly operator: TokenEntry;
  readonly merchantId: string;
  readonly port: number;
}

/** What `npm start` prints of the edge. */
export interface SiteEdge {
  readonly edgeId: string;
  readonly url: string;
  readonly store: string;
  readonly started: boolean;
}

async function mustCall(o: SiteEdgeOptions, method: string, path: string, body?: unknown, alsoOk: readonly number[] = []): Promise<Record<string, unknown>> {
  const r = await callGateway(o.operator.url, method, path, o.operator.token, body, o.operator.ca);
  if (r.status >= 300 && !alsoOk.includes(r.status)) throw new Error(`edge setup: ${method} ${path} answered ${String(r.status)} ${typeof r.body.detail === 'string' ? r.body.detail : ''}`);
  return r.body;
}

/** Registers (once) and starts (unless it runs) the site edge of `merchantId`. */
export async function ensureSiteEdge(o: SiteEdgeOptions): Promise<SiteEdge> {
  const edgeId = `edge-${o.merchantId}`;
  const store = join(o.dir, 'edges', edgeId);
  mkdirSync(store, { recursive: true });
  const key = loadOrCreateEdgeKey(store);
  await mustCall(o, 'POST', '/v1/merchants', { merchantId: o.merchantId, name: o.merchantId }, [409]);
  await mustCall(o, 'POST', '/v1/terminals', { terminalId: edgeId, merchantId: o.merchantId, publicKey: key.jwk, role: 'edge' }, [409]);
  const tokenFile = join(store, 'centre-token');
  if (!existsSync(tokenFile) || readFileSync(tokenFile, 'utf8').trim() === '') {
    const issued = await mustCall(o, 'POST', `/v1/terminals/${edgeId}/credentials`);
    if (typeof issued.token !== 'string') throw new Error('edge setup: the gateway issued no token');
    writeFileSync(tokenFile, `${issued.token}\n`, { mode: 0o600 });
  }
  const spec: ProcessSpec = {
    name: `edge.${o.merchantId}`, command: process.execPath, port: o.port,
    args: [EDGE_MAIN, '--edge-id', edgeId, '--store', store, '--port', String(o.port), '--centre', o.operator.url, '--token-file', tokenFile, '--sync-interval-s', '30'],
    ...(o.operator.ca === undefined ? {} : { env: { NODE_EXTRA_CA_CERTS: o.operator.ca } }),
  };
  const started = await ensureService(spec, o.pidsFile, o.logs);
  return { edgeId, url: `http://127.0.0.1:${String(o.port)}`, store, started };
}

/** The lines `npm start` prints for the edge. */
export function describeEdge(e: SiteEdge): string {
  return `
  site edge node ${e.edgeId}${e.started ? '' : ' (it was already running)'}:  ${e.url}
    its merchant's terminals: POST /v1/approvals (each request signed with the terminal's registered key; others are refused),
      GET /v1/offline-config, GET /v1/deny-list, POST /v1/batches (store and forward); GET /v1/status; plain HTTP
    its store and key: ${e.store}; docs/edge.md and docs/terminal.md say how a terminal uses it`;
}
