/** How long a proposal waits at most for a lagging endorser, and how often it asks. */
export interface HeightWait {
  readonly maxWaitMs: number;
  readonly pollMs: number;
}

export const DEFAULT_HEIGHT_WAIT: HeightWait = { maxWaitMs: 10_000, pollMs: 20 };

/**
 * Keeps proposals from reaching another organisation's endorser before it has the blocks our own
 * peer has. Fabric's gateway endorses on its own organisation's peer first, then on the others'.
 * A proposal that depends on a block just committed (a fold names the charges a group settled a
 * moment ago; a terminal's next batch follows its last one) is simulated differently by a peer
 * that has not committed that block yet, and the whole endorsement is aborted ("failed to collect
 * enough transaction endorsements") and must be simulated again on both. In the 30,000-student
 * burst on two cores most folds were, each costing two full simulations and a backoff.
 *
 * So once an organisation's endorser has disagreed with ours, every proposal first waits until
 * that endorser's ledger is as high as our peer's was when the proposal started: a condition, with
 * a bound (past it the proposal goes anyway and a disagreement is retried as before). Heights are
 * asked of the peers (qscc GetChainInfo), one question per organisation in flight, shared by every
 * proposal waiting.
 */
export class EndorserHeights {
  private readonly laggards = new Set<string>();
  private readonly asking = new Map<string, Promise<bigint | undefined>>();

  constructor(
    /** The ledger height of the peer of `org`, or of our own organisation's peer when undefined. */
    private readonly heightOf: (org: string | undefined) => Promise<bigint>,
    private readonly wait: HeightWait = DEFAULT_HEIGHT_WAIT,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Organisations whose endorsers disagreed with ours (each waited for from now on). */
  disagreed(orgs: Iterable<string>): void {
    for (const org of orgs) this.laggards.add(org);
  }

  /** The organisations waited for. */
  get lagging(): readonly string[] {
    return [...this.laggards];
  }

  /**
   * Resolves once every organisation known to lag has our peer's height, or when maxWaitMs has
   * passed, or when a height cannot be read (the proposal then goes as it would have). Never rejects.
   */
  async caughtUp(): Promise<void> {
    if (this.laggards.size === 0) return;
    const target = await this.ask(undefined);
    if (target === undefined) return;
    const deadline = Date.now() + this.wait.maxWaitMs;
    for (const org of this.laggards) {
      for (;;) {
        const height = await this.ask(org);
        if (height === undefined || height >= target || Date.now() >= deadline) break;
        await this.sleep(this.wait.pollMs);
      }
    }
  }

  private ask(org: string | undefined): Promise<bigint | undefined> {
    const key = org ?? '';
    const known = this.asking.get(key);
    if (known !== undefined) return known;
    const asked = this.heightOf(org).then((h) => h, () => undefined).finally(() => this.asking.delete(key));
    this.asking.set(key, asked);
    return asked;
  }
}
