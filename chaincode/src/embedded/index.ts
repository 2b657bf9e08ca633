/**
 * The contract run in-process, as the embedded ledger (gateway-api) and the contract's unit tests
 * run it: a world state with versions and history, a ChaincodeStub per transaction recording its
 * read/write set, and fabric-contract-api's own dispatch. No network, no storage.
 */
export { ContractHost, type ChaincodeAnswer } from './contract-host';
export { TxStub, inRangeOf, type Proposal, type RangeRead, type Read, type RwSet } from './tx-stub';
export { WorldState, sameVersion, timestampOf, type Modification, type StateEntry, type Version, type Write } from './world-state';
