import { Amount } from '../core/amount';
import { decodeBatch, verifyBatch, type Batch } from '../core/batch';
import { approvalSigner } from '../core/edge-approval';
import { DomainError } from '../core/errors';
import type { AccountId, Digest } from '../core/ids';
import type { IssuerKey } from '../core/issuer-key';
import { parseIssuerKey } from '../core/issuer-key';
import { verifyKeyOf, type VerifyKey } from '../core/jwk';
import type { JsonValue } from '../core/strict-json';
import { verifyRecord, type Verdict } from '../core/verify-record';
import type { MediaId } from '../core/ids';
import { mediumOf, type AccountState } from '../settlement/account';
import { payerOf } from '../settlement/payer';
import { type Posting } from '../settlement/books';
import { merchantCredit } from '../settlement/merchant-credit';
import { edgeServedAt } from '../settlement/allowance';
import type { PayerView } from '../settlement/payer';
import { pointsPolicyFromJson, type PointsPolicy } from '../settlement/points';
import { countOutcomes, settleBatch, useKeyOf, type Outcome, type PaymentEntry } from '../settlement/settle-batch';
import {
  SEQ_CHUNK, accountFromJson, encode, pad, seqChunkFromJson, terminalFromJson, terminalToJson,
  type SeqChunk, type TerminalRecord,
} from './codec';
import { chargeToJson, payerFromJson } from './fold-codec';
import { HOUR_MS, K, entryIdOf, hourKey } from './keys';
import { txTime, type Ledger } from './ledger-records';

/** Most batches one SubmitBatches transaction settles. */
export const MAX_GROUP_BATCHES = 64;

/** One batch's answer in a group: settled (summary and outcomes) or refused whole, with its code. */
export type GroupEntry =
  | { readonly ok: true; readonly summary: BatchSummary; readonly outcomes: readonly Outcome[] }
  | { readonly ok: false; readonly index: number; readonly digest?: Digest; readonly terminalId?: string; readonly batchSeq?: number; readonly error: DomainError };

/** What the ledger keeps of one settled batch besides its outcomes, and what its event says. */
export interface BatchSummary {
  readonly txId: string;
  /** The batch's place among the transaction's batches (its keys' entry id). */
  readonly entry: string;
  readonly terminalId: string;
  readonly batchSeq: number;
  readonly digest: Digest;
  readonly at: number;
  readonly merchantId: string;
  readonly merchantCredit: string;
  readonly counts: Record<string, number>;
  readonly anomalies: readonly { readonly kind: string; readonly detail: string }[];
}

/** The JSON of one outcome, as the terminal reads it back (protocol v1). */
export function outcomeToJson(o: Outcome): JsonValue {
  switch (o.code) {
    case 'duplicate':
    case 'conflict':
      return { seq: o.seq, code: o.code, paymentId: o.paymentId };
    case 'rejected':
      return { seq: o.seq, code: o.code, paymentId: o.paymentId, reason: o.reason, message: o.message };
    default:
      return {
        seq: o.seq, code: o.code, paymentId: o.paymentId, account: o.account, amount: o.amount.toString(), flags: [...o.flags],
        funding: o.funding === 'pending' ? 'pending' : { wallet: o.funding.wallet.toString(), credit: o.funding.credit.toString(), advance: o.funding.advance.toString() },
        ...(o.firstPayment === undefined ? {} : { firstPayment: o.firstPayment }), ...(o.caseId === undefined ? {} : { caseId: o.caseId }),
      };
  }
}

function paymentToJson(p: PaymentEntry): JsonValue {
  return {
    paymentId: p.paymentId, terminalId: p.terminalId, seq: p.seq, digest: p.digest, at: p.at, amount: p.amount.toString(), code: p.code,
    ...(p.account === undefined ? {} : { account: p.account }), ...(p.reason === undefined ? {} : { reason: p.reason }),
    ...(p.edge === undefined ? {} : { edge: p.edge }),
  };
}

