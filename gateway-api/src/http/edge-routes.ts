/**
 * The operator's view of the site edges (docs/edge.md): each edge's status and last contact, and
 * retiring one, so that the slices are computed again over the edges that remain.
 */
import type { CallerRole } from '../config';
import { SETTLEMENT, type TerminalView } from '../ledger/settlement-transactions';
import { contractOf, ledgerRole, param, submit, type Call, type Route } from './route-kit';

const AUDIT: readonly CallerRole[] = ['auditor', 'operator'];

/** One edge as GET /v1/edges lists it. */
interface EdgeView {
  readonly edgeId: string;
  readonly merchantId: string;
  readonly status: string;
  readonly retiredAt: number | null;
  readonly lastContact: string | null;
}

/** The registered edges (role `edge` in the ledger's terminal registry) with their last contact. */
async function listEdges(call: Call): Promise<{ status: number; body: { edges: EdgeView[] } }> {
  const [terminals, contacts] = await Promise.all([contractOf(call).evaluate(ledgerRole(call), SETTLEMENT.ListTerminals()), call.deps.store.edges.all()]);
  const edges = terminals.filter((t) => t.role === 'edge').map((t: TerminalView): EdgeView => ({
    edgeId: t.terminalId, merchantId: t.merchantId, status: t.status, retiredAt: t.retiredAt, lastContact: contacts.get(t.terminalId)?.lastContact ?? null,
  }));
  return { status: 200, body: { edges } };
}

/** The edge routes, listed with every other route in routes.ts. */
export const EDGE_ROUTES: readonly Route[] = [
  { id: 'listEdges', method: 'get', path: '/v1/edges', roles: AUDIT, ok: [200],
    summary: "Every site edge: its merchant, status (active, retired or revoked), when it was retired, and its last contact (its last sync with this organisation's gateways; null if never)",
    handle: listEdges },
  { id: 'retireEdge', method: 'post', path: '/v1/edges/{edgeId}/retire', roles: ['operator'], ok: [200],
    summary: "Retire an edge: it leaves the slices (the others' are computed again over the active edges at their next sync); its approvals of sales before now still count when they arrive. A terminal that is not an edge is INVALID_FIELD; a revoked edge TERMINAL_REVOKED; again, the same answer",
    handle: async (call) => {
      const edgeId = param(call, 'edgeId');
      const out = await submit(call, SETTLEMENT.RetireEdge(edgeId));
      const cached = await call.deps.store.terminalKey(edgeId);
      if (cached !== undefined) await call.deps.store.putTerminalKey(edgeId, cached.publicKey, 'retired');
      return out;
    } },
];
