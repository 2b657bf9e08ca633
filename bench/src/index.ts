/** What tests reuse of the benchmark tools: fault injection over a canteen burst, and the test hosts of the gateway. */
export { FAULTS, GatewayProcess, RetryingClient, burstWithFault, freePort, inject, raftLeader, sleep, type BurstOptions, type FaultKind } from './fault-kit';
export { startTestGateway, type TestGateway, type StaffRole, type TestGatewayOptions } from './test-gateway';
export { LedgerHost, RemoteLedger } from './ledger-host';
export { withRoleTable } from './render-docs';
export { makeTestCertificates, type TestCertificates } from './test-certificates';
export { spawnGateway } from './gateway-process';
export { morningRefresh, type RefreshFigures } from './bench-issuance';
export { codeShown, type CodeShownFigures } from './bench-wallet';
