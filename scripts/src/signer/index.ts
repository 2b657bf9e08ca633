/** The signing side of protocol v1: plays issuers, wallets, cards and terminals, and forges broken artefacts. */
export { Issuer, type CertFields } from './issuer';
export { PayerMedium, faceCredential } from './payer';
export { Terminal, type WireBatch, type WireRecord } from './terminal';
export { generateSigningKey, privateJwkOf, signingKeyFromJwk, type PrivateJwk, type SigningKey } from './keys';
export { signBytes, signJws, signJwsRaw, type JwsOptions } from './jws-signer';
export { algNone, hs256, tamperPayload, withHeader, withPayload } from './forgery';
export { caseIssuers, everyRecordVerdict, type CaseIssuers, type RecordCase } from './record-cases';
