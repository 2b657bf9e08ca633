import { CodedError } from '@dol/chaincode';

/** The roles whose Fabric identities a gateway deployment may hold (DESIGN §6). */
export type LedgerRole = 'gateway' | 'operator' | 'finance' | 'registrar' | 'auditor';

/** Where a committed transaction sits: enough to prove it with Fabric's own CLI. */
export interface Commit {
  readonly txId: string;
  readonly blockNumber: string;
  readonly validationCode: string;
}

/** A transaction's answer and its commit. */
export interface Submitted extends Commit {
  readonly result: string;
}

/** How a ledger call failed, which decides what the caller does next. */
export type LedgerFailure =
  /** The chaincode refused: permanent, the message starts with the domain code. */
  | 'refused'
  /** Endorsement, ordering or commit failed for reasons that may pass (peer down, MVCC conflict): retry. */
  | 'retryable'
  /** Nothing answered within the deadline: retry, the transaction may or may not have committed. */
  | 'unavailable';

/** Validation codes of a transaction another one invalidated: contention on the same keys. */
const CONTENDED = /^(MVCC_READ_CONFLICT|PHANTOM_READ_CONFLICT|ENDORSEMENT_POLICY_FAILURE)$/;

/**
 * The catalogue code of a failed ledger call: a refusal's domain code (REFUSED without one); a
 * transaction a concurrent one kept invalidating (MVCC) through every re-endorsement is CONTENTION,
 * not an outage; anything else that may pass is LEDGER_UNAVAILABLE.
 */
function catalogueCodeOf(failure: LedgerFailure, reported: string | undefined): string {
  if (failure === 'refused') return reported ?? 'REFUSED';
  if (failure === 'retryable' && reported !== undefined && CONTENDED.test(reported)) return 'CONTENTION';
  return 'LEDGER_UNAVAILABLE';
}

/**
 * A failed ledger call. `code` is its catalogue code (the chaincode's domain code when it refused);
 * `reported` is the code the ledger reported, if any: the domain code of a refusal, or Fabric's
 * validation code of an invalidated transaction (MVCC_READ_CONFLICT, ...).
 */
export class LedgerError extends CodedError {
  override readonly name = 'LedgerError';
  constructor(
    readonly failure: LedgerFailure,
    message: string,
    readonly reported?: string,
  ) {
    super(catalogueCodeOf(failure, reported), message);
  }
}

/** Any failure of a ledger call as a LedgerError: what is not one already (a socket error, a bug in a reader) may pass. */
export function ledgerErrorOf(error: unknown): LedgerError {
  return error instanceof LedgerError ? error : new LedgerError('unavailable', error instanceof Error ? error.message : String(error));
}

/** Which ledger answers: a Fabric network, or the embedded ledger (one process, not a network). */
export type LedgerKind = 'fabric' | 'embedded';

/** Said wherever the embedded ledger's answers are shown (start, /healthz, OpenAPI, proofs). */
export const EMBEDDED_NOTICE = 'embedded ledger — not a Fabric network';

/** How answers name their ledger: `{ ledger }`, and on the embedded ledger the notice too. */
export const ledgerLabel = (kind: LedgerKind): { ledger: LedgerKind; notice?: string } =>
  kind === 'fabric' ? { ledger: kind } : { ledger: kind, notice: EMBEDDED_NOTICE };

/** The ledger as the gateway sees it: the Fabric adapter and the embedded ledger implement it. */
/** The person behind a staff write: the staff credential's subject, recorded on the ledger by the contract (docs/gateway.md, "Who acted"). */
export interface Actor {
  readonly subject: string;
}

/** The transient field that carries the actor to the contract (not stored in Fabric's blocks; the contract writes it to state). */
export const ACTOR_TRANSIENT = 'dol.actor';

export interface LedgerPort {
  readonly kind: LedgerKind;
  /** Endorses, orders and waits for the commit of one transaction as the given role's identity, on behalf of `actor`. */
  submit(role: LedgerRole, fn: string, args: readonly string[], actor?: Actor): Promise<Submitted>;
  /** Evaluates a query on a peer as the given role's identity. */
  evaluate(role: LedgerRole, fn: string, args: readonly string[]): Promise<string>;
  /** Where a transaction was committed, for proofs. */
  commitOf(role: LedgerRole, txId: string): Promise<Commit & { readonly blockHash: string }>;
  /** True when a peer answers now (readiness). */
  ping(): Promise<boolean>;
  /** Why the ledger serves nothing, where it can say more than "not answering" (readiness). */
  unavailableBecause?(): string | undefined;
  close(): void;
}

/**
 * The contract's domain code in a chaincode refusal as Fabric reports it. The contract's message
 * starts with the code (`INVALID_FIELD: ...`); the peer's gateway wraps it in an error detail as
 * `chaincode response 500, INVALID_FIELD: ...` (for an evaluation also inside the status message,
 * `evaluate call to endorser returned error: chaincode response 500, ...`). Undefined when the
 * message holds no chaincode response, or one without a code (an unexpected chaincode failure).
 */
export function domainCodeOf(message: string): string | undefined {
  return /chaincode response [0-9]{3}, ([A-Z][A-Z0-9_]{2,40}): /.exec(message)?.[1] ?? /^([A-Z][A-Z0-9_]{2,40}): /.exec(message)?.[1];
}

/**
 * The contract's own words from a refusal Fabric wrapped (`10 ABORTED: ... | chaincode response
 * 500, CODE: words | <the same from the other endorser>`): `CODE: words`, once, without the
 * transport's prefix or the peers' addresses.
 */
export function refusalDetail(message: string, code: string): string {
  const start = message.indexOf(`${code}: `);
  if (start < 0) return message;
  const end = message.indexOf(' | ', start);
  return message.slice(start, end < 0 ? undefined : end);
}
