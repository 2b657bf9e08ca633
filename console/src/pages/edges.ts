/**
 * The site edges (docs/edge.md): each edge's merchant, status and last contact (GET /v1/edges), and
 * retiring one (POST /v1/edges/{edgeId}/retire) after a confirmation that says what it does.
 */
import { list, num, obj, text, type Api, type Me } from '../api.js';
import { formatTime } from '../format.js';
import { confirmStep, h, into, longId, nothingYet, searchableTable, txLine, type Pages } from '../ui.js';

/** An edge as the API lists it; `lastContact` is an ISO time or empty. */
interface Edge {
  readonly edgeId: string;
  readonly merchantId: string;
  readonly status: string;
  readonly retiredAt: number;
  readonly lastContact: string;
}

/** Longer than this since its last sync (3 missed rounds of 30 s and more), an active edge is shown as silent. */
const SILENT_MS = 5 * 60_000;

const edgeOf = (e: unknown): Edge => ({
  edgeId: text(e, 'edgeId'), merchantId: text(e, 'merchantId'), status: text(e, 'status'), retiredAt: num(e, 'retiredAt'), lastContact: text(e, 'lastContact'),
});

function askRetire(api: Api, tz: string, area: HTMLElement, edge: Edge, reload: () => void): void {
  confirmStep(area, {
    id: 'retire-confirm', question: `Retire edge ${edge.edgeId} of ${edge.merchantId}?`,
    consequences: ['It leaves the slices at once: every other edge’s slice of each student’s allowance grows at its next sync, and this one gets none. ',
      'Approvals it gave for sales made until now still settle as edge-approved when their batches arrive; stop the box afterwards.'],
    confirm: 'Confirm: retire the edge',
    send: async () => {
      const answer = await api.post(`/v1/edges/${encodeURIComponent(edge.edgeId)}/retire`, {});
      reload();
      const r = obj(answer, 'result');
      return [h('div', { class: 'step' }, h('h3', {}, 'Edge retired'), txLine(answer, tz, formatTime),
        h('p', {}, 'Edge ', longId(edge.edgeId), ` retired ${formatTime(num(r, 'retiredAt'), tz)}; ${text(r, 'activeEdges') || '?'} active edges share the slices now.`))];
    },
  });
}

function lastContactCell(e: Edge, tz: string, now: number): string {
  if (e.lastContact === '') return 'never';
  const at = Date.parse(e.lastContact);
  const when = formatTime(at, tz);
  return e.status === 'active' && now - at > SILENT_MS ? `${when} (silent)` : when;
}

/** The operator's edges page. */
export function edgePages(api: Api, me: Me): Pages {
  const tz = me.campusTimeZone;
  return {
    edges: { title: 'Edges', render: (root) => {
      const area = h('div', { class: 'desk', 'aria-live': 'polite' });
      const table = h('div', {});
      const reload = (): void => {
        void into(table, async () => {
          const rows = list(await api.get('/v1/edges'), 'edges').map(edgeOf);
          const now = Date.now();
          return [rows.length === 0 ? nothingYet('No edge is registered.') : searchableTable({ id: 'edges-search', label: 'Find edge or merchant', key: (e: Edge) => `${e.edgeId} ${e.merchantId}` }, 'Site edges', [
            { title: 'edge', cell: (e: Edge) => longId(e.edgeId) },
            { title: 'merchant', cell: (e: Edge) => e.merchantId },
            { title: 'status', cell: (e: Edge) => (e.status === 'retired' && Number.isFinite(e.retiredAt) ? `retired ${formatTime(e.retiredAt, tz)}` : e.status) },
            { title: 'last contact', cell: (e: Edge) => lastContactCell(e, tz, now) },
            { title: '', cell: (e: Edge) => (e.status === 'active' ? h('button', { type: 'button', 'aria-label': `Retire ${e.edgeId}`, onclick: () => { askRetire(api, tz, area, e, reload); } }, 'Retire…') : '') },
          ], rows)];
        });
      };
      root.replaceChildren(
        h('p', { class: 'lead' }, 'Each student’s offline allowance is divided among the active edges; retire the edge of a site that closed so the others’ slices grow back. Last contact is each edge’s last sync with this organisation’s gateways.'),
        area, h('section', { 'aria-labelledby': 'edges-h' }, h('h2', { id: 'edges-h' }, 'Site edges'), table));
      reload();
    } },
  };
}
