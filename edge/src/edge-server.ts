import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import { DomainError, assertNever, decodeUtf8, parseStrictJson } from '@dol/chaincode';
import type { ApprovalAnswer, EdgeNode } from './edge-node';
import { siteConfig } from './centre-link';

/** Largest request body the edge reads: a batch of 1,000 records and its JWS fit. */
const MAX_BODY = 3 * 1024 * 1024;

class HttpFault extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > MAX_BODY) throw new HttpFault(413, 'BODY_TOO_LARGE', `body over ${MAX_BODY} bytes`);
    chunks.push(b);
  }
  try {
    return parseStrictJson(decodeUtf8(Buffer.concat(chunks)));
  } catch (error) {
    if (error instanceof DomainError) throw new HttpFault(400, error.code, error.message);
    throw error;
  }
}

function send(res: ServerResponse, status: number, body: unknown, text = JSON.stringify(body)): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** The HTTP status of a refused approval: malformed 400, unsigned or forged 401, not this site's terminal 403, else 409. */
function refusalStatus(code: Exclude<ApprovalAnswer, { ok: true }>['code']): number {
  switch (code) {
    case 'INVALID_REQUEST': return 400;
    case 'UNAUTHENTICATED': return 401;
    case 'NOT_SITE_TERMINAL': return 403;
    case 'ALREADY_USED': case 'OVER_SLICE': case 'DENY_LISTED': return 409;
    default: return assertNever(code);
  }
}

/** A certificate and key (PEM) to speak TLS with. */
export interface EdgeTls {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

/** The edge's server: HTTPS where it was given a certificate, plain HTTP otherwise. */
export type EdgeServer = Server | TlsServer;

/**
 * The edge's HTTP API on the canteen's local network (docs/edge.md): approvals, the site's
 * configuration and deny list for its terminals, store and forward of batches, health and status;
 * over TLS when `tls` gives a certificate and key.
 */
export function createEdgeServer(edge: EdgeNode, onBatchStored: () => void = () => undefined, tls?: EdgeTls): EdgeServer {
  const handler = edgeHandler(edge, onBatchStored);
  return tls === undefined ? createServer(handler) : createTlsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, handler);
}

function edgeHandler(edge: EdgeNode, onBatchStored: () => void): RequestListener {
  return (req, res) => {
    void (async () => {
      try {
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        if (req.method === 'POST' && path === '/v1/approvals') {
          const answer = await edge.approve(await readBody(req));
          if (answer.ok) send(res, 200, { approval: answer.approval, withinSlice: answer.withinSlice });
          else send(res, refusalStatus(answer.code), { code: answer.code, message: answer.message });
        } else if (req.method === 'POST' && path === '/v1/batches') {
          const body = await readBody(req);
          const jws = typeof body === 'object' && body !== null && !Array.isArray(body) && 'batch' in body ? body.batch : undefined;
          let stored: { receipt: string };
          try {
            stored = edge.enqueue(jws);
          } catch (error) {
            if (error instanceof DomainError) throw new HttpFault(400, error.code, error.message);
            throw error;
          }
          send(res, 202, { receipt: stored.receipt, stored: 'edge' });
          onBatchStored();
        } else if (req.method === 'GET' && path === '/v1/offline-config') {
          // The document as the centre served it, checked once more before it goes to a terminal.
          const config = edge.store.get('config');
          if (config === undefined || siteConfig(edge) === undefined) send(res, 503, { code: 'NOT_SYNCED', message: 'the edge has not synced with the centre yet' });
          else send(res, 200, undefined, config);
        } else if (req.method === 'GET' && path === '/v1/deny-list') {
          send(res, 200, edge.denyList());
        } else if (req.method === 'GET' && path === '/v1/face-agreements') {
          const faces = edge.store.get('faces');
          if (faces === undefined) send(res, 503, { code: 'NOT_SYNCED', message: 'the edge has not synced the live agreements yet' });
          else send(res, 200, undefined, faces);
        } else if (req.method === 'GET' && path === '/healthz') {
          send(res, 200, { ok: true, edgeId: edge.edgeId });
        } else if (req.method === 'GET' && path === '/v1/status') {
          send(res, 200, { edgeId: edge.edgeId, ...edge.store.counts(), denyListVersion: edge.denyList().version, siteTerminals: edge.siteTerminals() });
        } else {
          send(res, 404, { code: 'NOT_FOUND', message: `no ${req.method ?? ''} ${path}` });
        }
      } catch (error) {
        if (error instanceof HttpFault) send(res, error.status, { code: error.code, message: error.message });
        else send(res, 500, { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) });
      }
    })();
  };
}
