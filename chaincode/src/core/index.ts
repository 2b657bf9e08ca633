/** The domain core: money, protocol v1 and the stateless settlement rules. No Fabric, no I/O. */
export { Amount, AMOUNT_MAX } from './amount';
export { canonicalJson } from './canonical-json';
export { base64UrlDecode, base64UrlEncode, sha256Hex, ZERO_DIGEST } from './encoding';
export { DomainError, LEDGER_CODES, LEDGER_REJECT_REASONS, REJECT_REASONS, STRUCTURAL_CODES, assertNever, isRejectReason } from './errors';
export type { ErrorCode, ErrorDetails, LedgerCode, LedgerRejectReason, RejectReason, StructuralCode } from './errors';
export * from './ids';
export { parseIssuerKey, type IssuerKey } from './issuer-key';
export { JWS_ALGS, algOf, parsePublicJwk, verifyKeyOf, type JwsAlg, type PublicJwk, type VerifyKey } from './jwk';
export { DEFAULT_MAX_JWS, assertJws, decodeJws, verifyJws, type DecodedJws } from './jws';
export { parseMediaCert, type MediaCert } from './media-cert';
export { MAX_CODE_TTL_MS, parseFaceAttestation, parsePayCode, parseTapAuth, type FaceAttestation, type PayCode, type TapAuth } from './payer-auth';
export { parseRiskPolicy, type RiskPolicy } from './risk-policy';
export { MAX_CREDENTIAL_CHARS, MEDIA, parseSaleRecord, recordDigest, type Medium, type SaleRecord } from './sale-record';
export { MAX_BATCH_JWS_CHARS, MAX_BATCH_PAYLOAD_BYTES, MAX_BATCH_RECORDS, decodeBatch, verifyBatch, type Batch, type BatchAnomaly } from './batch';
export { decodeUtf8, parseStrictJson, type JsonValue } from './strict-json';
export { MAX_EPOCH_MS, type EpochMs } from './time';
export { useCertificateCache, verifyRecord, type FacePayer, type MediaPayer, type Verdict, type VerifyContext } from './verify-record';
