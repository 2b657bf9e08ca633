/** Settlement rules (DESIGN §5) over state read once per batch: pure, deterministic, no Fabric. */
export * from './account';
export * from './books';
export * from './clearance';
export * from './points';
export * from './settle-batch';
export * from './allowance';
export * from './issuance';
export * from './payout-run';
