/** Scripts package: the protocol signing library, reused by tests, the simulator and benchmarks. */
export * from './signer';
