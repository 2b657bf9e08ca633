/** The gateway's parts, for tests and tools; the process itself is main.ts. */
export { createApp, type AppDeps } from './http/app';
export { openApi, renderRoleTable } from './http/openapi';
export { PROBLEM_CODES, RECORD_REASONS, SETTLE_FLAGS, renderErrorCatalogue, statusOf, type ProblemCode } from './error-catalogue';
export { ROUTES } from './http/routes';
export { IntakeStore } from './intake/intake-store';
export { IntakeWorker } from './intake/intake-worker';
export { PayerLocks, payerAccounts } from './intake/payer-locks';
export { FabricLedger, type FabricConfig, type FabricIdentity } from './ledger/fabric-ledger';
export { EMBEDDED_NOTICE, LedgerError, domainCodeOf, type LedgerKind, type LedgerPort, type LedgerRole } from './ledger/ledger-port';
export { createMetrics } from './metrics';
export { loadConfig, type CallerRole, type Credential } from './config';
export { assembleGateway } from './assemble';
export { runGateway, type ServiceConfig } from './run-gateway';
export { EmbeddedLedger, type EmbeddedLedgerOptions } from './ledger/embedded/embedded-ledger';
export { MemoryBlockStore, type BlockStore } from './ledger/embedded/block-store';
export { PostgresBlockStore } from './ledger/embedded/postgres-block-store';
export { verifyLedger, type VerifyReport } from './ledger/embedded/verify';
export type { Commit, LedgerFailure, Submitted } from './ledger/ledger-port';
