import { Amount } from '@dol/chaincode';
import { Journal, OfflineTerminal, memoryJournalStore, parseDenyList, parseFaceAgreements, parseOfflineConfig, type DenyList, type Presentation, type SaleChain, type WireRecord } from '@dol/terminal';
import type { GatewayClient } from './gateway-client';
import { merchantOfTerminal, type PlannedSale, type Sale, type Scenario, type Upload } from './scenario';
import type { SiteEdges } from './site-edges';

/** What happened at the stalls during the hour. */
export interface StallReport {
  readonly replays: number;
  /** Replays refused on the spot (the edge had written the code off). */
  readonly replaysStopped: number;
  /** Replays tried while their site's edge was down (or of a code first used then). */
  readonly replaysDuringOutage: number;
  /** Replays the edges could have stopped: their first use was recorded through an edge that was up. */
  readonly replaysStoppable: number;
  /** Other refusals at the stall, by code (a slice exhausted under edgeOverflow 'refuse', ...). */
  readonly refused: Readonly<Record<string, number>>;
  /** Recorded sales by what the edge said: approved within the slice, over it, unreachable. */
  readonly edge: { readonly approved: number; readonly overSlice: number; readonly unreachable: number };
  /** The edge killed mid-rush and restarted (sale indices). */
  readonly outage?: { readonly edgeId: string; readonly from: number; readonly to: number; readonly approvalsBefore: number; readonly approvalsAfterRestart: number };
  /** Round trips of the sales that asked an edge, ms. */
  readonly edgeMs: readonly number[];
}

/** The hour as played: the batches to upload and what the stalls did. */
export interface Rush {
  readonly uploads: readonly Upload[];
  readonly stall: StallReport;
}


async function denyList(api: GatewayClient): Promise<DenyList> {
  return parseDenyList(await api.must('GET', '/v1/deny-list?since=0', 'operator'));
}

function presentationOf(p: PlannedSale): Presentation {
  if (typeof p.credential === 'string') return { medium: p.student.medium === 'tap' || p.student.medium === 'purse' ? p.student.medium : 'code', credential: p.credential };
  return { medium: 'face', account: p.credential.account, score: p.credential.score };
}

/**
 * Plays the hour at the stalls with the reference terminal library: each selling terminal an
 * OfflineTerminal (acceptance engine, journal, and its canteen's edge when there are edges), synced
 * with the centre before the hour, then cut off from it. The two terminals of the injected deny-list
 * cases keep no rules (a vendor's terminal that records what it is shown). With edges, the first
 * canteen's edge is killed at 40 % of the sales and restarted at 60 %. Returns the batches with the
 * upload misbehaviour of the scenario, and what the stalls refused.
 */
