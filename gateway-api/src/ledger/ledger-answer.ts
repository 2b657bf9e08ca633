import { isJsonObject } from '@dol/chaincode';
import { LedgerError } from './ledger-port';

/**
 * Reading the contract's answers, for every typed client of it (settlement, issuance): an answer
 * that is not JSON is the ledger refusing in a way the gateway cannot use, never a crash.
 */
export function parseAnswer(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new LedgerError('refused', `${what} answered something that is not JSON`, 'REFUSED');
  }
}

/** The answer's list under `key` (or the answer itself with no key), of exactly `length` entries when given. */
export function answerList(answer: unknown, what: string, key?: string, length?: number): unknown[] {
  const list = key === undefined ? answer : isJsonObject(answer) ? answer[key] : undefined;
  if (!Array.isArray(list) || (length !== undefined && list.length !== length)) {
    throw new LedgerError('refused', `${what} answered ${length === undefined ? 'no list' : 'another number of entries'}`, 'REFUSED');
  }
  return list;
}
