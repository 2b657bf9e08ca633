import { Amount } from '../core/amount';
import type { Batch } from '../core/batch';
import type { EdgeFinding } from '../core/edge-approval';
import { assertNever, type LedgerRejectReason, type RejectReason } from '../core/errors';
import type { AccountId, Digest, MediaId, MerchantId, TerminalId } from '../core/ids';
import type { EpochMs } from '../core/time';
import type { MediaPayer, Verdict } from '../core/verify-record';
import { charge, mediumOf, useCounter, withDebtClock, type AccountState, type Funding } from './account';
import { book, posting, type Posting } from './books';
import { certFinding } from './issuance';
import { dayOf, pointsFor, type PointsPolicy } from './points';

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

/** Per-record outcome codes (DESIGN §5). */
export type OutcomeCode = 'settled' | 'settled-advance' | 'duplicate' | 'conflict' | 'rejected' | 'double-spend';

/** Why a settled payment deserves an auditor's look although it was paid. */
export type SettleFlag =
  | 'denied-after-terminal-version' | 'cap-total-exceeded' | 'post-closure-referred' | 'account-in-clearance'
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
      readonly code: 'settled' | 'settled-advance' | 'double-spend';
      readonly paymentId: string;
      readonly account: AccountId;
      readonly amount: Amount;
      readonly funding: Funding;
      readonly flags: readonly SettleFlag[];
      /** Campus points earned (never for a double spend). */
      readonly points: Amount;
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
}

/** Something about the terminal's chains an auditor must see; settlement goes on regardless. */
export interface ChainAnomaly {
  readonly kind: 'gap' | 'chain-break' | 'fork' | 'out-of-balance' | 'conflict';
  readonly detail: string;
}

/** Everything settlement needs from the ledger, read once per batch. */
export interface SettlementInput {
  readonly batch: Batch;
  /** Stateless verdicts, one per record, in order (verifyRecord). */
  readonly verdicts: readonly Verdict[];
  readonly terminal: TerminalState;
  /** Digests of payments already on the ledger for this terminal, by seq (at least the batch's seqs). */
  readonly existing: ReadonlyMap<number, Digest>;
  /** Every account a verdict names; undefined for unknown ones. */
  readonly accounts: ReadonlyMap<AccountId, AccountState | undefined>;
  /** Current deny-list version. */
  readonly denyListVersion: number;
  /** Transaction id: makes fraud case ids unique and deterministic. */
  readonly txId: string;
  /** Ledger time (transaction timestamp): the day for the points cap. */
  readonly now: EpochMs;
  /** Current points policy; none means no points are issued. */
  readonly pointsPolicy?: PointsPolicy;
}

/** What settlement decided: outcomes to report and everything to write. */
export interface SettlementResult {
  readonly outcomes: readonly Outcome[];
  readonly payments: readonly PaymentEntry[];
  readonly postings: readonly Posting[];
  readonly accounts: ReadonlyMap<AccountId, AccountState>;
  readonly terminal: TerminalState;
  readonly fraudCases: readonly FraudCase[];
  /** Deny-list entries added, all at version `denyListVersion`. */
  readonly denied: readonly { readonly kind: 'medium' | 'account'; readonly id: string; readonly reason: string }[];
  readonly denyListVersion: number;
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
  const accounts = new Map<AccountId, AccountState>();
  const accountOf = (id: AccountId): AccountState | undefined => accounts.get(id) ?? input.accounts.get(id);
  const outcomes: Outcome[] = [];
  const payments: PaymentEntry[] = [];
  const postings: Posting[] = [];
  const fraudCases: FraudCase[] = [];
  const denied: { kind: 'medium' | 'account'; id: string; reason: string }[] = [];
  const conflicts: number[] = [];
  let denyListVersion = input.denyListVersion;
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
    const payer = verdict.payer;
    let account = accountOf(payer.account);
    if (account === undefined) {
      reject('UNKNOWN_ACCOUNT', `account ${payer.account} is not registered`);
      return;
    }
    const flags: SettleFlag[] = verdict.edge === undefined ? [] : [edgeFlag(verdict.edge)];
    const medium: MediaPayer | undefined = payer.kind === 'media' ? payer : undefined;
    const state = medium === undefined ? undefined : mediumOf(account, medium.mediaId);
    // Liability shift: a denial the terminal already knew of is the merchant's loss.
    const deniedAt = Math.min(account.deniedAt ?? Infinity, state?.deniedAt ?? Infinity);
    if (deniedAt <= record.denyListVersion) {
      reject('DENY_LISTED', `payer deny-listed at version ${deniedAt}, terminal had version ${record.denyListVersion}`);
      return;
    }
    if (deniedAt !== Infinity) flags.push('denied-after-terminal-version');
    if (account.status === 'clearing') flags.push('account-in-clearance');
    // The issuing side's evidence (docs/wallet.md): a certificate the issuer service never recorded,
    // or one a refresh or a loss report had replaced; a face sale without a live agreement.
    const finding = medium === undefined ? undefined : certFinding(state, medium.cert);
    if (finding !== undefined) flags.push(finding);
    if (medium === undefined && account.agreement?.status !== 'live') flags.push('no-agreement');

