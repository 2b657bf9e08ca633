/** Milliseconds since the epoch. Device clocks are untrusted; the ledger's clock is the transaction timestamp. */
export type EpochMs = number;

/** Latest instant the protocol accepts (2200-01-01): keeps arithmetic on times far from 2^53. */
export const MAX_EPOCH_MS = 7_258_118_400_000;
