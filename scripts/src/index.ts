/** Scripts package: the protocol signing library, reused by tests, the simulator and benchmarks. */
export * from './signer';
export { buildScenario, type Scenario, type ScenarioOptions } from './sim/scenario';
export { runScenario, formatReport, type RunReport } from './sim/run-scenario';
export { formatStall, percentile, playRush, type Rush, type StallReport } from './sim/rush';
export { SiteEdges } from './sim/site-edges';
export { GatewayClient, fetchRetryingResets, type HttpResult } from './sim/gateway-client';
export { progressBar } from './sim/progress-bar';
export { positiveIntOption } from './options';
