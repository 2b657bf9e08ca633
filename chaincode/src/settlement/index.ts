/** Settlement rules (DESIGN §5) over state read once per batch: pure, deterministic, no Fabric. */
export * from './account';
export * from './books';
export * from './clearance';
export * from './clearance-record';
export * from './points';
export * from './settle-batch';
export * from './allowance';
export * from './issuance';
export * from './payout-run';
export * from './merchant-credit';
export * from './advances';
export * from './debt-ageing';
export * from './points-supply';
export * from './statement-proof';
export * from './settling-submission';
export * from './fold';
export * from './payer';
