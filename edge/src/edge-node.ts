import { decodeBatch } from '@dol/chaincode';
import { signJws, type ApprovalRequest, type SigningKey } from '@dol/terminal';
import type { EdgeStore } from './edge-store';
import { SiteTerminals, parseSiteTerminals, type RequestRefusal, type SiteTerminal } from './site-terminals';

/** What the edge answers a terminal. */
export type ApprovalAnswer =
  | { readonly ok: true; readonly approval: string; readonly withinSlice: boolean }
  | { readonly ok: false; readonly code: 'ALREADY_USED' | 'OVER_SLICE' | 'DENY_LISTED' | RequestRefusal; readonly message: string };

/** The deny list as the edge holds it for its site. */
export interface SiteDenyList {
  readonly version: number;
  readonly media: readonly string[];
  readonly accounts: readonly string[];
}

/**
 * The site edge's decisions (docs/edge.md): a code or tap is written off once across the site's
 * terminals, a sale is spent from the student's escrowed slice, and each approval is signed with
 * the edge's own key (registered on the ledger as an edge) so the record carries the evidence. Every
 * approval is durable before it is answered.
 */
export class EdgeNode {
  private deny = { version: 0, media: new Set<string>(), accounts: new Set<string>() };
  private site = new SiteTerminals([]);
  private readonly waiting: { req: ApprovalRequest; resolve: (a: ApprovalAnswer) => void; reject: (e: unknown) => void }[] = [];

  constructor(
    readonly edgeId: string,
    private readonly key: SigningKey,
    readonly store: EdgeStore,
    /** What a sale beyond the slice becomes: refused, or approved as a flagged advance. */
    private overflow: () => 'refuse' | 'advance',
  ) {
    const saved = store.get('deny');
    if (saved !== undefined) this.setDenyList(JSON.parse(saved) as SiteDenyList);
    const terminals = store.get('terminals');
    if (terminals !== undefined) this.site = new SiteTerminals(parseSiteTerminals(JSON.parse(terminals)));
  }

  /** Replaces the site's terminals and their keys (after a sync with the centre): only they may ask for approvals. */
  setSiteTerminals(list: readonly SiteTerminal[]): void {
    this.site = new SiteTerminals(list);
    this.store.put('terminals', JSON.stringify(list));
  }

  /** How many terminals of its site the edge knows. */
  siteTerminals(): number {
    return this.site.size;
  }

  /** Replaces the deny list (after a sync with the centre). */
  setDenyList(list: SiteDenyList): void {
    this.deny = { version: list.version, media: new Set(list.media), accounts: new Set(list.accounts) };
    this.store.put('deny', JSON.stringify(list));
  }

  /** The deny list the edge holds. */
  denyList(): SiteDenyList {
    return { version: this.deny.version, media: [...this.deny.media], accounts: [...this.deny.accounts] };
  }

  /**
   * Approves or refuses one sale. Requests that arrive together are decided in one SQLite
   * transaction, in arrival order, and answered only once it is on disk (group commit: one fsync for
   * many approvals, so a busy site does not queue behind the disk one sale at a time).
   */
  approve(body: unknown): Promise<ApprovalAnswer> {
    // Only a terminal of this site, signing with its registered key, is heard (docs/edge.md, "Who may ask").
    const opened = this.site.open(body);
    if (!opened.ok) return Promise.resolve(opened);
    const req = opened.req;
    if (this.deny.accounts.has(req.account) || (req.medium !== 'face' && this.deny.media.has(req.payer))) {
      return Promise.resolve({ ok: false, code: 'DENY_LISTED', message: `${req.payer} is on the deny list (version ${this.deny.version})` });
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ req, resolve, reject });
      if (this.waiting.length === 1) setImmediate(() => {
        this.commitWaiting();
      });
    });
  }

  private commitWaiting(): void {
    const group = this.waiting.splice(0);
    let answers: ApprovalAnswer[];
    try {
      answers = this.store.transaction(() => group.map((w) => this.decide(w.req)));
    } catch (error) {
      for (const w of group) w.reject(error);
      return;
    }
    group.forEach((w, i) => {
      const answer = answers[i];
      if (answer === undefined) w.reject(new Error('no answer'));
      else w.resolve(answer);
    });
  }

  /** One sale, inside the group's transaction: it sees the writes of the sales before it. */
  private decide(req: ApprovalRequest): ApprovalAnswer {
    const store = this.store;
    // A face has no counter: each face sale is its own, kept under its terminal and time; codes and
    // taps are written off by (medium, ctr). A request sent twice (a retry, a replay) is refused the second time.
    const payer = req.medium === 'face' ? `face:${req.terminalId}:${req.at}` : req.payer;
    const used = store.writeOff(payer, req.medium === 'face' ? 0 : req.ctr);
    if (used !== undefined) return { ok: false, code: 'ALREADY_USED', message: `${req.payer} counter ${req.ctr} was used at ${used.terminalId}` };
    const slice = store.remaining(req.account);
    const remaining = slice ?? 0n;
    const amount = BigInt(req.amount.toString());
    const withinSlice = amount <= remaining;
    if (!withinSlice && this.overflow() === 'refuse') return { ok: false, code: 'OVER_SLICE', message: `${req.account} has ${remaining} left of its slice at this site` };
    const approval = signJws(this.key, {
      typ: 'edge-approval', v: 1, edgeId: this.edgeId, terminalId: req.terminalId, payer: req.medium === 'face' ? req.account : req.payer,
      ctr: req.medium === 'face' ? 0 : req.ctr, amount: req.amount.toString(), iat: req.at, withinSlice,
    }, { kid: this.edgeId });
    store.putWriteOff({ payer, ctr: req.medium === 'face' ? 0 : req.ctr, terminalId: req.terminalId, account: req.account, amount: amount.toString(), at: req.at, approval });
    if (slice !== undefined) store.setRemaining(req.account, withinSlice ? remaining - amount : 0n);
    return { ok: true, approval, withinSlice };
  }

  /** Keeps a terminal's batch for forwarding (store and forward); returns its receipt (the payload digest, as the centre's). */
  enqueue(jws: unknown): { receipt: string } {
    const batch = decodeBatch(jws);
    return { receipt: this.store.enqueue(String(jws), batch.digest).receipt };
  }
}
