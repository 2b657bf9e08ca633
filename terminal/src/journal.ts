import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { Amount, FieldReader, MEDIA, ZERO_DIGEST, isJsonObject, parseSaleRecord, parseStrictJson, recordDigest, sha256Hex } from '@dol/chaincode';
import type { AcceptedPayer } from './acceptance';
import type { WireRecord } from './sale-chain';

/** One line of the journal. */
export type JournalEntry =
  | { readonly kind: 'sale'; readonly record: WireRecord; readonly payer: AcceptedPayer }
  | { readonly kind: 'batch'; readonly batchSeq: number; readonly firstSeq: number; readonly lastSeq: number; readonly jws: string }
  | { readonly kind: 'uploaded'; readonly batchSeq: number; readonly receipt: string }
  | { readonly kind: 'settled'; readonly batchSeq: number; readonly counts: Readonly<Record<string, number>> };

/** Reads one journal line back: every field checked, the record by protocol v1's own parser. */
export function parseJournalEntry(line: string): JournalEntry {
  const value = parseStrictJson(line);
  const kind = FieldReader.of(value, 'journal', ['kind'], ['record', 'payer', 'batchSeq', 'firstSeq', 'lastSeq', 'jws', 'receipt', 'counts']).oneOf('kind', ['sale', 'batch', 'uploaded', 'settled'] as const);
  switch (kind) {
    case 'sale': {
      const r = FieldReader.of(value, 'journal', ['kind', 'record', 'payer']);
      const raw = r.raw('record');
      const rec = parseSaleRecord(raw);
      const p = FieldReader.of(r.raw('payer'), 'journal.payer', ['medium', 'payerId', 'account', 'ctr'], ['cert']);
      const cert = p.has('cert') ? FieldReader.of(p.raw('cert'), 'journal.payer.cert', ['ctrFrom', 'capTotal']) : undefined;
      const credential = isJsonObject(raw) ? raw.credential : undefined;
      const record: WireRecord = {
        v: 1, terminalId: rec.terminalId, seq: rec.seq, at: rec.at, amount: rec.amount.toString(), medium: rec.medium, credential,
        denyListVersion: rec.denyListVersion, prev: rec.prev, ...(rec.edge === undefined ? {} : { edge: rec.edge }),
      };
      const id = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
      return {
        kind, record,
        payer: {
          medium: p.oneOf('medium', MEDIA), payerId: p.string('payerId', id, 'an identifier'), account: p.string('account', id, 'an identifier'), ctr: p.int('ctr'),
          ...(cert === undefined ? {} : { cert: { ctrFrom: cert.int('ctrFrom'), capTotal: Amount.parsePositive(cert.raw('capTotal'), 'capTotal') } }),
        },
      };
    }
    case 'batch': {
      const r = FieldReader.of(value, 'journal', ['kind', 'batchSeq', 'firstSeq', 'lastSeq', 'jws']);
      return { kind, batchSeq: r.int('batchSeq', 1), firstSeq: r.int('firstSeq', 1), lastSeq: r.int('lastSeq', 1), jws: r.string('jws', /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'a compact JWS') };
    }
    case 'uploaded': {
      const r = FieldReader.of(value, 'journal', ['kind', 'batchSeq', 'receipt']);
      return { kind, batchSeq: r.int('batchSeq', 1), receipt: r.string('receipt', /^[0-9a-f]{64}$/, 'a receipt') };
    }
    case 'settled': {
      const r = FieldReader.of(value, 'journal', ['kind', 'batchSeq', 'counts']);
      const counts: Record<string, number> = {};
      const c = r.raw('counts');
      if (isJsonObject(c)) for (const [k, v] of Object.entries(c)) if (typeof v === 'number') counts[k] = v;
      return { kind, batchSeq: r.int('batchSeq', 1), counts };
    }
  }
}

/** Where the journal's lines live: a file (fsync before each append returns) or memory (simulations). */
export interface JournalStore {
  /** Every complete line written so far, in order. */
  readAll(): string[];
  /** Appends one line; durable when it returns. */
  append(line: string): void;
  close(): void;
}

/** A journal in memory: for simulators and benchmarks that model many terminals in one process. */
export function memoryJournalStore(): JournalStore {
  const lines: string[] = [];
  return { readAll: () => [...lines], append: (line) => void lines.push(line), close: () => undefined };
}

/**
 * An append-only file, synced to disk before `append` returns: a sale is durable before the payer
 * is told it went through. A crash can only tear the last line, which opening discards (that sale
 * was never confirmed).
 */
