/**
 * The deny-list contract's transactions (`denylist:`, chaincode/src/contract/deny-list-contract.ts):
 * the operator's own entries and their lifts. The gateway forwards their answers to the API caller.
 */
import { forwarded, jsonArg, write } from './transaction';

const D = 'denylist';

/** Every transaction of the deny-list contract the gateway calls. */
export const DENY_LIST = {
  AddDenyEntry: write(D, 'AddDenyEntry', (entry: { kind: 'account' | 'medium'; id: string; reason: string }) => jsonArg(entry), forwarded),
  LiftDenyEntry: write(D, 'LiftDenyEntry', (lift: { version: number; reason: string }) => jsonArg(lift), forwarded),
} as const;
