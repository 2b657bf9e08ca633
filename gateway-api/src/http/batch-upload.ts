/** A terminal's batch at this gateway's door: verified and stored in the intake, and read back by its receipt (from the intake, or from the ledger). */
import { z } from 'zod';
import { decodeBatch, parsePublicJwk, verifyBatch } from '@dol/chaincode';
import { ApiError } from '../errors';
import type { IntakeRow } from '../intake/intake-store';
import { LedgerError, ledgerLabel } from '../ledger/ledger-port';
import { SETTLEMENT } from '../ledger/settlement-transactions';
import { contractOf, ledgerRole, ownTerminal, type Call, type Deps } from './route-kit';

export function intakeView(row: IntakeRow, deps: Deps): unknown {
  return {
    ...(row.txId === null ? {} : ledgerLabel(deps.ledger.kind)),
    receipt: row.receipt, terminalId: row.terminalId, batchSeq: row.batchSeq, records: row.recordCount, receivedAt: row.receivedAt, status: row.status,
    attempts: row.attempts, error: row.errorCode === null ? null : { code: row.errorCode, detail: row.lastError }, txId: row.txId, blockNumber: row.blockNumber,
    result: row.result,
  };
}

/**
 * A receipt this gateway's intake does not hold (another organisation's gateway took the upload,
 * or its intake was purged): the batch as the ledger settled it, found by its digest, with
 * `source: "ledger"`. Only settled batches are on the ledger; one still waiting in another
 * gateway's intake is not found here.
 */
export async function ledgerBatchView(call: Call, receipt: string): Promise<{ status: number; body: unknown }> {
  const missing = new ApiError('NOT_FOUND', "no batch with this receipt, in this gateway's intake or on the ledger");
  if (!/^[0-9a-f]{64}$/.test(receipt)) throw missing;
  let found: { batch: Readonly<Record<string, unknown>> | undefined };
  try {
    found = await contractOf(call).evaluate(ledgerRole(call), SETTLEMENT.GetBatchByReceipt(receipt));
  } catch (error) {
    if (error instanceof LedgerError && error.code === 'NOT_FOUND') throw missing;
    throw error;
  }
  const batch = found.batch;
  if (batch === undefined) throw missing;
  // The payments are the statement's business (GET /v1/payments); the receipt answers outcomes, as the intake does.
  const result: Record<string, unknown> = Object.fromEntries(Object.entries(batch).filter(([k]) => k !== 'payments'));
  const terminalId = typeof result.terminalId === 'string' ? result.terminalId : '';
  ownTerminal(call, terminalId);
  const txId = typeof result.txId === 'string' ? result.txId : null;
  const commit = txId === null ? undefined : await call.deps.ledger.commitOf(ledgerRole(call), txId);
  return { status: 200, body: {
    ...ledgerLabel(call.deps.ledger.kind), source: 'ledger',
    receipt, terminalId, batchSeq: result.batchSeq, records: Array.isArray(result.outcomes) ? result.outcomes.length : null, receivedAt: null, status: 'settled',
    attempts: null, error: null, txId, blockNumber: commit?.blockNumber ?? null, result,
  } };
}

/** The terminal's key, from the intake's cache or the ledger: refuses an unregistered or revoked terminal and a batch it did not sign. */
export async function verifyUpload(call: Call, batch: ReturnType<typeof decodeBatch>): Promise<void> {
  const { store } = call.deps;
  let key = await store.terminalKey(batch.terminalId);
  if (key === undefined) {
    try {
      const t = await contractOf(call).evaluate('gateway', SETTLEMENT.GetTerminal(batch.terminalId));
      await store.putTerminalKey(batch.terminalId, t.publicKey, t.status);
      key = { publicKey: t.publicKey, status: t.status };
    } catch (error) {
      if (error instanceof LedgerError && error.failure === 'refused') throw new ApiError('UNKNOWN_TERMINAL', `terminal ${batch.terminalId} is not registered`);
      throw error;
    }
  }
  if (key.status !== 'active') throw new ApiError('TERMINAL_REVOKED', `terminal ${batch.terminalId} is revoked`);
  verifyBatch(batch, parsePublicJwk(key.publicKey));
}

/** Signature, size and shape are checked before anything is stored; the ledger checks them again. */
export async function acceptBatch(call: Call): Promise<{ status: number; body: unknown }> {
  const { batch: jws } = z.strictObject({ batch: z.string() }).parse(call.body);
  const batch = decodeBatch(jws);
  const { store } = call.deps;
  try {
    await verifyUpload(call, batch);
  } catch (error) {
    // The very bytes accepted before (a retry whose answer was lost): their receipt, even if the
    // terminal's key has been rotated or revoked since; they were verified when first accepted.
    const earlier = await store.getSame(batch.digest, jws);
    if (earlier !== undefined) return { status: 200, body: intakeView(earlier, call.deps) };
    throw error;
  }
  const { row, created } = await store.accept({ receipt: batch.digest, terminalId: batch.terminalId, batchSeq: batch.batchSeq, jws, recordCount: batch.records.length });
  if (created) call.deps.onAccepted();
  return { status: created ? 202 : 200, body: intakeView(row, call.deps) };
}