/** The JSON of a summary (one per batch in the event and the answer). */
export function summaryToJson(s: BatchSummary): JsonValue {
  return {
    txId: s.txId, ...(s.entry === s.txId ? {} : { entry: s.entry }), terminalId: s.terminalId, batchSeq: s.batchSeq, digest: s.digest, at: s.at,
    merchantId: s.merchantId, merchantCredit: s.merchantCredit, counts: { ...s.counts }, anomalies: s.anomalies.map((a) => ({ ...a })),
  };
}

/** Names the seq chunk a record's seq falls in, within its terminal. */
const chunkKey = (terminalId: string, seq: number): string => `${terminalId}/${Math.floor(seq / SEQ_CHUNK)}`;

interface Decoded {
  readonly index: number;
  readonly batch: Batch;
}

/** The edges whose approvals the batches carry: their keys are read with the terminals'. */
function edgesNamed(decoded: readonly Decoded[]): string[] {
  const ids = new Set<string>();
  for (const { batch } of decoded) for (const r of batch.records) {
    const id = r.edge === undefined ? undefined : approvalSigner(r.edge);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}

const refusal = (index: number, error: DomainError, batch?: Batch): GroupEntry => ({
  ok: false, index, error,
  ...(batch === undefined ? {} : { digest: batch.digest, terminalId: batch.terminalId, batchSeq: batch.batchSeq }),
});

/**
 * Settles a group of batches in one transaction (group commit, docs/settlement.md): every key is
 * read once for the whole group, the batches are settled one after another in the order given,
 * each seeing what the earlier ones did (counters used, media found double-spent, terminals'
 * chains), and every key is written once at the end. Settlement never reads or writes a payer's
 * account: it reads the payer's view (`payer/<id>`) and the counters' uses, and writes the payment,
 * the counter's use and a charge awaiting funding, which a fold funds later ("Funding at the
 * fold"). Groups in flight at the same time therefore collide only on a counter used twice, a
 * genuine double spend. A batch the ledger must refuse whole (malformed, unknown or revoked
 * terminal, bad signature) is answered with its code and writes nothing; the others settle.
 */
export class BatchGroup {
  private readonly txId: string;
  private readonly now: number;
  private readonly terminals = new Map<string, TerminalRecord | undefined>();
  private readonly payers = new Map<AccountId, PayerView | undefined>();
  private readonly uses = new Map<string, string | undefined>();
  private readonly pendingDenials = new Set<MediaId>();
  /** Seq chunks by `<terminalId>/<chunk>` (chunkKey), with what names their ledger key. */
  private readonly chunks = new Map<string, { readonly terminalId: string; readonly chunk: number; readonly seqs: SeqChunk }>();
  private readonly dirtyTerminals = new Set<string>();
  private readonly dirtyChunks = new Set<string>();
  private readonly postings: Posting[] = [];
  private readonly writes: Promise<void>[] = [];

  constructor(private readonly ledger: Ledger) {
    this.txId = ledger.ctx.stub.getTxID();
    this.now = txTime(ledger.ctx);
  }

  /** Settles `jwsList` in order; one entry per batch, in the same order. */
  async settle(jwsList: readonly string[]): Promise<GroupEntry[]> {
    const entries: (GroupEntry | undefined)[] = new Array<GroupEntry | undefined>(jwsList.length).fill(undefined);
    const decoded: Decoded[] = [];
    jwsList.forEach((jws, index) => {
      try {
        decoded.push({ index, batch: decodeBatch(jws) });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        entries[index] = refusal(index, error);
      }
    });
    const [issuers, policy, pointsPolicy] = await Promise.all([
      this.ledger.all(K.issuer, [], parseIssuerKey), this.ledger.riskPolicy(),
      this.ledger.read(K.config, ['points'], pointsPolicyFromJson), this.readTerminals([...decoded.map((d) => d.batch.terminalId), ...edgesNamed(decoded)]),
    ]);
    const edgeKeys = new Map<string, VerifyKey | undefined>();
    // An approval counts only from an edge of the terminal's own site (its merchant) that served at
    // the sale's time: each site spends its own slice of a student's allowance, so another site's edge
    // approves nothing here; a retired edge's approvals of sales before its retirement still count.
    const edgeKeyFor = (merchantId: string) => (id: string, saleAt: number): VerifyKey | undefined => {
      const edge = this.terminals.get(id);
      if (edge?.role !== 'edge' || edge.merchantId !== merchantId || !edgeServedAt(edge, saleAt)) return undefined;
      if (!edgeKeys.has(id)) edgeKeys.set(id, verifyKeyOf(edge.publicKey));
      return edgeKeys.get(id);
    };
    const issuerById = new Map<string, IssuerKey>(issuers.map((k) => [k.keyId, k]));

    // Judge each batch's signature and records before reading the payers they name.
    const judged: { index: number; batch: Batch; verdicts: Verdict[] }[] = [];
    for (const { index, batch } of decoded) {
      try {
        const terminal = this.terminals.get(batch.terminalId);
        if (terminal === undefined) throw new DomainError('UNKNOWN_TERMINAL', `terminal ${batch.terminalId} is not registered`);
        if (terminal.status !== 'active') throw new DomainError('TERMINAL_REVOKED', `terminal ${terminal.terminalId} is revoked`);
        verifyBatch(batch, terminal.publicKey);
        const edgeKey = edgeKeyFor(terminal.merchantId);
        judged.push({ index, batch, verdicts: batch.records.map((record) => verifyRecord(record, { now: this.now, policy, issuerKey: (id) => issuerById.get(id), edgeKey })) });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        entries[index] = refusal(index, error, batch);
      }
    }
    await this.readPayersUsesAndChunks(judged);

    for (const { index, batch, verdicts } of judged) entries[index] = this.settleOne(index, batch, verdicts, pointsPolicy);
    this.flush();
    await Promise.all(this.writes);
    return entries.map((e, i) => {
      if (e === undefined) throw new Error(`batch ${i} has no answer`);
      return e;
    });
  }

  private async readTerminals(ids: readonly string[]): Promise<void> {
    const unique = [...new Set(ids)];
    const found = await Promise.all(unique.map((id) => this.ledger.read(K.terminal, [id], terminalFromJson)));
    unique.forEach((id, i) => this.terminals.set(id, found[i]));
  }

  private async readPayersUsesAndChunks(judged: readonly { batch: Batch; verdicts: readonly Verdict[] }[]): Promise<void> {
    const chunkKeys = new Map<string, { terminalId: string; chunk: number }>();
    const payers = new Set<AccountId>();
    const uses = new Map<string, { account: AccountId; mediaId: string; ctr: number }>();
    for (const { batch, verdicts } of judged) {
      for (const r of batch.records) chunkKeys.set(chunkKey(batch.terminalId, r.seq), { terminalId: batch.terminalId, chunk: Math.floor(r.seq / SEQ_CHUNK) });
      for (const v of verdicts) {
        if (!v.ok) continue;
        payers.add(v.payer.account);
        if (v.payer.kind === 'media') uses.set(useKeyOf(v.payer.mediaId, v.payer.ctr), { account: v.payer.account, mediaId: v.payer.mediaId, ctr: v.payer.ctr });
      }
    }
    const chunkList = [...chunkKeys];
    const payerList = [...payers].sort();
    const useList = [...uses].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const [chunkValues, payerValues, useValues] = await Promise.all([
      Promise.all(chunkList.map(([, c]) => this.ledger.read(K.seqs, [c.terminalId, pad(c.chunk)], seqChunkFromJson))),
      Promise.all(payerList.map((id) => this.ledger.read(K.payer, [id], payerFromJson))),
      Promise.all(useList.map(([, u]) => this.ledger.read(K.use, [u.mediaId, pad(u.ctr)], usedBy))),
    ]);
    chunkList.forEach(([key, c], i) => this.chunks.set(key, { ...c, seqs: chunkValues[i] ?? {} }));
    payerList.forEach((id, i) => this.payers.set(id, payerValues[i]));
    useList.forEach(([key], i) => this.uses.set(key, useValues[i]));
    await this.readLegacyPayers(payerList.filter((_id, i) => payerValues[i] === undefined), useList);
  }

  /**
   * An account opened before funding at the fold has no payer view and keeps its counters' uses in
   * its own `used` map: its view is made from the account (read, never written here) and its old
   * uses count. The account's next write (a top-up, a fold, an issuance) writes its payer view.
   */
  private async readLegacyPayers(missing: readonly AccountId[], useList: readonly (readonly [string, { account: AccountId; mediaId: string; ctr: number }])[]): Promise<void> {
    if (missing.length === 0) return;
    const accounts = await Promise.all(missing.map((id) => this.ledger.read(K.account, [id], accountFromJson)));
    const legacy = new Map<AccountId, AccountState>();
    missing.forEach((id, i) => {
      const a = accounts[i];
      if (a === undefined) return;
      legacy.set(id, a);
      this.payers.set(id, payerOf(a));
    });
    for (const [key, u] of useList) {
      const a = legacy.get(u.account);
      const old = a === undefined ? undefined : mediumOf(a, u.mediaId as MediaId)?.used[String(u.ctr)];
      if (old !== undefined && this.uses.get(key) === undefined) this.uses.set(key, old);
    }
  }

  private settleOne(index: number, batch: Batch, verdicts: readonly Verdict[], pointsPolicy: PointsPolicy | undefined): GroupEntry {
    const terminal = this.terminals.get(batch.terminalId);
    if (terminal === undefined) throw new Error(`terminal ${batch.terminalId} vanished`);
    const entryId = entryIdOf(this.txId, index);
    const existing = new Map<number, Digest>();
    for (const r of batch.records) {
      const known = this.chunks.get(chunkKey(batch.terminalId, r.seq))?.seqs[String(r.seq)];
      if (known !== undefined) existing.set(r.seq, known[0]);
    }
    const result = settleBatch({
      batch, verdicts, terminal, existing, payers: this.payers, uses: this.uses, pendingDenials: this.pendingDenials, txId: entryId, now: this.now,
      ...(pointsPolicy === undefined ? {} : { pointsVersion: pointsPolicy.version, pointsPolicy }),
    });

    for (const [key, paymentId] of result.uses) {
      this.uses.set(key, paymentId);
      const [mediaId, ctr] = [key.slice(0, key.lastIndexOf('/')), Number(key.slice(key.lastIndexOf('/') + 1))];
      this.writes.push(this.ledger.write(K.use, [mediaId, pad(ctr)], paymentId));
    }
    for (const c of result.charges) this.writes.push(this.ledger.write(K.charge, [c.account, c.paymentId], chargeToJson(c)));
    for (const d of result.denials) {
      this.pendingDenials.add(d.mediaId);
      this.writes.push(this.ledger.write(K.denyPending, [d.mediaId], { mediaId: d.mediaId, account: d.account, caseId: d.caseId, at: this.now }));
    }
    for (const p of result.payments) {
      const key = chunkKey(batch.terminalId, p.seq);
      const chunk = this.chunks.get(key);
      if (chunk === undefined) throw new Error(`seq chunk ${key} was not read`); // every record's chunk is read before settling
      chunk.seqs[String(p.seq)] = [p.digest, batch.batchSeq];
      this.dirtyChunks.add(key);
    }
    this.terminals.set(terminal.terminalId, { ...terminal, ...result.terminal });
    this.dirtyTerminals.add(terminal.terminalId);
    this.postings.push(...result.postings);
    for (const f of result.fraudCases) this.writes.push(this.ledger.write(K.fraud, [f.caseId], { ...f, payments: [...f.payments], opened: this.now }));

    const credit = merchantCredit(result.postings, terminal.merchantId);
    if (credit.gt(Amount.ZERO)) {
      this.writes.push(this.ledger.write(K.credit, [terminal.merchantId, entryId], {
        amount: credit.toString(), terminalId: batch.terminalId, batchSeq: batch.batchSeq, txId: this.txId, at: this.now,
      }));
    }
    const summary: BatchSummary = {
      txId: this.txId, entry: entryId, terminalId: batch.terminalId, batchSeq: batch.batchSeq, digest: batch.digest, at: this.now,
      merchantId: terminal.merchantId, merchantCredit: credit.toString(), counts: countOutcomes(result.outcomes), anomalies: result.anomalies,
    };
    const batchRef = { terminalId: batch.terminalId, merchantId: terminal.merchantId, batchSeq: batch.batchSeq, txId: this.txId, ...(entryId === this.txId ? {} : { entry: entryId }) };
    for (const hour of new Set(result.payments.map((p) => Math.floor(p.at / HOUR_MS)))) {
      this.writes.push(this.ledger.store.putSimple(hourKey(hour, `${batch.terminalId}/${pad(batch.batchSeq)}/${entryId}`), encode(batchRef)));
    }
    this.writes.push(this.ledger.write(K.receipt, [batch.digest, entryId], { terminalId: batch.terminalId, batchSeq: batch.batchSeq, entry: entryId }));
    this.writes.push(this.ledger.write(K.batch, [batch.terminalId, pad(batch.batchSeq), entryId], {
      ...(summaryToJson(summary) as Record<string, JsonValue>), outcomes: result.outcomes.map(outcomeToJson), payments: result.payments.map(paymentToJson),
    }));
    return { ok: true, summary, outcomes: result.outcomes };
  }

  /** Writes every key the group changed, once, with its last value. */
  private flush(): void {
    for (const key of [...this.dirtyChunks].sort()) {
      const c = this.chunks.get(key);
      if (c !== undefined) this.writes.push(this.ledger.write(K.seqs, [c.terminalId, pad(c.chunk)], c.seqs));
    }
    for (const id of [...this.dirtyTerminals].sort()) {
      const t = this.terminals.get(id);
      if (t !== undefined) this.writes.push(this.ledger.write(K.terminal, [id], terminalToJson(t)));
    }
    this.writes.push(this.ledger.writePostings([this.txId], this.postings));
  }
}

/** A counter's use as stored: the id of the payment that used it. */
function usedBy(value: JsonValue): string {
  if (typeof value !== 'string') throw new DomainError('INVALID_FIELD', 'a counter use must name its payment');
  return value;
}

/** The JSON of one batch's answer in a group. */
export function groupEntryToJson(e: GroupEntry): JsonValue {
  if (!e.ok) {
    return {
      index: e.index, refused: { code: e.error.code, message: e.error.message },
      ...(e.digest === undefined ? {} : { digest: e.digest }), ...(e.terminalId === undefined ? {} : { terminalId: e.terminalId }), ...(e.batchSeq === undefined ? {} : { batchSeq: e.batchSeq }),
    };
  }
  return { ...(summaryToJson(e.summary) as Record<string, JsonValue>), outcomes: e.outcomes.map(outcomeToJson) };
}

/** The batches of a SubmitBatches call: compact JWS, one per line, 1..MAX_GROUP_BATCHES of them. */
export function parseBatchList(text: unknown): string[] {
  if (typeof text !== 'string') throw new DomainError('INVALID_FIELD', 'batches must be a string of compact JWS, one per line', { field: 'batches' });
  const list = text.split('\n');
  if (text === '' || list.length > MAX_GROUP_BATCHES) {
    throw new DomainError('INVALID_FIELD', `batches must hold 1 to ${MAX_GROUP_BATCHES} compact JWS, one per line`, { field: 'batches' });
  }
  return list;
}
