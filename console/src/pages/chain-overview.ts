/** The batch chains at a glance: which terminals' chains have gaps, forks or breaks, before one chain is opened. */
import { list, num, obj, text, type Api } from '../api.js';
import { h, nothingYet, pagedTable } from '../ui.js';

/** What one terminal's chain holds that an auditor must look at. */
interface ChainHealth {
  readonly terminalId: string;
  readonly batches: number;
  readonly gaps: number;
  readonly forks: number;
  readonly breaks: number;
  readonly conflicts: number;
  readonly repeats: number;
}

/** Counts one chain's anomalies, as the ledger recorded them on each batch (GET /v1/terminals/{id}/batches). */
function healthOf(terminalId: string, entries: readonly unknown[]): ChainHealth {
  const seen = new Set<number>();
  let [gaps, forks, breaks, conflicts, repeats] = [0, 0, 0, 0, 0];
  for (const e of entries) {
    const seq = num(e, 'batchSeq');
    if (seen.has(seq)) repeats += 1;
    seen.add(seq);
    const anomalies = list(e, 'anomalies');
    // A batch whose records forked counts once, whether the ledger said so in its counts, its anomalies or both.
    if (Number(obj(e, 'counts').fork ?? 0) > 0 && !anomalies.some((a) => text(a, 'kind') === 'fork')) forks += 1;
    for (const a of anomalies) {
      const kind = text(a, 'kind');
      if (kind === 'gap') gaps += 1;
      else if (kind === 'fork') forks += 1;
      else if (kind === 'conflict') conflicts += 1;
      else breaks += 1; // chain-break, out-of-balance: the chain does not hold together
    }
  }
  return { terminalId, batches: entries.length, gaps, forks, breaks, conflicts, repeats };
}

const clean = (c: ChainHealth): boolean => c.gaps + c.forks + c.breaks + c.conflicts + c.repeats === 0;

/**
 * A summary table above the chips: every terminal whose chain needs a look, with how many gaps,
 * forks and breaks it has, and a line saying how many chains are whole.
 */
export async function chainOverview(api: Api, terminals: readonly unknown[]): Promise<HTMLElement> {
  const ids = terminals.map((t) => text(t, 'terminalId'));
  const chains = await Promise.all(ids.map(async (id) => healthOf(id, list(await api.get(`/v1/terminals/${encodeURIComponent(id)}/batches`)))));
  const flagged = chains.filter((c) => !clean(c));
  const count = (n: number): string => (n === 0 ? '—' : String(n));
  return h('section', { 'aria-labelledby': 'chains-h', 'data-testid': 'chain-overview' },
    h('h2', { id: 'chains-h' }, 'Overview'),
    h('p', { class: flagged.length === 0 ? 'ok' : 'bad', 'data-testid': 'chain-summary' },
      `${String(chains.length - flagged.length)} of ${String(chains.length)} terminals' chains are whole; ${String(flagged.length)} ${flagged.length === 1 ? 'has' : 'have'} gaps, forks or breaks.`),
    flagged.length === 0 ? nothingYet('No gaps, forks or breaks in any chain.') : pagedTable('Chains with gaps, forks or breaks', [
      { title: 'terminal', cell: (c: ChainHealth) => c.terminalId },
      { title: 'batches', numeric: true, cell: (c: ChainHealth) => String(c.batches) },
      { title: 'gaps', numeric: true, cell: (c: ChainHealth) => count(c.gaps) },
      { title: 'forks', numeric: true, cell: (c: ChainHealth) => count(c.forks) },
      { title: 'breaks', numeric: true, cell: (c: ChainHealth) => count(c.breaks) },
      { title: 'conflicts', numeric: true, cell: (c: ChainHealth) => count(c.conflicts) },
      { title: 'repeated uploads', numeric: true, cell: (c: ChainHealth) => count(c.repeats) },
    ], flagged, 10));
}
