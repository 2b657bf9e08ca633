import { join } from 'node:path';
import type { Server } from 'node:http';
import { EdgeNode, EdgeStore, createEdgeServer, loadOrCreateEdgeKey, syncWithCentre } from '@dol/edge';
import { EdgeClient } from '@dol/terminal';
import type { GatewayClient } from './gateway-client';
import { isJsonObject } from '@dol/chaincode';

/** One canteen's edge node as the simulator runs it: in this process, on its own store and port. */
interface SiteEdge {
  readonly edgeId: string;
  readonly merchantId: string;
  readonly dir: string;
  readonly port: number;
  node: EdgeNode;
  server: Server | undefined;
}


function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : 0);
    });
  });
}

/**
 * The canteens' edge nodes (docs/edge.md): each registered on the ledger with role `edge`, given a
 * terminal credential, synced with the centre (configuration, deny list, slices) while it answers,
 * and then serving its site's terminals alone. One can be killed (its server and store closed at
 * once, as a power cut would) and restarted on the same store and port.
 */
export class SiteEdges {
  private constructor(
    private readonly edges: SiteEdge[],
    private readonly overflow: 'refuse' | 'advance',
    /** Active edges on the ledger when the last of these synced: every slice was the allowance divided by this. */
    readonly sites: number,
  ) {}

  /** Registers, starts and syncs one edge per merchant; stores under `dir`. */
  static async start(api: GatewayClient, merchants: readonly string[], dir: string, overflow: 'refuse' | 'advance'): Promise<SiteEdges> {
    const edges: SiteEdge[] = [];
    let sites = 0;
    const tokens = new Map<string, string>();
    for (const merchantId of merchants) {
      const edgeId = `edge-${merchantId}`;
      const edgeDir = join(dir, edgeId);
      const store = new EdgeStore(edgeDir);
      const key = loadOrCreateEdgeKey(edgeDir);
      await api.must('POST', '/v1/terminals', 'operator', { terminalId: edgeId, merchantId, publicKey: key.jwk, role: 'edge' });
      const credential = await api.must('POST', `/v1/terminals/${edgeId}/credentials`, 'operator');
      tokens.set(edgeId, isJsonObject(credential) && typeof credential.token === 'string' ? credential.token : '');
      const node = new EdgeNode(edgeId, key, store, () => overflow);
      const server = createEdgeServer(node);
      const port = await listen(server, 0);
      edges.push({ edgeId, merchantId, dir: edgeDir, port, node, server });
    }
    // Synced once all are registered: each edge's slice is divided by the same count of active edges.
    for (const e of edges) sites = (await syncWithCentre(e.node, { url: api.urlOf('operator'), token: tokens.get(e.edgeId) ?? '' })).sites;
    return new SiteEdges(edges, overflow, sites);
  }

  /**
   * Retires every edge of this run on the ledger (docs/edge.md), as the operator does when a site
   * closes: the next cohort's slices are not divided by them, and the approvals they gave during
   * the hour still settle as edge-approved when the terminals upload afterwards.
   */
  async retire(api: GatewayClient): Promise<void> {
    for (const e of this.edges) await api.must('POST', `/v1/edges/${e.edgeId}/retire`, 'operator');
  }

  /** The ids of this run's edges. */
  ids(): string[] {
    return this.edges.map((e) => e.edgeId);
  }

  /** A terminal's client for its merchant's edge. */
  clientFor(merchantId: string): EdgeClient | undefined {
    const e = this.edges.find((x) => x.merchantId === merchantId);
    return e === undefined ? undefined : new EdgeClient(e.edgeId, `http://127.0.0.1:${e.port}`);
  }

  /** The edge of the i-th merchant. */
  edgeId(i: number): string {
    return this.edges[i]?.edgeId ?? '?';
  }

  /** Kills the i-th edge: connections dropped, store closed, nothing flushed that was not already durable. */
  kill(i: number): void {
    const e = this.edges[i];
    if (e?.server === undefined) return;
    e.server.closeAllConnections();
    e.server.close();
    e.server = undefined;
    e.node.store.close();
  }

  /** Restarts the i-th edge on its store and port: every approval it gave is still there. */
  async restart(i: number): Promise<void> {
    const e = this.edges[i];
    if (e === undefined || e.server !== undefined) return;
    e.node = new EdgeNode(e.edgeId, loadOrCreateEdgeKey(e.dir), new EdgeStore(e.dir), () => this.overflow);
    e.server = createEdgeServer(e.node);
    await listen(e.server, e.port);
  }

  /** Approvals each edge holds (its store's count). */
  approvals(): number[] {
    return this.edges.map((e) => e.node.store.counts().approvals);
  }

  /** Stops every edge. */
  close(): void {
    this.edges.forEach((_, i) => {
      this.kill(i);
    });
  }
}
