#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { forwardToCentre, siteConfig, syncWithCentre, type Centre } from './centre-link';
import { loadOrCreateEdgeKey } from './edge-key';
import { EdgeNode } from './edge-node';
import { createEdgeServer, type EdgeTls } from './edge-server';
import { EdgeStore } from './edge-store';
import { parseSiteTerminals } from './site-terminals';

const USAGE = `usage: node edge/dist/main.js --edge-id ID --store DIR [options]

The site edge node (docs/edge.md): the terminals of one canteen ask it to write off each code and
to spend the student's slice; it signs approvals, serves the site's configuration and deny list,
and stores and forwards batches to the centre when it answers.

  --edge-id ID        the edge's id, registered on the ledger with role "edge"
  --store DIR         its durable store (SQLite) and its key (made on first start)
  --host H            listen address (default 127.0.0.1)    --port N   (default 0: any free port)
  --centre URL        the gateway                           --token-file F   the edge's terminal token
  --sync-interval-s N how often to sync and forward while the centre answers (default 30)
  --site-terminals F  the site's terminals, [{terminalId, publicKey}] (JSON), known before the first
                      sync (a box set up away from the centre); each sync replaces them
  --tls-cert F        the edge's certificate (PEM), with --tls-key F its key: it speaks HTTPS;
                      without them, plain HTTP (said at start). Env DOL_EDGE_TLS_CERT, DOL_EDGE_TLS_KEY
  --print-key         print the public JWK to register, and exit
`;

function options(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    if (a === '--print-key') out.set('print-key', '1');
    else if (a.startsWith('--') && i + 1 < argv.length) out.set(a.slice(2), argv[++i] ?? '');
    else {
      process.stderr.write(`unknown argument ${a}\n${USAGE}`);
      process.exit(2);
    }
  }
  return out;
}

/** The certificate and key to speak TLS with (options, or the environment), or none: both or neither. */
function tlsOptions(o: Map<string, string>): EdgeTls | undefined {
  const cert = o.get('tls-cert') ?? process.env.DOL_EDGE_TLS_CERT;
  const key = o.get('tls-key') ?? process.env.DOL_EDGE_TLS_KEY;
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) {
    process.stderr.write(`--tls-cert and --tls-key go together\n${USAGE}`);
    process.exit(2);
  }
  return { cert: readFileSync(cert), key: readFileSync(key) };
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const edgeId = o.get('edge-id');
  const dir = o.get('store');
  if (edgeId === undefined || dir === undefined) {
    process.stderr.write(`--edge-id and --store are required\n${USAGE}`);
    process.exit(2);
  }
  const store = new EdgeStore(dir);
  const key = loadOrCreateEdgeKey(dir);
  if (o.has('print-key')) {
    process.stdout.write(`${JSON.stringify(key.jwk)}\n`);
    return;
  }
  const edge: EdgeNode = new EdgeNode(edgeId, key, store, (): 'refuse' | 'advance' => siteConfig(edge)?.policy.edgeOverflow ?? 'advance');
  const seed = o.get('site-terminals');
  if (seed !== undefined) edge.setSiteTerminals(parseSiteTerminals(JSON.parse(readFileSync(seed, 'utf8'))));
  const url = o.get('centre');
  const tokenFile = o.get('token-file');
  const centre: Centre | undefined = url === undefined || tokenFile === undefined ? undefined : { url, token: readFileSync(tokenFile, 'utf8').trim() };
  let busy = false;
  const round = async (): Promise<void> => {
    if (centre === undefined || busy) return;
    busy = true;
    try {
      const s = await syncWithCentre(edge, centre);
      const f = await forwardToCentre(edge, centre);
      process.stdout.write(`[edge ${edgeId}] synced: deny-list v${s.denyListVersion}, ${s.slices} slices of ${s.sites} sites, ${s.terminals} site terminals; forwarded ${f.forwarded}, settled ${f.settled}\n`);
      for (const r of f.refused) process.stdout.write(`[edge ${edgeId}] the centre refused a stored batch for good: ${String(r.status)} ${r.code}: ${r.detail}\n`);
    } catch (error) {
      process.stdout.write(`[edge ${edgeId}] sync failed: ${error instanceof Error ? error.message : String(error)}; serving its terminals from the store\n`);
    } finally {
      busy = false;
    }
  };
  const tls = tlsOptions(o);
  const server = createEdgeServer(edge, () => void round(), tls);
  server.keepAliveTimeout = 60_000;
  server.listen(Number(o.get('port') ?? '0'), o.get('host') ?? '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const how = tls === undefined ? 'plain HTTP: no --tls-cert/--tls-key given, keep it on the canteen\'s own network' : 'TLS';
    process.stdout.write(`[edge ${edgeId}] listening on ${tls === undefined ? 'http' : 'https'}://${o.get('host') ?? '127.0.0.1'}:${port} (${how}; store ${dir})\n`);
  });
  await round();
  const timer = setInterval(() => void round(), Number(o.get('sync-interval-s') ?? '30') * 1000);
  const stop = (): void => {
    clearInterval(timer);
    server.close(() => {
      store.close();
      process.exit(0);
    });
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main().catch((error: unknown) => {
  process.stderr.write(`[edge] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
