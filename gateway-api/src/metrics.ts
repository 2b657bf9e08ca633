import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one gateway process (served at /metrics). */
export interface Metrics {
  readonly registry: Registry;
  readonly intakeDepth: Gauge;
  readonly submitSeconds: Histogram;
  readonly outcomes: Counter<'code'>;
  readonly refusals: Counter<'code'>;
  readonly retries: Counter<'failure'>;
  /** FoldCharges transactions ended: committed, or refused by the contract. */
  readonly folds: Counter<'outcome'>;
  readonly chargesFolded: Counter;
  readonly foldRetries: Counter<'failure'>;
  /** PublishDenials transactions ended: committed, or refused by the contract. */
  readonly denialPublications: Counter<'outcome'>;
  readonly requests: Counter<'route' | 'status'>;
  readonly authFailures: Counter;
  readonly authThrottled: Counter;
}

/** A fresh registry, so tests and processes never share counters. */
export function createMetrics(depth: () => Promise<number>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    intakeDepth: new Gauge({
      name: 'dol_intake_depth', help: 'Batches acknowledged and not yet settled or refused', registers: [registry],
      async collect() {
        this.set(await depth());
      },
    }),
    submitSeconds: new Histogram({ name: 'dol_submit_seconds', help: 'Time to settle one batch on the ledger', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers: [registry] }),
    outcomes: new Counter({ name: 'dol_record_outcomes_total', help: 'Settled records by outcome code', labelNames: ['code'], registers: [registry] }),
    refusals: new Counter({ name: 'dol_batch_refusals_total', help: 'Batches refused by the ledger, by code', labelNames: ['code'], registers: [registry] }),
    retries: new Counter({ name: 'dol_batch_retries_total', help: 'Batch submissions to be retried, by failure', labelNames: ['failure'], registers: [registry] }),
    folds: new Counter({ name: 'dol_folds_total', help: 'FoldCharges transactions ended, by outcome (committed, refused)', labelNames: ['outcome'], registers: [registry] }),
    chargesFolded: new Counter({ name: 'dol_charges_folded_total', help: 'Charges awaiting funding that folds funded (charges a top-up or another gateway folded first are not counted)', registers: [registry] }),
    foldRetries: new Counter({ name: 'dol_fold_retries_total', help: 'FoldCharges transactions to be retried, by failure (retryable: MVCC conflicts with another fold or a top-up, unavailable)', labelNames: ['failure'], registers: [registry] }),
    denialPublications: new Counter({ name: 'dol_denial_publications_total', help: 'PublishDenials transactions ended, by outcome (committed, refused)', labelNames: ['outcome'], registers: [registry] }),
    requests: new Counter({ name: 'dol_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [registry] }),
    authFailures: new Counter({ name: 'dol_auth_failures_total', help: 'Requests refused 401: no valid bearer credential', registers: [registry] }),
    authThrottled: new Counter({ name: 'dol_auth_throttled_total', help: 'Requests refused 429: too many failed authentications from their address', registers: [registry] }),
  };
}
