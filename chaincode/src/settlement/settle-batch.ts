import { Amount } from '../core/amount';
import type { Batch } from '../core/batch';
import type { EdgeFinding } from '../core/edge-approval';
import { assertNever, type LedgerRejectReason, type RejectReason } from '../core/errors';
import type { AccountId, Digest, MediaId, MerchantId, TerminalId } from '../core/ids';
import type { EpochMs } from '../core/time';
import type { MediaPayer, Verdict } from '../core/verify-record';
import type { Funding } from './account';
import { book, posting, type Posting } from './books';
import type { PendingCharge } from './fold';
import { certFinding } from './issuance';
import { payerMedium, type PayerView } from './payer';
import { pointsDue, type PointsPolicy } from './points';
import { purseChargeOf } from './purse-shadow';

/** A terminal as the ledger keeps it, with where its record and batch chains stand. */
export interface TerminalState {
  readonly terminalId: TerminalId;
  readonly merchantId: MerchantId;
  /** `retired`: an edge taken out of service (RetireEdge); its approvals of sales before `retiredAt` still count. */
  readonly status: 'active' | 'revoked' | 'retired';
  /** When an edge was retired (ledger time); set only with status `retired`. */
  readonly retiredAt?: EpochMs;
  /** Highest seq settled so far (0 before the first) and that record's digest. */
  readonly lastSeq: number;
  readonly lastDigest: Digest;
  /** Highest batchSeq accepted so far (0 before the first) and that batch's payload digest. */
  readonly lastBatchSeq: number;
  readonly lastBatchDigest: Digest;
  /** Ledger time the last batch from it settled (absent before the first, and on records older than the field). */
  readonly lastBatchAt?: EpochMs;
}

/**
 * Per-record outcome codes (DESIGN §5). Whether the student's wallet, credit line or an advance
 * paid is no longer an outcome: it is the payment's funding, decided at the fold
 * (docs/settlement.md, "Funding at the fold"); protocol v1's `settled-advance` is gone.
 */
export type OutcomeCode = 'settled' | 'duplicate' | 'conflict' | 'rejected' | 'double-spend';

/** Why a settled payment deserves an auditor's look although it was paid (the fold adds `cap-total-exceeded`). */
export type SettleFlag =
  | 'denied-after-terminal-version' | 'post-closure-referred' | 'account-in-clearance'
  | 'edge-approved' | 'edge-over-slice' | 'edge-unreachable' | 'edge-approval-invalid'
  | 'cert-unrecorded' | 'cert-superseded' | 'cert-revoked' | 'no-agreement';

/** The flag an edge finding puts on a paid record (edge extension, docs/edge.md). */
export function edgeFlag(finding: EdgeFinding): SettleFlag {
  switch (finding) {
    case 'approved': return 'edge-approved';
    case 'approved-over-slice': return 'edge-over-slice';
    case 'unreachable': return 'edge-unreachable';
    case 'invalid': return 'edge-approval-invalid';
    default: return assertNever(finding);
  }
}

/** The outcome of one record. */
export type Outcome =
  | { readonly seq: number; readonly code: 'duplicate' | 'conflict'; readonly paymentId: string }
  | { readonly seq: number; readonly code: 'rejected'; readonly paymentId: string; readonly reason: RejectReason | LedgerRejectReason; readonly message: string }
  | {
      readonly seq: number;
      readonly code: 'settled' | 'double-spend';
      readonly paymentId: string;
      readonly account: AccountId;
      readonly amount: Amount;
      /** `pending` until the fold decides it; decided at once only when the guarantee fund pays a closed account's sale. */
      readonly funding: Funding | 'pending';
      readonly flags: readonly SettleFlag[];
      /** For a double spend: the payment that first used the same (mediaId, ctr), and the case opened. */
      readonly firstPayment?: string;
      readonly caseId?: string;
    };

/** A payment as written to the ledger (also for rejected ones: the terminal's record is evidence). */
export interface PaymentEntry {
  readonly paymentId: string;
  readonly terminalId: TerminalId;
  readonly seq: number;
  readonly digest: Digest;
  readonly at: EpochMs;
  readonly amount: Amount;
  readonly code: OutcomeCode;
  readonly account?: AccountId;
  readonly reason?: string;
  /** What the ledger found of the site edge's part in the sale, when the record names one. */
  readonly edge?: EdgeFinding;
}