export function fileJournalStore(path: string): JournalStore {
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const complete = text.lastIndexOf('\n') + 1;
  const fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
  if (complete < Buffer.byteLength(text)) {
    text = text.slice(0, complete);
    ftruncateSync(fd, Buffer.byteLength(text));
    fsyncSync(fd);
  }
  let position = Buffer.byteLength(text);
  return {
    readAll: () => (text === '' ? [] : text.slice(0, -1).split('\n')),
    append: (line) => {
      const bytes = Buffer.from(`${line}\n`, 'utf8');
      writeSync(fd, bytes, 0, bytes.length, position);
      fsyncSync(fd);
      position += bytes.length;
      text += `${line}\n`;
    },
    close: () => { closeSync(fd); },
  };
}

/** Where a journal's chains stand and what is still to do, as reading it back found. */
export interface JournalState {
  readonly heads: { seq: number; prevRecord: string; batchSeq: number; prevBatch: string };
  readonly sales: readonly { readonly record: WireRecord; readonly payer: AcceptedPayer }[];
  /** Records not yet in a sealed batch. */
  readonly unsealed: readonly WireRecord[];
  /** Sealed batches by batchSeq, with their receipt once uploaded and their counts once settled. */
  readonly batches: ReadonlyMap<number, { jws: string; firstSeq: number; lastSeq: number; receipt?: string; counts?: Readonly<Record<string, number>> }>;
}

/**
 * The terminal's journal: every accepted sale a chained, gapless record (protocol v1 §6), every
 * sealed batch and what became of it. Reading it back checks the chain: a journal whose records do
 * not follow one another was tampered with or corrupted, and the terminal refuses to go on.
 */
export class Journal {
  private state: { heads: JournalState['heads']; sales: { record: WireRecord; payer: AcceptedPayer }[]; unsealed: WireRecord[]; batches: Map<number, { jws: string; firstSeq: number; lastSeq: number; receipt?: string; counts?: Readonly<Record<string, number>> }> };

  constructor(private readonly store: JournalStore) {
    this.state = { heads: { seq: 0, prevRecord: ZERO_DIGEST, batchSeq: 0, prevBatch: ZERO_DIGEST }, sales: [], unsealed: [], batches: new Map() };
    store.readAll().forEach((line, i) => {
      this.apply(parseJournalEntry(line), i + 1);
    });
  }

  /** What the journal holds now. */
  get current(): JournalState {
    return this.state;
  }

  /** Appends an entry durably, then applies it. */
  append(entry: JournalEntry): void {
    this.check(entry, this.state.sales.length + 1);
    this.store.append(JSON.stringify(entry));
    this.apply(entry, 0);
  }

  close(): void {
    this.store.close();
  }

  private check(entry: JournalEntry, line: number): void {
    const h = this.state.heads;
    if (entry.kind === 'sale' && (entry.record.seq !== h.seq + 1 || entry.record.prev !== h.prevRecord)) {
      throw new Error(`journal line ${line}: record ${entry.record.seq} does not follow record ${h.seq}`);
    }
    if (entry.kind === 'batch' && entry.batchSeq !== h.batchSeq + 1) throw new Error(`journal line ${line}: batch ${entry.batchSeq} does not follow batch ${h.batchSeq}`);
  }

  private apply(entry: JournalEntry, line: number): void {
    if (line > 0) this.check(entry, line);
    const s = this.state;
    switch (entry.kind) {
      case 'sale':
        s.heads = { ...s.heads, seq: entry.record.seq, prevRecord: recordDigest(entry.record) };
        s.sales.push({ record: entry.record, payer: entry.payer });
        s.unsealed.push(entry.record);
        return;
      case 'batch': {
        // The next batch's prevBatch: SHA-256 of this one's payload bytes exactly as signed.
        s.heads = { ...s.heads, batchSeq: entry.batchSeq, prevBatch: sha256Hex(Buffer.from(entry.jws.split('.')[1] ?? '', 'base64url')) };
        s.unsealed = s.unsealed.filter((r) => r.seq > entry.lastSeq);
        s.batches.set(entry.batchSeq, { jws: entry.jws, firstSeq: entry.firstSeq, lastSeq: entry.lastSeq });
        return;
      }
      case 'uploaded': {
        const b = s.batches.get(entry.batchSeq);
        if (b !== undefined) b.receipt = entry.receipt;
        return;
      }
      case 'settled': {
        const b = s.batches.get(entry.batchSeq);
        if (b !== undefined) b.counts = entry.counts;
        return;
      }
    }
  }
}
