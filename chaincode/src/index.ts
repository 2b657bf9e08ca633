/** Public surface of the chaincode package: the domain core, reused by gateway-api, scripts and tests. */
export * from './core';
export * from './settlement';
