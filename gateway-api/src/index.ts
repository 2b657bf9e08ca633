/** The gateway's parts, for tests and tools; the process itself is main.ts. */
export { createApp, type AppDeps } from './http/app';
export { openApi } from './http/openapi';
export { ROUTES } from './http/routes';
export { IntakeStore } from './intake/intake-store';
export { IntakeWorker } from './intake/intake-worker';
export { PayerLocks, payerAccounts } from './intake/payer-locks';
export { FabricLedger, type FabricConfig, type FabricIdentity } from './ledger/fabric-ledger';
export { LedgerError, domainCodeOf, type LedgerPort, type LedgerRole } from './ledger/ledger-port';
export { createMetrics } from './metrics';
export { loadConfig, type CallerRole, type Credential } from './config';
export { ContractLedger } from './testing/contract-ledger';
export { startStubGateway, type StubGateway, type StaffRole, type TestGatewayOptions } from './testing/stub-gateway';
export { assembleGateway } from './assemble';
export { LedgerHost, RemoteLedger } from './testing/ledger-host';
