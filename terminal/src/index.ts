/** The reference terminal library a vendor embeds: acceptance, journal, batching, signing, upload, edge client (docs/terminal.md). */
export { AcceptanceEngine, type AcceptedPayer, type Decision, type DenyList, type Presentation, type RefusalCode } from './acceptance';
export { parseDenyList } from './deny-list';
export { parseFaceAgreements, type FaceAgreements } from './face-agreements';
export { EdgeClient, signApprovalRequest, type ApprovalRequest, type EdgeAnswer } from './edge-client';
export { Journal, fileJournalStore, memoryJournalStore, parseJournalEntry, type JournalEntry, type JournalState, type JournalStore } from './journal';
export { parseOfflineConfig, type OfflineConfig, type SiteEdge } from './offline-config';
export { MAX_RECORDS_PER_BATCH, OfflineTerminal, type SaleResult } from './offline-terminal';
export { SaleChain, type WireBatch, type WireEdgeMark, type WireRecord } from './sale-chain';
export { generateSigningKey, privateJwkOf, signingKeyFromJwk, type PrivateJwk, type SigningKey } from './signing-key';
export { signBytes, signJws, signJwsRaw, type JwsOptions } from './jws-signer';
export { TerminalRequestError, refusalOf, type Refusal } from './refusal';
export { DEFAULT_BACKOFF, readOutcome, uploadBatch, type Backoff, type BatchOutcome, type UploadResult, type UploadTarget } from './uploader';
