import type { Context } from 'fabric-contract-api';
import { DomainError } from '../core/errors';
import { FieldReader, isJsonObject } from '../core/fields';
import type { AccountId, MediaId } from '../core/ids';
import type { JsonValue } from '../core/strict-json';
import { parseRiskPolicy, type RiskPolicy } from '../core/risk-policy';
import { canonicalJson } from '../core/canonical-json';
import type { AccountState } from '../settlement/account';
import { book, postingFromJson, postingToJson, type Posting } from '../settlement/books';
import { foldCharges, type FundedPayment, type PendingCharge } from '../settlement/fold';
import { applyPurchases, newPurse, type PurseShadow } from '../settlement/purse-shadow';
import { payerOf } from '../settlement/payer';
import { dayOf, pointsPolicyFromJson, type PointsPolicy } from '../settlement/points';
import { lapsedThrough } from '../settlement/points-lots';
import { noMovement, pointsMovements } from '../settlement/points-supply';
import { accountFromJson, accountToJson, decode, encode, pad, terminalFromJson, type TerminalRecord } from './codec';
import { chargeFromJson, chargeToJson, fundedToJson, journalToJson, payerToJson, purseFromJson, purseToJson } from './fold-codec';
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

/** An account's payer view as stored (canonical JSON): what putAccount compares to know whether it changed. */
const payerText = (a: AccountState): string => canonicalJson(payerToJson(payerOf(a)));

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

  /** An account exactly as stored: balances without the charges awaiting funding (the statement and the invariant prove these). */
  async storedAccount(id: string): Promise<AccountState> {
    const a = await this.read(K.account, [id], accountFromJson);
    if (a === undefined) throw new DomainError('NOT_FOUND', `account ${id} does not exist`);
    return a;
  }

  /** Charges awaiting funding: one account's, or every one on the ledger (key order). */
  async pendingCharges(account?: string): Promise<PendingCharge[]> {
    return this.all(K.charge, account === undefined ? [] : [account], chargeFromJson);
  }

  /** Points policies by version, read at most once per transaction. */
  private readonly policies = new Map<number, Promise<PointsPolicy | undefined>>();
  /** The postings of this transaction's folds, per account and all together (under K.postings [txId, 'fold']). */
  private readonly foldLines = new Map<AccountId, Posting[]>();
  private readonly foldPostings: Posting[] = [];
  /** Each account's payer view as this transaction read it (canonical JSON): written again only when it changes. */
  private readonly payersRead = new Map<AccountId, string>();
  /** Accounts read for a write that have no payer view yet (opened before funding at the fold). */
  private readonly legacy = new Set<AccountId>();

  /**
   * An account about to be changed: the charges awaiting its funding are folded into it first, in
   * this transaction (docs/settlement.md, "Funding at the fold"), and the fold is written at once,
   * so an account read here is never missing a settled sale. Write it back with putAccount.
   */
  async account(id: string): Promise<AccountState> {
    const [a] = await this.accounts([id]);
    if (a === undefined) throw new DomainError('NOT_FOUND', `account ${id} does not exist`);
    return a;
  }

  /** Accounts about to be changed (undefined for unknown ids), each folded first as account() does. */
  async accounts(ids: readonly string[]): Promise<(AccountState | undefined)[]> {
    const found = await Promise.all(ids.map((id) => Promise.all([
      this.read(K.account, [id], accountFromJson), this.pendingCharges(id), this.store.get(K.payer, [id]),
    ])));
    return Promise.all(found.map(async ([a, charges, payer]) => {
      if (a === undefined) return undefined;
      if (!this.payersRead.has(a.id)) {
        if (payer === undefined) this.legacy.add(a.id);
        else this.payersRead.set(a.id, payerText(a));
      }
      return charges.length === 0 ? a : this.fold(a, charges);
    }));
  }

  /**
   * FoldCharges' part for one account: folds the named charges (those still pending; one a top-up
   * already folded is gone and skipped). It reads the charges by key, not by range, so a sale of
   * the same student settling meanwhile does not invalidate the fold; it never writes `payer/`.
   * The caller writes the postings once at the end (writeFoldPostings).
   */
  async foldNamed(id: AccountId, paymentIds: readonly string[]): Promise<number> {
    const [a, found] = await Promise.all([
      this.read(K.account, [id], accountFromJson), Promise.all(paymentIds.map((p) => this.read(K.charge, [id, p], chargeFromJson))),
    ]);
    const charges = found.filter((c): c is PendingCharge => c !== undefined);
    if (a === undefined || charges.length === 0) return 0;
    this.payersRead.set(a.id, payerText(a));
    await this.fold(a, charges, true);
    return charges.length;
  }

  /** Cards this transaction's folds found tampered: their denials wait under `deny-pending/` for PublishDenials. */
  foldDenials = 0;

  /** Shadows this transaction's folds wrote: a read of the state would not see them. */
  private readonly pursesWritten = new Map<string, PurseShadow>();

  /** A card's purse shadow as this transaction sees it: after its own folds (undefined before the card's first load). */
  async purse(mediaId: MediaId): Promise<PurseShadow | undefined> {
    return this.pursesWritten.get(mediaId) ?? this.read(K.purse, [mediaId], purseFromJson);
  }

  /**
   * Applies purse purchases to their cards' shadows (settlement/purse-shadow.ts): in counter order,
   * holding what follows a gap; a purchase that breaks the balance chain opens a fraud case and
   * deny-lists the card (its version comes with PublishDenials, as a double spend's does).
   */
  private async foldPurses(charges: readonly PendingCharge[], now: number): Promise<{ funded: FundedPayment[]; postings: Posting[] }> {
    const byCard = new Map<MediaId, PendingCharge[]>();
    for (const c of charges) {
      const mediaId = c.purse?.mediaId;
      if (mediaId !== undefined) byCard.set(mediaId, [...(byCard.get(mediaId) ?? []), c]);
    }
    const funded: FundedPayment[] = [];
    const postings: Posting[] = [];
    for (const [mediaId, list] of [...byCard].sort(([x], [y]) => (x < y ? -1 : 1))) {
      const account = list[0]?.account;
      if (account === undefined) continue;
      const [stored, heldBefore] = await Promise.all([this.purse(mediaId), this.all(K.purseHeld, [mediaId], chargeFromJson)]);
      const r = applyPurchases(stored ?? newPurse(mediaId, account), [...list, ...heldBefore], now);
      funded.push(...r.funded);
      postings.push(...r.postings);
      // What waits behind a gap leaves the charges awaiting funding (a sweep would fold it in vain)
      // for `purse-held/<mediaId>/<ctr>`, until the missing purchase arrives.
      const wasHeld = new Set(heldBefore.map((c) => c.paymentId));
      const stillHeld = new Set(r.held.map((c) => c.paymentId));
      const writes: Promise<void>[] = [
        ...r.held.filter((c) => !wasHeld.has(c.paymentId)).map((c) => this.write(K.purseHeld, [mediaId, pad(c.purse?.ctr ?? 0)], chargeToJson(c))),
        ...heldBefore.filter((c) => !stillHeld.has(c.paymentId)).map((c) => this.remove(K.purseHeld, [mediaId, pad(c.purse?.ctr ?? 0)])),
      ];
      if (r.funded.length > 0) {
        this.pursesWritten.set(mediaId, r.shadow);
        writes.push(this.write(K.purse, [mediaId], purseToJson(r.shadow)));
      }
      this.foldDenials += r.tampered.length;
      for (const t of r.tampered) {
        const caseId = `${this.ctx.stub.getTxID()}:purse:${t.ctr}`;
        writes.push(this.write(K.fraud, [caseId], { caseId, kind: 'purse-tampered', mediaId, ctr: t.ctr, account, payments: [t.paymentId], detail: t.detail, opened: now }));
        writes.push(this.write(K.denyPending, [mediaId], { mediaId, account, caseId, at: now }));
      }
      await Promise.all(writes);
    }
    return { funded, postings };
  }

  /** Folds charges into an account and writes the fold: the account, each payment's funding, the postings; deletes the charges. */
  async fold(a: AccountState, charges: readonly PendingCharge[], postingsLater = false): Promise<AccountState> {
    // A purse purchase is paid from its card's purse, in the card's counter order; a clone's (a
    // double spend) is funded with the account's other charges, by the guarantee fund.
    const fromPurse = (c: PendingCharge): boolean => c.purse !== undefined && !c.doubleSpend;
    const [policyOf, current] = await Promise.all([this.policiesFor(charges), this.currentPointsPolicy()]);
    const now = txTime(this.ctx);
    const purseCharges = charges.filter(fromPurse);
    const result = foldCharges(a, charges.filter((c) => !fromPurse(c)), now, policyOf, lapsedThrough(current, now));
    const purse = await this.foldPurses(purseCharges, now);
    const funded = [...result.funded, ...purse.funded];
    // Every purse charge leaves: applied, or held behind a gap under its card (foldPurses).
    const done = new Set([...funded.map((f) => f.paymentId), ...purseCharges.map((c) => c.paymentId)]);
    this.foldLines.set(a.id, [...(this.foldLines.get(a.id) ?? []), ...result.postings]);
    this.foldPostings.push(...result.postings, ...purse.postings);
    await Promise.all([
      ...funded.map((f) => this.write(K.funded, [f.paymentId], fundedToJson(f))),
      ...charges.filter((c) => done.has(c.paymentId)).map((c) => this.remove(K.charge, [c.account, c.paymentId])),
      this.putAccount(result.account, []),
      ...(postingsLater ? [] : [this.writeFoldPostings()]),
    ]);
    return result.account;
  }

  /** Writes every posting of this transaction's folds so far, under K.postings [txId, 'fold'] (again, whole, after each fold). */
  async writeFoldPostings(): Promise<void> {
    if (this.foldPostings.length > 0) await this.writePostings([this.ctx.stub.getTxID(), 'fold'], this.foldPostings);
  }

  /**
   * Writes a transaction's postings under K.postings `parts`, and their points movements, if any,
   * to the points journal under the transaction's UTC day: the roll-forward reads a period's days
   * there, and no key is written by every sale (docs/settlement.md, "Campus value").
   */
  async writePostings(parts: readonly string[], postings: readonly Posting[]): Promise<void> {
    if (postings.length === 0) return;
    const moved = pointsMovements(postings);
    const day = dayOf(txTime(this.ctx));
    await Promise.all([
      this.write(K.postings, [...parts], postings.map(postingToJson)),
      ...(noMovement(moved) ? [] : [this.write(K.pointsJournal, [pad(day), ...parts], journalToJson({ day, movements: moved }))]),
    ]);
  }

  /** The points policy current now (config/points), read at most once per transaction. */
  private current: Promise<PointsPolicy | undefined> | undefined;
  currentPointsPolicy(): Promise<PointsPolicy | undefined> {
    this.current ??= this.read(K.config, ['points'], pointsPolicyFromJson);
    return this.current;
  }

  /**
   * Writes an account, with the postings of this transaction that touch it (`lines`: a statement
   * reads them from the account key's history; the fold's come first), and its payer view
   * (`payer/<id>`) when what settlement reads of it changed.
   */
  async putAccount(a: AccountState, lines?: readonly Posting[]): Promise<void> {
    const folded = this.foldLines.get(a.id) ?? [];
    const kept = lines === undefined && folded.length === 0 ? undefined : [...folded, ...(lines ?? [])];
    const payer = payerText(a);
    const writes = [this.write(K.account, [a.id], accountToJson(a, kept))];
    if (this.payersRead.get(a.id) !== payer) {
      this.payersRead.set(a.id, payer);
      writes.push(this.store.put(K.payer, [a.id], Buffer.from(payer, 'utf8')));
    }
    if (this.legacy.delete(a.id)) {
      // An account from before funding at the fold gets its payer view now; its counters' uses,
      // kept in its own `used` maps until then, move to their keys, where settlement looks.
      for (const [mediaId, m] of Object.entries(a.media)) {
        for (const [ctr, paymentId] of Object.entries(m.used)) writes.push(this.write(K.use, [mediaId, pad(Number(ctr))], paymentId));
      }
    }
    await Promise.all(writes);
  }

  /** Reads the points policy of every version the charges name. */
  async policiesFor(charges: readonly PendingCharge[]): Promise<(version: number) => PointsPolicy | undefined> {
    const versions = [...new Set(charges.flatMap((c) => (c.pointsVersion === undefined ? [] : [c.pointsVersion])))];
    for (const v of versions) if (!this.policies.has(v)) this.policies.set(v, this.read(K.pointsPolicy, [pad(v)], pointsPolicyFromJson));
    const read = new Map<number, PointsPolicy | undefined>();
    await Promise.all(versions.map(async (v) => read.set(v, await this.policies.get(v))));
    return (v) => read.get(v);
  }

  /**
   * An account as a reader must see it: the charges awaiting funding applied in memory by the
   * fold's own rule, nothing written. Queries use it, so no balance ever misses a settled sale.
   */
  async accountView(id: string): Promise<AccountState> {
    const [a, charges] = await Promise.all([this.storedAccount(id), this.pendingCharges(id)]);
    return charges.length === 0 ? a : foldCharges(a, charges, txTime(this.ctx), await this.policiesFor(charges)).account;
  }

  /** Every account as a reader must see it (accountView), with two range reads for the whole ledger. */
  async accountViews(): Promise<AccountState[]> {
    const [accounts, charges] = await Promise.all([this.all(K.account, [], accountFromJson), this.pendingCharges()]);
    const byAccount = new Map<string, PendingCharge[]>();
    for (const c of charges) {
      const list = byAccount.get(c.account);
      if (list === undefined) byAccount.set(c.account, [c]);
      else list.push(c);
    }
    const policyOf = await this.policiesFor(charges);
    const now = txTime(this.ctx);
    return accounts.map((a) => {
      const pending = byAccount.get(a.id);
      return pending === undefined ? a : foldCharges(a, pending, now, policyOf).account;
    });
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
