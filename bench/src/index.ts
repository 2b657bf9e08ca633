/** What tests reuse of the benchmark tools: fault injection over a canteen burst. */
export { FAULTS, GatewayProcess, RetryingClient, burstWithFault, freePort, inject, raftLeader, sleep, type BurstOptions, type FaultKind } from './fault-kit';
