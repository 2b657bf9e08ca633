import { ZERO_DIGEST, canonicalJson, recordDigest, sha256Hex, type JwsAlg, type Medium, type Tender } from '@dol/chaincode';
import { generateSigningKey, type SigningKey } from './signing-key';
import { signJws, signJwsRaw } from './jws-signer';

/** A sale record in wire form. */
export interface WireRecord {
  v: 1;
  terminalId: string;
  seq: number;
  at: number;
  amount: string;
  medium: Medium;
  credential: unknown;
  denyListVersion: number;
  prev: string;
  /** The site edge's approval, or that it was unreachable (edge extension; docs/edge.md). */
  edge?: WireEdgeMark;
  /** `points` when the payer spends campus points (campus-value extension; docs/protocol.md); absent for money. */
  tender?: Tender;
}

/** A record's `edge` field in wire form. */
export type WireEdgeMark = { status: 'approved'; approval: string } | { status: 'unreachable'; edgeId: string };

/** A batch payload in wire form. */
export interface WireBatch {
  typ: 'batch';
  v: 1;
  terminalId: string;
  batchSeq: number;
  prevBatch: string;
  firstSeq: number;
  lastSeq: number;
  count: number;
  total: string;
  records: WireRecord[];
}

/** A terminal's two chains: numbers sales gaplessly, chains them by digest, and signs batches (protocol v1 §6-7). */
export class SaleChain {
  private seq = 0;
  private prevRecord: string = ZERO_DIGEST;
  private batchSeq = 0;
  private prevBatch: string = ZERO_DIGEST;

  constructor(
    readonly terminalId: string,
    readonly key: SigningKey,
  ) {}

  /** A terminal with a fresh key. */
  static generate(terminalId: string, alg: JwsAlg = 'ES256'): SaleChain {
    return new SaleChain(terminalId, generateSigningKey(alg));
  }

  /** Records one sale, chaining it to the previous one. */
  record(at: number, amount: string, medium: Medium, credential: unknown, denyListVersion = 0, edge?: WireEdgeMark, tender?: Tender): WireRecord {
    this.seq += 1;
    const record: WireRecord = {
      v: 1, terminalId: this.terminalId, seq: this.seq, at, amount, medium, credential, denyListVersion, prev: this.prevRecord,
      ...(edge === undefined ? {} : { edge }), ...(tender === undefined ? {} : { tender }),
    };
    this.prevRecord = recordDigest(record);
    return record;
  }

  /** Skips sequence numbers, as a terminal that lost sales would. */
  skip(count: number): void {
    this.seq += count;
  }

  /** The manifest a terminal would write for these records. */
  manifest(records: readonly WireRecord[]): WireBatch {
    const first = records[0];
    const last = records[records.length - 1];
    const total = records.reduce((sum, r) => sum + BigInt(r.amount), 0n);
    return {
      typ: 'batch',
      v: 1,
      terminalId: this.terminalId,
      batchSeq: this.batchSeq + 1,
      prevBatch: this.prevBatch,
      firstSeq: first?.seq ?? 0,
      lastSeq: last?.seq ?? 0,
      count: records.length,
      total: total.toString(),
      records: [...records],
    };
  }

  /** Signs a batch payload and advances the batch chain. */
  seal(payload: WireBatch): string {
    const text = canonicalJson(payload);
    this.batchSeq = payload.batchSeq;
    this.prevBatch = sha256Hex(text);
    return signJwsRaw(this.key, canonicalJson({ alg: this.key.alg, kid: this.terminalId }), text);
  }

  /** Manifest and seal in one step. */
  batch(records: readonly WireRecord[]): string {
    return this.seal(this.manifest(records));
  }

  /** The same terminal after a re-key: its numbering and chains go on, signed with `key`. */
  rekeyed(key: SigningKey): SaleChain {
    const next = new SaleChain(this.terminalId, key);
    next.seq = this.seq;
    next.prevRecord = this.prevRecord;
    next.batchSeq = this.batchSeq;
    next.prevBatch = this.prevBatch;
    return next;
  }

  /** Where the chains stand: the next record's seq and prev, the next batch's batchSeq and prevBatch. */
  heads(): { seq: number; prevRecord: string; batchSeq: number; prevBatch: string } {
    return { seq: this.seq, prevRecord: this.prevRecord, batchSeq: this.batchSeq, prevBatch: this.prevBatch };
  }

  /** Resumes the chains where a journal left them (after a restart). */
  resume(heads: { seq: number; prevRecord: string; batchSeq: number; prevBatch: string }): void {
    this.seq = heads.seq;
    this.prevRecord = heads.prevRecord;
    this.batchSeq = heads.batchSeq;
    this.prevBatch = heads.prevBatch;
  }

  /** Signs any payload with the terminal key (for forged batches). */
  signAny(payload: unknown): string {
    return signJws(this.key, payload, { kid: this.terminalId });
  }
}
