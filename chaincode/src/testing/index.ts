/** Test support: the in-memory stub for the contract's unit tests. Not part of the deployed chaincode. */
export { MemoryStub, TestIdentity, testContext } from './memory-stub';
export { errorCodeOf } from './error-code';