/** A double spend to investigate. */
export interface FraudCase {
  readonly caseId: string;
  readonly mediaId: MediaId;
  readonly ctr: number;
  readonly account: AccountId;
  readonly payments: readonly [string, string];
  /** `purse-clone`: two different purchases under one purse counter, a cloned card (absent: a double spend of a code or tap). */
  readonly kind?: 'purse-clone';
}

/** Something about the terminal's chains an auditor must see; settlement goes on regardless. */
export interface ChainAnomaly {
  readonly kind: 'gap' | 'chain-break' | 'fork' | 'out-of-balance' | 'conflict';
  readonly detail: string;
}

/** Names one use of a medium's counter (`use/<mediaId>/<ctr>` on the ledger). */
export const useKeyOf = (mediaId: MediaId, ctr: number): string => `${mediaId}/${ctr}`;

/**
 * What a counter's use stores: the payment's id, and for a purse purchase also the hash of what
 * the card signed (`<paymentId>#<hash>`), so that the same purchase uploaded again is told from a
 * clone's different purchase under the same counter.
 */
export const useValueOf = (paymentId: string, purseHash?: string): string => (purseHash === undefined ? paymentId : `${paymentId}#${purseHash}`);
export const useOf = (value: string): { paymentId: string; purseHash?: string } => {
  const i = value.indexOf('#');
  return i < 0 ? { paymentId: value } : { paymentId: value.slice(0, i), purseHash: value.slice(i + 1) };
};

/** Everything settlement needs from the ledger, read once per batch. Never the payer's balances. */
export interface SettlementInput {
  readonly batch: Batch;
  /** Stateless verdicts, one per record, in order (verifyRecord). */
  readonly verdicts: readonly Verdict[];
  readonly terminal: TerminalState;
  /** Digests of payments already on the ledger for this terminal, by seq (at least the batch's seqs). */
  readonly existing: ReadonlyMap<number, Digest>;
  /** Every payer a verdict names; undefined for unknown accounts. */
  readonly payers: ReadonlyMap<AccountId, PayerView | undefined>;
  /** The payment that used each counter the batch's media records name (useKeyOf), undefined when unused. */
  readonly uses: ReadonlyMap<string, string | undefined>;
  /** Media found double-spent earlier in this transaction, whose denial awaits its deny-list version. */
  readonly pendingDenials: ReadonlySet<MediaId>;
  /** Transaction id: makes fraud case ids unique and deterministic. */
  readonly txId: string;
  /** Ledger time (transaction timestamp). */
  readonly now: EpochMs;
  /** Version of the points policy current now; none means no points are issued. */
  readonly pointsVersion?: number;
  /** The points policy current now: its redemption rate prices sales paid in points (campus-value extension). */
  readonly pointsPolicy?: PointsPolicy;
}

/** A medium found double-spent: its denial, to be given a deny-list version by PublishDenials. */
export interface PendingDenial {
  readonly mediaId: MediaId;
  readonly account: AccountId;
  readonly caseId: string;
}

/** What settlement decided: outcomes to report and everything to write. */
export interface SettlementResult {
  readonly outcomes: readonly Outcome[];
  readonly payments: readonly PaymentEntry[];
  readonly postings: readonly Posting[];
  /** Charges awaiting funding, one per paid record (not for a closed account's referred sale). */
  readonly charges: readonly PendingCharge[];
  /** Counters used by this batch (useKeyOf → payment id). */
  readonly uses: ReadonlyMap<string, string>;
  readonly terminal: TerminalState;
  readonly fraudCases: readonly FraudCase[];
  readonly denials: readonly PendingDenial[];
  readonly anomalies: readonly ChainAnomaly[];
}

/** Stable id of a payment: (terminalId, seq). */
export const paymentIdOf = (terminalId: TerminalId, seq: number): string => `${terminalId}:${seq}`;

function chainAnomalies(batch: Batch, terminal: TerminalState): ChainAnomaly[] {
  const out: ChainAnomaly[] = batch.anomalies.map((kind) => ({ kind, detail: `within batch ${batch.batchSeq}` }));
  if (batch.batchSeq === terminal.lastBatchSeq + 1) {
    if (batch.prevBatch !== terminal.lastBatchDigest) out.push({ kind: 'fork', detail: `batch ${batch.batchSeq} does not follow the last accepted batch` });
  } else if (batch.batchSeq > terminal.lastBatchSeq + 1) {
    out.push({ kind: 'gap', detail: `batches ${terminal.lastBatchSeq + 1}..${batch.batchSeq - 1} never arrived` });
  } else if (batch.digest !== terminal.lastBatchDigest || batch.batchSeq !== terminal.lastBatchSeq) {
    out.push({ kind: 'fork', detail: `batch ${batch.batchSeq} arrived again after batch ${terminal.lastBatchSeq}` });
  }
  const first = batch.records[0];
  if (first !== undefined && first.seq > terminal.lastSeq + 1) {
    out.push({ kind: 'gap', detail: `records ${terminal.lastSeq + 1}..${first.seq - 1} never arrived` });
  } else if (first !== undefined && first.seq === terminal.lastSeq + 1 && first.prev !== terminal.lastDigest) {
    out.push({ kind: 'chain-break', detail: `record ${first.seq} does not chain to record ${terminal.lastSeq}` });
  }
  return out;
}

