import { Amount, FieldReader, decodeBatch, isJsonObject } from '@dol/chaincode';
import { parseDenyList, parseFaceAgreements, parseOfflineConfig, readOutcome, uploadBatch, type OfflineConfig, type Refusal } from '@dol/terminal';
import type { EdgeNode } from './edge-node';
import { parseSiteTerminals } from './site-terminals';

/** How the edge reaches the centre: the gateway's URL and the edge's own terminal token. */
export interface Centre {
  readonly url: string;
  readonly token: string;
}


async function getJson(centre: Centre, path: string): Promise<unknown> {
  const response = await fetch(`${centre.url}${path}`, { headers: { authorization: `Bearer ${centre.token}` }, signal: AbortSignal.timeout(120_000) });
  const body: unknown = await response.json().catch(() => null);
  if (response.status !== 200) {
    const why = isJsonObject(body) ? `${typeof body.code === 'string' ? body.code : ''} ${typeof body.detail === 'string' ? body.detail : ''}`.trim() : '';
    throw new Error(`the centre answered ${path} with ${response.status}${why === '' ? '' : ` (${why})`}`);
  }
  return body;
}

/** What one sync brought. */
export interface SyncReport {
  readonly denyListVersion: number;
  readonly slices: number;
  readonly sites: number;
  /** The site's terminals the edge now knows (it approves only for them). */
  readonly terminals: number;
}

/**
 * One sync with the centre, while it answers: the site's configuration (policy, issuer keys), the
 * deny list, and this edge's slices of every account's offline allowance with its site's terminals
 * (and their keys). Each is stored before the next is fetched; a failed sync leaves the previous one
 * in force.
 */
export async function syncWithCentre(edge: EdgeNode, centre: Centre): Promise<SyncReport> {
  const raw = await getJson(centre, `/v1/terminals/${edge.edgeId}/offline-config`);
  const config = parseOfflineConfig(raw);
  edge.store.put('config', JSON.stringify(raw));
  const deny = parseDenyList(await getJson(centre, '/v1/deny-list?since=0'));
  edge.setDenyList({ version: deny.version, media: [...deny.media], accounts: [...deny.accounts] });
  // The live agreements, checked and kept as served: the site's face terminals sync them from here.
  const faces = await getJson(centre, '/v1/face-agreements');
  parseFaceAgreements(faces);
  edge.store.put('faces', JSON.stringify(faces));
  let grant: unknown;
  try {
    grant = await getJson(centre, `/v1/edges/${edge.edgeId}/allowances`);
  } catch (error) {
    // Retired or revoked: the other edges' slices have grown by this one's, so it must stop
    // approving at once, not go on from its last slices (its site's terminals then decide alone).
    if (error instanceof Error && /\(TERMINAL_REVOKED\b/.test(error.message)) {
      edge.setSiteTerminals([]);
      edge.store.grant([]);
    }
    throw error;
  }
  const g = FieldReader.of(grant, 'allowances', ['edgeId', 'sites', 'asOf', 'allowances', 'terminals']);
  // The site's terminals and their keys: only they may ask this edge for approvals.
  const terminals = parseSiteTerminals(g.raw('terminals'));
  edge.setSiteTerminals(terminals);
  const list = g.raw('allowances');
  const slices: [string, bigint][] = Array.isArray(list)
    ? list.map((pair) => (Array.isArray(pair) && typeof pair[0] === 'string' ? [pair[0], BigInt(Amount.parse(pair[1]).toString())] : ['', 0n]))
    : [];
  edge.store.grant(slices.filter(([a]) => a !== ''));
  return { denyListVersion: config.denyListVersion, slices: slices.length, sites: g.int('sites'), terminals: terminals.length };
}

/** The site configuration the edge last synced, as its terminals fetch it. */
export function siteConfig(edge: EdgeNode): OfflineConfig | undefined {
  const saved = edge.store.get('config');
  return saved === undefined ? undefined : parseOfflineConfig(JSON.parse(saved));
}

/**
 * Forwards every stored batch the centre has not accepted yet, oldest first, then reads back the
 * ones accepted and not yet settled: once settled, the approvals in them are marked so (the next
 * grant no longer counts them as pending). Exactly once is the ledger's: the same batch again is
 * the same receipt. A refusal is returned with the centre's code and detail, for the caller to log.
 */
export async function forwardToCentre(edge: EdgeNode, centre: Centre): Promise<{ forwarded: number; settled: number; refused: Refusal[] }> {
  let forwarded = 0;
  let settled = 0;
  const refused: Refusal[] = [];
  for (const entry of edge.store.outbox('unforwarded')) {
    const result = await uploadBatch({ url: centre.url }, entry.jws, { baseMs: 200, maxMs: 2000, attempts: 2 });
    // A refusal is final: the centre will never take these bytes; keep it out of the queue, with the reason logged by the caller.
    edge.store.markOutbox(entry.id, 'forwarded');
    if (result.kind === 'accepted') forwarded += 1;
    else refused.push({ status: result.status, code: result.code, detail: result.detail });
  }
  for (const entry of edge.store.outbox('unsettled')) {
    const outcome = await readOutcome({ url: centre.url, token: centre.token }, entry.receipt).catch(() => undefined);
    if (outcome?.status !== 'settled') continue;
    const approvals = decodeBatch(entry.jws).records.flatMap((r) => (r.edge?.status === 'approved' ? [r.edge.approval] : []));
    edge.store.markSettled(approvals);
    edge.store.markOutbox(entry.id, 'settled');
    settled += 1;
  }
  return { forwarded, settled, refused };
}
