import { parseAnswer } from './ledger-answer';
import type { Actor, Commit, LedgerPort, LedgerRole } from './ledger-port';
import type { Invocation } from './transaction';

/** A committed write: where it sits, the contract's answer as JSON (null when it answered nothing), and that answer read. */
export interface Written<R> extends Commit {
  readonly json: unknown;
  readonly answer: R;
}

/**
 * The contracts as the gateway calls them, over either ledger: every call names a transaction of
 * the tables (settlement-, issuance-, payout-, deny-list-transactions.ts), never a string, and its
 * answer is parsed once, here.
 */
export class ContractClient {
  constructor(readonly ledger: LedgerPort) {}

  /** The answer's JSON of a query (or of a write simulated without ordering, to judge a repeat), not read further. */
  async evaluateJson(role: LedgerRole, call: Invocation<unknown>): Promise<unknown> {
    return jsonOf(await this.ledger.evaluate(role, call.fn, call.args), call.fn);
  }

  /** A query's answer, read. */
  async evaluate<R>(role: LedgerRole, call: Invocation<R, 'query'>): Promise<R> {
    return call.read(await this.evaluateJson(role, call));
  }

  /** Endorses, orders and waits for the commit of a write, on behalf of `actor`. */
  async submit<R>(role: LedgerRole, call: Invocation<R, 'write'>, actor?: Actor): Promise<Written<R>> {
    const s = await this.ledger.submit(role, call.fn, call.args, actor);
    const json = jsonOf(s.result, call.fn);
    return { txId: s.txId, blockNumber: s.blockNumber, validationCode: s.validationCode, json, answer: call.read(json) };
  }
}

/** A transaction that answers nothing (a void write) answers null. */
const jsonOf = (text: string, fn: string): unknown => (text === '' ? null : parseAnswer(text, fn));
