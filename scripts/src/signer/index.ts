/** The signing side of protocol v1: plays issuers, wallets, cards and terminals, and forges broken artefacts. */
export { Issuer, type CertFields } from './issuer';
export { PayerMedium, faceCredential } from './payer';
export { PurseCard } from './purse-card';
export {
  SaleChain as Terminal, generateSigningKey, privateJwkOf, signBytes, signJws, signJwsRaw, signingKeyFromJwk,
  type JwsOptions, type PrivateJwk, type SigningKey, type WireBatch, type WireRecord,
} from '@dol/terminal';
export { algNone, hs256, tamperPayload, withHeader, withPayload } from './forgery';
export { caseIssuers, everyRecordVerdict, type CaseIssuers, type RecordCase } from './record-cases';
