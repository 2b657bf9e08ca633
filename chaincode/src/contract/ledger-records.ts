import type { Context } from 'fabric-contract-api';
import { DomainError } from '../core/errors';
import { FieldReader, isJsonObject } from '../core/fields';
import type { AccountId } from '../core/ids';
import type { JsonValue } from '../core/strict-json';
import { parseRiskPolicy, type RiskPolicy } from '../core/risk-policy';
import type { AccountState } from '../settlement/account';
import { book, postingFromJson, type Posting } from '../settlement/books';
import { accountFromJson, decode, encode, pad, terminalFromJson, type TerminalRecord } from './codec';
import { K } from './keys';
import { StateStore } from './state-store';

/** The transaction's time: the proposal's timestamp in ms, the same on every endorser. */
export function txTime(ctx: Context): number {
  const ts = ctx.stub.getTxTimestamp();
  return Number(ts.seconds.toString()) * 1000 + Math.floor(ts.nanos / 1_000_000);
}

/** A stored array of postings. */
export function postingsFromJson(value: JsonValue): Posting[] {
  if (!Array.isArray(value)) throw new DomainError('INVALID_FIELD', 'postings must be an array');
  return value.map((p) => {
    const r = FieldReader.of(p, 'posting', ['from', 'to', 'amount', 'ref']);
    return postingFromJson({ from: r.raw('from'), to: r.raw('to'), amount: r.raw('amount'), ref: r.raw('ref') });
  });
}

/** Reads and writes typed ledger records; one per transaction, counting its state calls. */
export class Ledger {
  readonly store: StateStore;
  constructor(readonly ctx: Context) {
    this.store = new StateStore(ctx.stub);
  }

  async read<T>(type: string, parts: readonly string[], parse: (v: JsonValue) => T): Promise<T | undefined> {
    const bytes = await this.store.get(type, parts);
    return bytes === undefined ? undefined : parse(decode(bytes));
  }

  async write(type: string, parts: readonly string[], value: JsonValue): Promise<void> {
    await this.store.put(type, parts, encode(value));
  }

  async remove(type: string, parts: readonly string[]): Promise<void> {
    await this.store.remove(this.store.key(type, parts));
  }

  async all<T>(type: string, parts: readonly string[], parse: (v: JsonValue) => T): Promise<T[]> {
    return (await this.store.list(type, parts)).map((e) => parse(decode(e.value)));
  }

  /** Appends to a key's history: who changed it is in the transaction, what changed is here. */
  async history(kind: 'issuer' | 'terminal', id: string, action: string, detail: JsonValue): Promise<void> {
    const txId = this.ctx.stub.getTxID();
    const at = txTime(this.ctx);
    await this.write(K.keyHistory, [kind, id, pad(at), txId], { kind, id, action, at, txId, detail });
  }

  async terminal(id: string): Promise<TerminalRecord> {
    const t = await this.read(K.terminal, [id], terminalFromJson);
    if (t === undefined) throw new DomainError('UNKNOWN_TERMINAL', `terminal ${id} is not registered`);
    return t;
  }

  async account(id: string): Promise<AccountState> {
    const a = await this.read(K.account, [id], accountFromJson);
    if (a === undefined) throw new DomainError('NOT_FOUND', `account ${id} does not exist`);
    return a;
  }

  async riskPolicy(): Promise<RiskPolicy> {
    const p = await this.read(K.config, ['risk'], parseRiskPolicy);
    if (p === undefined) throw new DomainError('NOT_FOUND', 'no risk policy has been set');
    return p;
  }

  async denyVersion(): Promise<number> {
    return (await this.read(K.config, ['denyVersion'], (v) => (typeof v === 'number' ? v : 0))) ?? 0;
  }

  /** Every posting on the ledger: for whole-ledger proofs (the invariant, points supply). */
  async postings(): Promise<Posting[]> {
    return (await this.all(K.postings, [], postingsFromJson)).flat();
  }

  /** The postings one transaction made. */
  async postingsOf(txId: string): Promise<Posting[]> {
    return (await this.read(K.postings, [txId], postingsFromJson)) ?? [];
  }

  /**
   * An account's history without scanning the ledger: every transaction that moved money on an
   * account's books also wrote the account, so the account key's history (Fabric's history
   * database) names them all; each one's postings are then one read away.
   */
  async accountHistory(id: AccountId): Promise<{ txId: string; at: number; after: AccountState | undefined; lines: Posting[] }[]> {
    const versions = await this.store.history(K.account, [id]);
    const books = new Set([book.wallet(id), book.credit(id), book.advance(id), book.points(id)]);
    const touches = (p: Posting): boolean => books.has(p.from) || books.has(p.to);
    return Promise.all(versions.map(async (v) => {
      const value = v.value === undefined ? undefined : decode(v.value);
      // Writers that keep the account's own lines with it spare the read of the transaction's postings.
      const kept = isJsonObject(value) && value.lines !== undefined ? postingsFromJson(value.lines) : undefined;
      const lines = kept ?? (await this.postingsOf(v.txId)).filter(touches);
      return { txId: v.txId, at: v.at, after: value === undefined ? undefined : accountFromJson(value), lines };
    }));
  }
}