export async function playRush(sc: Scenario, api: GatewayClient, edges: SiteEdges | undefined, batchSize: number): Promise<Rush> {
  const { injected } = sc;
  const denyBase = sc.options.denyBase ?? 0;
  const T = sc.terminals.length;
  const legacy = new Set([injected.learnedTerminal, injected.unawareTerminal]);
  const deny = await denyList(api);
  const faces = parseFaceAgreements(await api.must('GET', '/v1/face-agreements', 'operator'));
  const syncedAt = sc.options.now - 3_600_000 - 60_000;
  const offline: (OfflineTerminal | undefined)[] = [];
  for (let t = 0; t < T; t++) {
    const chain: SaleChain | undefined = sc.terminals[t];
    if (chain === undefined || legacy.has(t) || t === T - 1) {
      offline.push(undefined);
      continue;
    }
    const terminal = new OfflineTerminal(chain.terminalId, chain.key, new Journal(memoryJournalStore()), edges?.clientFor(merchantOfTerminal(sc, t)));
    terminal.sync(parseOfflineConfig(await api.must('GET', `/v1/terminals/${chain.terminalId}/offline-config`, 'operator')), deny, syncedAt, faces);
    offline.push(terminal);
  }

  const sales: Sale[][] = sc.terminals.map(() => []);
  const recorded = new Map<PlannedSale, Sale>();
  const refused: Record<string, number> = {};
  const edgeCounts = { approved: 0, overSlice: 0, unreachable: 0 };
  const edgeMs: number[] = [];
  let replaysStopped = 0;
  let replaysDuringOutage = 0;
  let replaysStoppable = 0;
  const from = Math.floor(sc.rush.length * 0.4);
  const to = Math.floor(sc.rush.length * 0.6);
  let approvalsBefore = 0;
  let down = false;
  const decidedAlone = new Set<PlannedSale>();
  for (let i = 0; i < sc.rush.length; i++) {
    if (edges !== undefined && i === from) {
      approvalsBefore = edges.approvals()[0] ?? 0;
      edges.kill(0);
      down = true;
    }
    if (edges !== undefined && i === to) {
      await edges.restart(0);
      down = false;
    }
    const p = sc.rush[i];
    if (p === undefined) continue;
    let record: WireRecord;
    let edge: Sale['edge'];
    const terminal = offline[p.terminal];
    if (terminal === undefined) {
      const chain = sc.terminals[p.terminal];
      if (chain === undefined) throw new Error('bad terminal');
      const version = p.terminal === injected.unawareTerminal ? denyBase : denyBase + 1;
      record = chain.record(p.at, p.amount.toString(), p.student.medium, p.credential, version, undefined, p.tender);
    } else {
      const atFirstSite = merchantOfTerminal(sc, p.terminal) === sc.merchants[0];
      // A replay the edge cannot stop: shown while it is down, or of a code first used while it was down (it never saw it).
      let stoppable = false;
      if (p.replayOf !== undefined && atFirstSite && (down || decidedAlone.has(p.replayOf))) replaysDuringOutage += 1;
      else if (p.replayOf !== undefined && recorded.has(p.replayOf)) {
        replaysStoppable += 1;
        stoppable = true;
      }
      if (down && atFirstSite) decidedAlone.add(p);
      const started = performance.now();
      const result = await terminal.sell(presentationOf(p), Amount.of(p.amount), p.at);
      if (edges !== undefined) edgeMs.push(performance.now() - started);
      if (!result.ok) {
        // A replay refused at the stall for another reason (the certificate's cap already spent there) is stopped all the same.
        if (p.replayOf !== undefined && (result.code === 'ALREADY_USED' || stoppable)) replaysStopped += 1;
        else refused[result.code] = (refused[result.code] ?? 0) + 1;
        continue;
      }
      record = result.record;
      edge = result.edge === 'none' ? undefined : result.edge;
      if (result.edge === 'approved') edgeCounts.approved += 1;
      else if (result.edge === 'over-slice') edgeCounts.overSlice += 1;
      else if (result.edge === 'unreachable') edgeCounts.unreachable += 1;
    }
    // A terminal that keeps no rules of its own records over the certificate's per-payment cap too: the ledger rejects that.
    const overCap = terminal === undefined && p.student.media !== undefined && p.amount > BigInt(p.student.media.fields.capPerPayment);
    const expect: Sale['expect'] = p.student === sc.deniedCard && p.terminal === injected.learnedTerminal ? 'deny-listed' : overCap ? 'over-cap' : 'paid';
    const sale: Sale = { terminal: p.terminal, account: p.student.account, amount: p.amount, record, expect, ...(edge === undefined ? {} : { edge }) };
    sales[p.terminal]?.push(sale);
    recorded.set(p, sale);
    const first = p.replayOf === undefined ? undefined : recorded.get(p.replayOf);
    if (first !== undefined) {
      sale.expect = 'double-spend-pair';
      first.expect = 'double-spend-pair';
    }
  }
  const approvalsAfterRestart = edges?.approvals()[0] ?? 0;

  const uploads: Upload[] = [];
  sc.terminals.forEach((chain, t) => {
    const list = sales[t] ?? [];
    const terminal = offline[t];
    const jwsList: string[] = [];
    const size = t === injected.skippingTerminal ? skippingBatchSize(list.length, batchSize) : batchSize;
    if (terminal === undefined) {
      for (let b = 0; b * size < list.length; b++) jwsList.push(chain.batch(list.slice(b * size, (b + 1) * size).map((s) => s.record)));
    } else {
      terminal.seal(size);
      for (const b of terminal.batches()) jwsList.push(b.jws);
    }
    jwsList.forEach((jws, b) => {
      const chunk = list.slice(b * size, (b + 1) * size);
      // The second batch is held back; the third, uploaded, shows the ledger the gap.
      const skipped = t === injected.skippingTerminal && b === 1 && jwsList.length >= 3;
      if (skipped) for (const s of chunk) s.expect = 'lost';
      uploads.push({ terminal: t, jws, copies: t === injected.tripleTerminal ? 3 : 1, tamperedFirst: t === injected.tamperedTerminal && b === 0, skipped, sales: chunk });
    });
  });
  return {
    uploads,
    stall: {
      replays: sc.rush.filter((p) => p.replayOf !== undefined).length, replaysStopped, replaysDuringOutage, replaysStoppable, refused, edge: edgeCounts, edgeMs,
      ...(edges === undefined ? {} : { outage: { edgeId: edges.edgeId(0), from, to, approvalsBefore, approvalsAfterRestart } }),
    },
  };
}

/**
 * The skipping terminal's batch size: small enough that it seals at least three batches (the
 * second is skipped, the third reveals the gap) whatever the run's batch size and number of
 * sales; with fewer than three sales there is nothing to skip.
 */
export function skippingBatchSize(sales: number, batchSize: number): number {
  return Math.max(1, Math.min(batchSize, Math.floor(sales / 3)));
}

/** The p-th percentile (0..1) of some figures, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}

/** What the stalls did, in a few lines. */
export function formatStall(s: StallReport): string {
  const refused = Object.entries(s.refused).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const lines = [`at the stalls: ${s.replays} screenshot replays, ${s.replaysStopped} stopped there, ${s.replaysDuringOutage} shown while their edge was down (settlement finds those); other refusals: ${refused}`];
  if (s.outage !== undefined) {
    lines.push(`edges: ${s.edge.approved} approved within the slice, ${s.edge.overSlice} over it, ${s.edge.unreachable} decided alone (edge ${s.outage.edgeId} killed at sale ${s.outage.from}, restarted at ${s.outage.to} with ${s.outage.approvalsBefore} approvals kept); ` +
      `a sale's edge round trip p50 ${percentile(s.edgeMs, 0.5).toFixed(2)} ms, p99 ${percentile(s.edgeMs, 0.99).toFixed(2)} ms`);
  }
  return lines.join('\n');
}
