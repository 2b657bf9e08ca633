/** The gateway's parts, for tests and tools; the process itself is main.ts. */
// The Fabric adapter (ledger/fabric-ledger.ts) is imported by main.ts only: fabric-gateway pulls ESM-only
// crypto that the unit tests' CommonJS runtime cannot load, and the tests never need it.
export { createApp, type AppDeps } from './http/app';
export { openApi } from './http/openapi';
export { ROUTES } from './http/routes';
export { IntakeStore } from './intake/intake-store';
export { IntakeWorker } from './intake/intake-worker';
export { LedgerError, domainCodeOf, type LedgerPort, type LedgerRole } from './ledger/ledger-port';
export { createMetrics } from './metrics';
export { loadConfig } from './config';
export { ContractLedger } from './testing/contract-ledger';
export { startStubGateway, type StubGateway, type StaffRole } from './testing/stub-gateway';
export { LedgerHost, RemoteLedger } from './testing/ledger-host';
