/**
 * fabric-contract-api logs some sixty `info` lines about its annotations whenever the contract is
 * loaded (contract servers, the gateway's embedded ledger, tests, benchmarks). Quiet by default:
 * warnings and errors only, unless CORE_CHAINCODE_LOGGING_LEVEL asks for more (INFO, DEBUG).
 * Imported first by ./index.ts, before fabric-contract-api creates its loggers.
 */
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'WARNING';
export {};
