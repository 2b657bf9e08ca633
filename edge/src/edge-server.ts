import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import { DomainError, decodeUtf8, parseStrictJson } from '@dol/chaincode';
import type { EdgeNode } from './edge-node';
import { siteConfig } from './centre-link';
import { EdgeFault, problemOf } from './edge-problems';

/** Largest request body the edge reads: a batch of 1,000 records and its JWS fit. */
const MAX_BODY = 3 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > MAX_BODY) throw new EdgeFault('BODY_TOO_LARGE', `body over ${MAX_BODY} bytes`);
    chunks.push(b);
  }
  try {
    return parseStrictJson(decodeUtf8(Buffer.concat(chunks)));
  } catch (error) {
    if (error instanceof DomainError) throw EdgeFault.of(error);
    throw error;
  }
}

function send(res: ServerResponse, status: number, body: unknown, text = JSON.stringify(body), type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** A refusal as problem+json: its code and detail for the terminal, its status from the edge's catalogue (edge-problems.ts). */
function sendProblem(res: ServerResponse, fault: EdgeFault): void {
  const problem = problemOf(fault);
  send(res, problem.status, problem, undefined, 'application/problem+json');
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
          else sendProblem(res, new EdgeFault(answer.code, answer.message));
        } else if (req.method === 'POST' && path === '/v1/batches') {
          const body = await readBody(req);
          const jws = typeof body === 'object' && body !== null && !Array.isArray(body) && 'batch' in body ? body.batch : undefined;
          let stored: { receipt: string };
          try {
            stored = edge.enqueue(jws);
          } catch (error) {
            if (error instanceof DomainError) throw EdgeFault.of(error);
            throw error;
          }
          send(res, 202, { receipt: stored.receipt, stored: 'edge' });
          onBatchStored();
        } else if (req.method === 'GET' && path === '/v1/offline-config') {
          // The document as the centre served it, checked once more before it goes to a terminal.
          const config = edge.store.get('config');
          if (config === undefined || siteConfig(edge) === undefined) sendProblem(res, new EdgeFault('NOT_SYNCED', 'the edge has not synced with the centre yet'));
          else send(res, 200, undefined, config);
        } else if (req.method === 'GET' && path === '/v1/deny-list') {
          send(res, 200, edge.denyList());
        } else if (req.method === 'GET' && path === '/v1/face-agreements') {
          const faces = edge.store.get('faces');
          if (faces === undefined) sendProblem(res, new EdgeFault('NOT_SYNCED', 'the edge has not synced the live agreements yet'));
          else send(res, 200, undefined, faces);
        } else if (req.method === 'GET' && path === '/healthz') {
          send(res, 200, { ok: true, edgeId: edge.edgeId });
        } else if (req.method === 'GET' && path === '/v1/status') {
          send(res, 200, { edgeId: edge.edgeId, ...edge.store.counts(), denyListVersion: edge.denyList().version, siteTerminals: edge.siteTerminals() });
        } else {
          sendProblem(res, new EdgeFault('NOT_FOUND', `no ${req.method ?? ''} ${path}`));
        }
      } catch (error) {
        sendProblem(res, error instanceof EdgeFault ? error : new EdgeFault('INTERNAL', error instanceof Error ? error.message : String(error), { cause: error }));
      }
    })();
  };
}
