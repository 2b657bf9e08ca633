/**
 * A transaction of the contracts as the gateway calls it: its name (the one place that writes it),
 * whether it writes, how its arguments are written and how its answer is read. The tables of them,
 * one per contract, are settlement-, issuance-, payout- and deny-list-transactions.ts; the
 * ContractClient runs them over a LedgerPort (as fabric-samples' trader-typescript wraps its contract).
 */
import { isJsonObject } from '@dol/chaincode';

/** The contracts of the chaincode (chaincode/src/contract/*-contract.ts); settlement is the default one. */
export type ContractName = 'settlement' | 'issuance' | 'payouts' | 'denylist' | 'funding';

/** A query is evaluated on a peer and never ordered; a write is submitted (or simulated, for a repeat). */
export type TransactionKind = 'query' | 'write';

/**
 * An answer the gateway does not read but forwards to its API caller as the contract wrote it (the
 * contract's JSON is the API's answer). Named so that a reader sees it is forwarded on purpose.
 */
export type Forwarded = unknown;

/** The reader of an answer that is forwarded, not read. */
export const forwarded = (answer: unknown): Forwarded => answer;

/** One call of a transaction with its arguments written: what a LedgerPort is handed, and how to read its answer. */
export interface Invocation<R, K extends TransactionKind = TransactionKind> {
  /** The name Fabric's gateway calls: `Name` on the default contract, `contract:Name` on another. */
  readonly fn: string;
  readonly kind: K;
  readonly args: readonly string[];
  /** Reads the answer's JSON (null where the transaction answered nothing), knowing what was asked. */
  readonly read: (answer: unknown) => R;
}

/** A transaction: called with its typed arguments, it makes an invocation. */
export interface Transaction<A extends readonly unknown[], R, K extends TransactionKind> {
  (...args: A): Invocation<R, K>;
  readonly contract: ContractName;
  /** The contract class's method (a function's own `name` is taken). */
  readonly method: string;
  readonly fn: string;
  readonly kind: K;
}

/** Any transaction of the tables, for the tests that check them against the contracts. */
export interface AnyTransaction {
  readonly contract: ContractName;
  /** The contract class's method (a function's own `name` is taken). */
  readonly method: string;
  readonly fn: string;
  readonly kind: TransactionKind;
}

function define<K extends TransactionKind>(kind: K) {
  return <A extends readonly unknown[], R>(
    contract: ContractName, name: string, write: (...args: A) => readonly string[], read: (answer: unknown, ...args: A) => R,
  ): Transaction<A, R, K> => {
    const fn = contract === 'settlement' ? name : `${contract}:${name}`;
    const invoke = (...args: A): Invocation<R, K> => ({ fn, kind, args: write(...args), read: (answer) => read(answer, ...args) });
    return Object.assign(invoke, { contract, method: name, fn, kind });
  };
}

/** A query transaction (`@Transaction(false)`). */
export const query = define('query');
/** A write transaction (`@Transaction()`). */
export const write = define('write');

/** Arguments: none. */
export const noArgs = (): readonly string[] => [];
/** Arguments: one plain string (an id, an amount, a text). */
export const oneArg = (value: string): readonly string[] => [value];
/** Arguments: one JSON document, the contract's parser judges it. */
export const jsonArg = (value: unknown): readonly string[] => [JSON.stringify(value)];

/** The fields of a JSON object answer, or none. */
export const fieldsOf = (v: unknown): Readonly<Record<string, unknown>> => (isJsonObject(v) ? v : {});
/** A string field, or '' when it is not one. */
export const text = (v: unknown): string => (typeof v === 'string' ? v : '');
/** A number field, or NaN when it is not one. */
export const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
/** A list answer, or none. */
export const listOf = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);

/** A stored idempotent write (a top-up, a payout, a payout run): the transaction that made it. */
export interface StoredWrite {
  readonly txId: string;
}

/** The reader of a stored idempotent write, which must name its transaction. */
export const storedWrite = (fn: string) => (answer: unknown): StoredWrite => {
  const txId = fieldsOf(answer).txId;
  if (typeof txId !== 'string') throw new Error(`${fn} answered without a txId`);
  return { txId };
};