/**
 * Settles one verified batch record by record, in order, deterministically (DESIGN §5). Pure: it
 * reads only its input and returns what to write; the contract does the I/O.
 */
export function settleBatch(input: SettlementInput): SettlementResult {
  const { batch, terminal } = input;
  const merchantBook = book.merchant(terminal.merchantId);
  const outcomes: Outcome[] = [];
  const payments: PaymentEntry[] = [];
  const postings: Posting[] = [];
  const charges: PendingCharge[] = [];
  const uses = new Map<string, string>();
  const fraudCases: FraudCase[] = [];
  const denials: PendingDenial[] = [];
  const denying = new Set<MediaId>(input.pendingDenials);
  const conflicts: number[] = [];
  let lastSeq = terminal.lastSeq;
  let lastDigest = terminal.lastDigest;

  batch.records.forEach((record, i) => {
    const paymentId = paymentIdOf(batch.terminalId, record.seq);
    const entry = (code: OutcomeCode, extra: Partial<PaymentEntry> = {}): void => {
      payments.push({ paymentId, terminalId: batch.terminalId, seq: record.seq, digest: record.digest, at: record.at, amount: record.amount, code, ...extra });
    };
    const known = input.existing.get(record.seq);
    if (known !== undefined) {
      outcomes.push({ seq: record.seq, code: known === record.digest ? 'duplicate' : 'conflict', paymentId });
      if (known !== record.digest) conflicts.push(record.seq);
      return;
    }
    if (record.seq > lastSeq) {
      lastSeq = record.seq;
      lastDigest = record.digest;
    }
    const reject = (reason: RejectReason | LedgerRejectReason, message: string): void => {
      outcomes.push({ seq: record.seq, code: 'rejected', paymentId, reason, message });
      entry('rejected', { reason });
    };
    const verdict = input.verdicts[i];
    if (verdict === undefined) throw new Error(`no verdict for record ${i}`);
    if (!verdict.ok) {
      reject(verdict.reason, verdict.message);
      return;
    }
    const payer = input.payers.get(verdict.payer.account);
    if (payer === undefined) {
      reject('UNKNOWN_ACCOUNT', `account ${verdict.payer.account} is not registered`);
      return;
    }
    // A sale paid in points is priced by the policy current at settlement; without a redemption rate, points buy nothing.
    const due = record.tender === 'points' ? pointsDue(input.pointsPolicy, record.amount) : undefined;
    if (record.tender === 'points' && due === undefined) {
      reject('POINTS_NOT_REDEEMABLE', 'the points policy sets no redemption rate: points cannot be spent');
      return;
    }
    const flags: SettleFlag[] = verdict.edge === undefined ? [] : [edgeFlag(verdict.edge)];
    const medium: MediaPayer | undefined = verdict.payer.kind === 'media' ? verdict.payer : undefined;
    const state = medium === undefined ? undefined : payerMedium(payer, medium.mediaId);
    // Liability shift: a denial the terminal already knew of is the merchant's loss.
    const deniedAt = Math.min(payer.deniedAt ?? Infinity, state?.deniedAt ?? Infinity);
    if (deniedAt <= record.denyListVersion) {
      reject('DENY_LISTED', `payer deny-listed at version ${deniedAt}, terminal had version ${record.denyListVersion}`);
      return;
    }
    // A denial not yet published has no version, so no terminal can have had it: flagged, not refused.
    if (deniedAt !== Infinity || (medium !== undefined && denying.has(medium.mediaId))) flags.push('denied-after-terminal-version');
    if (payer.status === 'clearing') flags.push('account-in-clearance');
    // The issuing side's evidence (docs/wallet.md): a certificate the issuer service never recorded,
    // or one a refresh or a loss report had replaced; a face sale without a live agreement.
    const finding = medium === undefined ? undefined : certFinding(state, medium.cert);
    if (finding !== undefined) flags.push(finding);
    if (medium === undefined && !payer.agreementLive) flags.push('no-agreement');

    let code: 'settled' | 'double-spend' = 'settled';
    let firstPayment: string | undefined;
    let caseId: string | undefined;
    if (medium !== undefined) {
      const useKey = useKeyOf(medium.mediaId, medium.ctr);
      const priorUse = uses.get(useKey) ?? input.uses.get(useKey);
      const prior = priorUse === undefined ? undefined : useOf(priorUse);
      if (prior !== undefined && medium.purse !== undefined && prior.purseHash === medium.purse.hash) {
        // The same purse purchase again (a torn tap recovered twice, an upload repeated in another
        // record): it was paid once; this record is a duplicate of that payment.
        outcomes.push({ seq: record.seq, code: 'duplicate', paymentId: prior.paymentId });
        entry('duplicate', { account: payer.id });
        return;
      }
      if (prior !== undefined) {
        // A second use of a counter: a double spend, or, for a purse, a clone (the same counter, other bytes).
        code = 'double-spend';
        firstPayment = prior.paymentId;
        caseId = `${input.txId}:${fraudCases.length}`;
        fraudCases.push({ caseId, mediaId: medium.mediaId, ctr: medium.ctr, account: payer.id, payments: [prior.paymentId, paymentId], ...(medium.purse === undefined ? {} : { kind: 'purse-clone' as const }) });
        if (state?.deniedAt === undefined && !denying.has(medium.mediaId)) {
          denying.add(medium.mediaId);
          denials.push({ mediaId: medium.mediaId, account: payer.id, caseId });
        }
      } else {
        uses.set(useKey, useValueOf(paymentId, medium.purse?.hash));
      }
    }

    let funding: Funding | 'pending' = 'pending';
    if (payer.status === 'closed') {
      // After closure nobody can be charged: the guarantee fund pays and the sale is referred.
      postings.push(posting(book.guaranteeFund, merchantBook, record.amount, paymentId));
      funding = { wallet: Amount.ZERO, credit: Amount.ZERO, advance: record.amount };
      flags.push('post-closure-referred');
    } else {
      postings.push(posting(book.chargesPending, merchantBook, record.amount, paymentId));
      charges.push({
        paymentId, account: payer.id, merchantId: terminal.merchantId, amount: record.amount, at: record.at, settledAt: input.now,
        doubleSpend: code === 'double-spend',
        ...(medium === undefined || medium.purse !== undefined ? {} : { medium: { mediaId: medium.mediaId, certKey: String(medium.cert.ctrFrom), capTotal: medium.cert.capTotal } }),
        ...(medium?.purse === undefined ? {} : { purse: purseChargeOf(medium.purse.purchase, medium.purse.hash) }),
        ...(input.pointsVersion === undefined ? {} : { pointsVersion: input.pointsVersion }),
        ...(due === undefined ? {} : { pointsDue: due }),
      });
    }
    outcomes.push({
      seq: record.seq, code, paymentId, account: payer.id, amount: record.amount, funding, flags,
      ...(firstPayment === undefined ? {} : { firstPayment }), ...(caseId === undefined ? {} : { caseId }),
    });
    entry(code, { account: payer.id, ...(verdict.edge === undefined ? {} : { edge: verdict.edge }) });
  });

  return {
    outcomes, payments, postings, charges, uses, fraudCases, denials,
    anomalies: [
      ...chainAnomalies(batch, terminal),
      ...conflicts.map((seq): ChainAnomaly => ({ kind: 'conflict', detail: `record ${seq} differs from the one already settled` })),
    ],
    terminal: {
      ...terminal, lastSeq, lastDigest, lastBatchAt: input.now,
      ...(batch.batchSeq > terminal.lastBatchSeq ? { lastBatchSeq: batch.batchSeq, lastBatchDigest: batch.digest } : {}),
    },
  };
}

/** Counts outcomes by code, for the batch's summary event. */
export function countOutcomes(outcomes: readonly Outcome[]): Record<OutcomeCode, number> {
  const counts: Record<OutcomeCode, number> = { settled: 0, duplicate: 0, conflict: 0, rejected: 0, 'double-spend': 0 };
  for (const o of outcomes) {
    switch (o.code) {
      case 'settled': case 'duplicate': case 'conflict': case 'rejected': case 'double-spend':
        counts[o.code] += 1;
        break;
      default:
        assertNever(o);
    }
  }
  return counts;
}