    let code: 'settled' | 'settled-advance' | 'double-spend' = 'settled';
    let firstPayment: string | undefined;
    let caseId: string | undefined;
    if (medium !== undefined) {
      const prior = state?.used[String(medium.ctr)];
      if (prior !== undefined) {
        code = 'double-spend';
        firstPayment = prior;
        caseId = `${input.txId}:${fraudCases.length}`;
        fraudCases.push({ caseId, mediaId: medium.mediaId, ctr: medium.ctr, account: account.id, payments: [prior, paymentId] });
        if (state?.deniedAt === undefined) {
          denyListVersion += 1;
          denied.push({ kind: 'medium', id: medium.mediaId, reason: `double spend, case ${caseId}` });
          account = { ...account, media: { ...account.media, [medium.mediaId]: { ...(state ?? { used: {}, spent: {} }), deniedAt: denyListVersion } } };
        }
      } else {
        const certKey = String(medium.cert.ctrFrom);
        const spent = state?.spent[certKey] ?? Amount.ZERO;
        if (spent.add(record.amount).gt(medium.cert.capTotal)) flags.push('cap-total-exceeded');
        account = useCounter(account, medium.mediaId, medium.ctr, certKey, record.amount, paymentId);
      }
    }

    let funding: Funding;
    if (account.status === 'closed') {
      // After closure nobody can be charged: the guarantee fund pays and the sale is referred.
      postings.push(posting(book.guaranteeFund, merchantBook, record.amount, paymentId));
      funding = { wallet: Amount.ZERO, credit: Amount.ZERO, advance: record.amount };
      flags.push('post-closure-referred');
    } else {
      const charged = charge(account, record.amount, merchantBook, paymentId);
      account = withDebtClock(account, charged.account, input.now);
      funding = charged.funding;
      postings.push(...charged.postings);
    }
    if (code === 'settled' && funding.advance.gt(Amount.ZERO)) code = 'settled-advance';
    let points = Amount.ZERO;
    if (input.pointsPolicy !== undefined && code !== 'double-spend' && account.status === 'active') {
      const day = dayOf(input.now);
      const today = account.pointsDay === day ? account.pointsToday : Amount.ZERO;
      points = pointsFor(input.pointsPolicy, terminal.merchantId, record.amount, today);
      if (points.gt(Amount.ZERO)) {
        postings.push(posting(book.pointsIssued, book.points(account.id), points, paymentId));
        account = { ...account, points: account.points.add(points), pointsDay: day, pointsToday: today.add(points) };
      }
    }
    accounts.set(account.id, account);
    outcomes.push({
      seq: record.seq, code, paymentId, account: account.id, amount: record.amount, funding, flags, points,
      ...(firstPayment === undefined ? {} : { firstPayment }), ...(caseId === undefined ? {} : { caseId }),
    });
    entry(code, { account: account.id, ...(verdict.edge === undefined ? {} : { edge: verdict.edge }) });
  });

  return {
    outcomes, payments, postings, accounts, fraudCases, denied, denyListVersion,
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
  const counts: Record<OutcomeCode, number> = { settled: 0, 'settled-advance': 0, duplicate: 0, conflict: 0, rejected: 0, 'double-spend': 0 };
  for (const o of outcomes) {
    switch (o.code) {
      case 'settled': case 'settled-advance': case 'duplicate': case 'conflict': case 'rejected': case 'double-spend':
        counts[o.code] += 1;
        break;
      default:
        assertNever(o);
    }
  }
  return counts;
}
