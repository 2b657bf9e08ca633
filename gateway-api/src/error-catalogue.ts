import type { ErrorCode, LedgerRejectReason, RejectReason, SettleFlag, FoldFlag } from '@dol/chaincode';
import { BODY_LIMITS, bytesText } from './body-limits';

/** Codes only the gateway gives (the others come from the domain core and the contract). */
export type GatewayCode = 'INVALID_ACTIVATION' | 'SIGN_IN_PROVIDER_UNAVAILABLE' | 'UNAUTHENTICATED' | 'TOO_MANY_FAILED_AUTHENTICATIONS' | 'BODY_TOO_LARGE' | 'UNSUPPORTED_ENCODING' | 'MALFORMED_REQUEST' | 'CONTENTION' | 'LEDGER_UNAVAILABLE' | 'REFUSED' | 'INTERNAL' | 'CLEARANCE_RECORD_INVALID' | 'CLEARANCE_RECORD_REVOKED';

/** Every code a problem+json answer can carry. */
export type ProblemCode = Exclude<ErrorCode, RejectReason | LedgerRejectReason> | GatewayCode;

/** One code of the catalogue: its HTTP status, where it can occur, and what the caller should do. */
export interface ProblemEntry {
  readonly status: number;
  readonly where: string;
  readonly action: string;
}

/** A per-record reason or flag: where it comes from and what it asks of the terminal or operator. */
export interface RecordEntry {
  readonly where: string;
  readonly action: string;
}

const FIX_INPUT = 'Fix the input and send it again; nothing was stored or written.';
const JSON_DOORS = 'any JSON body or argument (request bodies, batch payloads, credentials inside records, contract arguments)';
const BATCH = 'POST /v1/batches (intake) and SubmitBatch (the ledger checks again)';

/**
 * THE error catalogue: the single source of every code the product gives. The gateway maps codes to
 * HTTP statuses from it (statusOf), the OpenAPI document serves it, docs/errors.md is rendered
 * from it, and test/error-catalogue.test.ts fails when the code emits a code missing here or this
 * lists one nothing emits. `Record<Code, ...>` makes the compiler refuse a missing entry too.
 */
export const PROBLEM_CODES: Readonly<Record<ProblemCode, ProblemEntry>> = {
  INVALID_UTF8: { status: 400, where: JSON_DOORS, action: `Send UTF-8 without lone surrogates. ${FIX_INPUT}` },
  MALFORMED_JSON: { status: 400, where: `${JSON_DOORS}; also a request without a JSON body where one is required`, action: `Send one JSON value with Content-Type: application/json. ${FIX_INPUT}` },
  INVALID_NUMBER: { status: 400, where: JSON_DOORS, action: `Numbers are integers: no fraction, no exponent, no -0. Money is a decimal string. ${FIX_INPUT}` },
  INTEGER_OUT_OF_RANGE: { status: 400, where: JSON_DOORS, action: `Integers must be safe (|n| < 2^53) and within the field's range. ${FIX_INPUT}` },
  DUPLICATE_KEY: { status: 400, where: JSON_DOORS, action: `Send each key once. ${FIX_INPUT}` },
  FORBIDDEN_KEY: { status: 400, where: JSON_DOORS, action: `Keys __proto__, constructor and prototype are refused. ${FIX_INPUT}` },
  TOO_DEEP: { status: 400, where: JSON_DOORS, action: `Nest at most as deep as the protocol's documents do. ${FIX_INPUT}` },
  MALFORMED_JWS: { status: 400, where: `${BATCH}; media certificates, payment codes, tap and face credentials inside records`, action: `Send a compact JWS (three base64url parts, header alg/kid/typ only). ${FIX_INPUT}` },
  JWS_TOO_LARGE: { status: 413, where: `${BATCH}: a batch JWS longer than its limit (about 2.8 MB) inside a body under ${bytesText(BODY_LIMITS.batch)}; a credential inside a record over its limit`, action: 'Split the batch (at most 1,000 records, 2 MiB of payload) or shorten the credential; nothing was stored.' },
  UNSUPPORTED_ALG: { status: 400, where: `${BATCH}; credentials inside records`, action: `Use ES256 or EdDSA (an alg that is one of these but not the key's is BAD_SIGNATURE). ${FIX_INPUT}` },
  BAD_SIGNATURE: { status: 422, where: `${BATCH}: the batch signature does not verify with the terminal's registered key`, action: 'Sign with the key registered for this terminal (GET /v1/terminals/{id}/config; rotate with PUT /v1/terminals/{id}/key). Nothing was stored.' },
  INVALID_KEY: { status: 400, where: 'POST /v1/terminals, PUT /v1/terminals/{id}/key, POST /v1/issuer-keys; media certificates inside records', action: `Send a public JWK of P-256 (a point on the curve) or Ed25519 with only its public members. ${FIX_INPUT}` },
  INVALID_FIELD: { status: 400, where: 'any body, query or path parameter, batch header and record field whose value breaks its rule (format, range, a value outside the allowed set)', action: `Read the detail: it names the field and the rule. ${FIX_INPUT}` },
  MISSING_FIELD: { status: 400, where: 'any body or document lacking a required field; a clearance leaving a debt without a resolution', action: `Add the field the detail names. ${FIX_INPUT}` },
  UNKNOWN_FIELD: { status: 400, where: 'any request body or query string, document of the protocol or contract argument carrying a field or parameter it does not define', action: `Remove the field the detail names. ${FIX_INPUT}` },
  INVALID_AMOUNT: { status: 400, where: 'every amount at every door (request bodies, records, certificates, policies): not a canonical decimal string of minor units, or negative/zero where that is not allowed', action: `Send minor units as a decimal string ("1250", not "12.50", 1250 or "01250"). ${FIX_INPUT}` },
  AMOUNT_OUT_OF_RANGE: { status: 400, where: 'every amount: more than 18 digits; or a sum that would pass ±999,999,999,999,999,999 minor units (a top-up onto a full wallet)', action: 'Send a smaller amount; nothing was written.' },
  WRONG_TYPE: { status: 400, where: 'any HTTP body whose field has the wrong JSON type (a number where a string or one of a set of values is required, ...; an amount is INVALID_AMOUNT instead)', action: `Send the type the OpenAPI schema or protocol gives. ${FIX_INPUT}` },
  UNSUPPORTED_VERSION: { status: 400, where: `${BATCH}; credentials inside records: a protocol version other than 1`, action: 'Speak protocol v1 (docs/protocol.md).' },
  BATCH_TOO_LARGE: { status: 413, where: `POST /v1/batches: a body over ${bytesText(BODY_LIMITS.batch)} (other requests' bodies have smaller limits: BODY_TOO_LARGE); a batch of more than 1,000 records or 2 MiB of payload; a contract argument over its size limit`, action: 'Split the batch and upload the parts in order; nothing was stored.' },
  RECORDS_OUT_OF_SEQUENCE: { status: 400, where: `${BATCH}: record sequence numbers not consecutive from the batch header's first`, action: 'Number records consecutively; nothing was stored.' },
  TERMINAL_MISMATCH: { status: 400, where: `${BATCH}: a record names another terminal than its batch`, action: 'Upload each terminal\'s records in its own batch; nothing was stored.' },
  KID_MISMATCH: { status: 422, where: `${BATCH}: the JWS header kid is not the batch payload's terminalId (checked after the signature)`, action: 'Set kid to the terminalId; nothing was stored.' },
  UNKNOWN_TERMINAL: { status: 404, where: `${BATCH}; terminal endpoints: the terminal is not registered`, action: 'Register the terminal (POST /v1/terminals) before it uploads.' },
  TERMINAL_REVOKED: { status: 403, where: `${BATCH}: the terminal was revoked`, action: 'The operator must reactivate it (PUT /v1/terminals/{id}/status); its batches are not accepted until then.' },
  NOT_FOUND: { status: 404, where: 'any read or write naming an account, merchant, terminal, issuer key, payment, batch receipt, transaction or route that does not exist', action: 'Check the identifier; create the thing first if it should exist.' },
  ALREADY_EXISTS: { status: 409, where: 'POST /v1/accounts, /v1/merchants, /v1/terminals, /v1/issuer-keys with an id already taken; POST /v1/deny-list for an account or medium already deny-listed; POST /v1/deny-list/{version}/lift of an entry already lifted', action: 'Use a new id, or read the existing one (GET /v1/deny-list?since=0 for the deny list); nothing was changed.' },
  ACCESS_DENIED: { status: 403, where: 'every endpoint: the credential\'s role may not call it (or a terminal reads another terminal\'s data); the ledger checks the Fabric identity\'s role and organisation again', action: 'Use a credential of a role the OpenAPI operation lists in x-roles.' },
  ACCOUNT_CLOSED: { status: 409, where: 'top-ups, credit lines and other writes to an account closed by graduation clearance', action: 'The account is closed for good; nothing was written.' },
  WRONG_ACCOUNT_STATE: { status: 409, where: "POST /v1/clearances/{account}/begin on an account not active; .../complete on one whose clearance has not begun; POST /v1/deny-list/{version}/lift of an entry that is not an operator's own (a lost medium, a clearance, a double spend, a lift) or that a later entry covers", action: "Follow the clearance order: begin, then complete. Lift only the operator's own entries; what a later entry lists stays listed." },
  FOUR_EYES_REQUIRED: { status: 409, where: 'POST /v1/clearances/{account}/complete waiving a debt above the waiver limit (PUT /v1/waiver-limit; until set, every waiver) without a second registrar\'s approval, or by the registrar who approved it; POST .../waivers without a named registrar', action: 'Have another registrar approve the waiver (POST /v1/clearances/{account}/waivers), then complete the clearance yourself; nothing was written.' },
  CLEARANCE_RECORD_INVALID: { status: 422, where: "POST /v1/clearance-records/verify: the record names no clearance record on this organisation's ledger, its transaction is not valid there, or a claim, salt, issuer, time, channel or chaincode differs from what the ledger holds (altered by as little as one byte)", action: 'Refuse the record; ask the graduate for the one the registrar issued.' },
  CLEARANCE_RECORD_REVOKED: { status: 422, where: 'POST /v1/clearance-records/verify: the record is genuine but the registrar revoked it (the answer says when and why)', action: 'Refuse the record; the graduate asks the registrar for a current one.' },
  INSUFFICIENT_FUNDS: { status: 409, where: "POST /v1/purse-loads: the account's wallet holds less than the load", action: 'Top up the account first, or load less.' },
  IDEMPOTENCY_CONFLICT: { status: 409, where: 'POST /v1/top-ups: the topUpId already names a top-up of another account or amount', action: 'Use a new topUpId for a new top-up; repeat a top-up only with the same body (it then answers the original, replayed: true, without writing).' },
  RUN_TOO_LARGE: { status: 409, where: 'POST /v1/payout-runs: the unpaid credits of all merchants are more lines than one run takes (10,000)', action: 'Pay the merchants with the most credits one by one (POST /v1/payouts), then run again; nothing was paid.' },
  NO_AGREEMENT: { status: 409, where: "POST /v1/me/certificates, POST /v1/cards/certificates: the account has no live direct-debit agreement; DELETE /v1/me/agreement with none to withdraw", action: "Accept the agreement in force first (GET /v1/agreement, POST /v1/me/agreement); nothing was issued." },
  AGREEMENT_OUTDATED: { status: 409, where: "POST /v1/me/agreement: the acceptance names another version or text hash than the one in force", action: "Fetch GET /v1/agreement again, show that text and sign its version and hash." },
  ACCOUNT_DENIED: { status: 409, where: "certificate requests and agreements of an account in clearance, closed or deny-listed", action: "No certificate can be issued for this account; the registrar or operator says why." },
  ADVANCE_OVERDUE: { status: 409, where: "certificate requests while the account owes an advance older than the risk policy's advanceMaxAgeMs", action: "Top up: a top-up recovers the advance first; then ask again." },
  TOO_MANY_CERTIFICATES: { status: 409, where: "certificate requests for a new medium while the account already holds live certificates on maxLiveMedia media", action: "Report an unused medium lost, or wait until a certificate expires." },
  INSUFFICIENT_ALLOWANCE: { status: 409, where: "certificate requests when wallet and unused credit, less open advances and the exposure of other live certificates, leave nothing to allow offline; a certificate asking more than the ledger allows now", action: "Top up (or have finance raise the credit line), then ask again; nothing was issued." },
  COUNTER_RANGE_OVERLAP: { status: 409, where: "RecordIssuances: a certificate whose counter range starts below the medium's next free counter (an earlier certificate covers it)", action: "Defect in the issuer: quote again (QuoteCertificates) and sign the range the ledger gives." },
  MEDIUM_LOST: { status: 409, where: "certificate requests for a medium reported lost or deny-listed", action: "A lost key never comes back: make a new key (the wallet does) and request a certificate for it." },
  MEDIUM_OF_ANOTHER_ACCOUNT: { status: 409, where: "certificate requests for a key another account has already certified", action: "Make a new key; one key is one medium of one account for ever." },
  STALE_REQUEST: { status: 400, where: "POST /v1/me/certificates and /v1/me/agreement: the signed request is dated too far from the gateway's clock (5 minutes for certificate requests, a day for acceptances)", action: "Sign the request again now (check the phone's clock)." },
  INVALID_ACTIVATION: { status: 401, where: "POST /v1/student-activations: the code is unknown, used, expired or of another account", action: "Ask finance for a new activation code; each works once, for one account, until it expires." },
  SIGN_IN_PROVIDER_UNAVAILABLE: { status: 503, where: "GET /v1/oidc/login and /v1/oidc/callback when the campus's OpenID Connect provider does not answer (10 s per call); the wallet receives it as #oidc-error=", action: 'Try again later, or sign in with an activation code from finance.' },
  TOO_MANY_FAILED_AUTHENTICATIONS: { status: 429, where: 'every endpoint, once an address has made more failed authentications within a minute than the gateway allows (DOL_AUTH_FAILURES_PER_MINUTE, 30); a valid credential is never held back, nor a student activation', action: 'Wait the Retry-After seconds; check the token before sending it again.' },
  BODY_TOO_LARGE: { status: 413, where: `any request but a batch upload whose body is over its endpoint's limit (${bytesText(BODY_LIMITS.staff)}; ${bytesText(BODY_LIMITS.import)} for the bulk writes of up to 500 items: imports of accounts and top-ups, activation codes, card certificates)`, action: 'Send less (split an import into parts of at most 500); nothing was read or written.' },
  UNSUPPORTED_ENCODING: { status: 415, where: 'any body with a Content-Encoding other than gzip, deflate or br, or a charset other than UTF-8', action: 'Send UTF-8 JSON, uncompressed or gzip/deflate/br; nothing was read or written.' },
  MALFORMED_REQUEST: { status: 400, where: 'any request the HTTP layer cannot read: a compressed body that does not decompress, a path that is not valid percent-encoding, an upload aborted before its end', action: 'Fix the request and send it again; nothing was stored or written.' },
  UNAUTHENTICATED: { status: 401, where: 'every staff, student and terminal endpoint without a valid bearer credential; POST /v1/batches with a bearer credential that is present but invalid (uploads need none); a campus sign-in whose answer is not this browser\'s (state, cookie, replay) or does not verify; POST /v1/oidc/session with a hand-off that is unknown, used, expired or of another browser', action: 'Send Authorization: Bearer <token> with a token the operator issued.' },
  CONTENTION: { status: 409, where: 'a write that concurrent transactions kept invalidating (MVCC) through every re-endorsement: a top-up, credit line or clearance step while folds or other writes kept changing the same account, a payout run while batches kept settling', action: 'Nothing was written. Send the same request again after the Retry-After seconds (top-ups are idempotent on topUpId).' },
  LEDGER_UNAVAILABLE: { status: 503, where: 'reads and writes when no peer (or the embedded ledger) answers within the deadline; /readyz while batches are not settling', action: 'Retry later with the same request (writes are idempotent by their ids; uploads are already queued).' },
  REFUSED: { status: 502, where: 'a ledger refusal without a domain code (an unexpected contract failure); also the last error of a batch that ended so', action: 'Report it with the request id: it is a defect, not a problem with the input.' },
  INTERNAL: { status: 500, where: 'any endpoint, on an unexpected gateway error', action: 'Report it with the request id (instance); the gateway log holds the cause.' },
};

/** Per-record reasons of a `rejected` outcome in a batch result (never an HTTP status). */
export const RECORD_REASONS: Readonly<Record<RejectReason | LedgerRejectReason, RecordEntry>> = {
  MALFORMED_CREDENTIAL: { where: 'the record\'s credential (certificate, payment code, tap, face attestation) does not parse', action: 'Terminal defect: such a credential must be refused at the till.' },
  UNKNOWN_ISSUER: { where: 'the media certificate names an issuer key not registered', action: 'Register the issuer key (POST /v1/issuer-keys) before media it signed are used.' },
  ISSUER_REVOKED: { where: 'the issuer key was revoked before the sale', action: 'The terminal should refuse media of revoked issuers (deny list).' },
  ISSUER_NOT_VALID: { where: 'the sale lies outside the issuer key\'s validity period', action: 'Re-issue media under a valid key.' },
  BAD_CERT_SIGNATURE: { where: 'the media certificate\'s signature does not verify with the issuer key', action: 'Forged or corrupted medium: the terminal must refuse it.' },
  BAD_PAYER_SIGNATURE: { where: 'the payment code or tap is not signed by the medium\'s key', action: 'Forged or corrupted credential: the terminal must refuse it.' },
  CERT_NOT_YET_VALID: { where: 'the sale is before the media certificate\'s nbf', action: 'Check the terminal clock and the medium.' },
  CERT_EXPIRED: { where: 'the sale is after the media certificate\'s exp', action: 'The payer must renew the medium; the terminal must refuse expired ones.' },
  MEDIUM_MISMATCH: { where: 'the credential\'s kind does not match the record\'s medium (code, tap, face)', action: 'Terminal defect.' },
  MEDIA_MISMATCH: { where: 'the payment code or tap was made by another medium than the certificate names', action: 'Terminal defect or replayed credential.' },
  STALE_CODE: { where: 'the payment code or tap had expired at the sale', action: 'Ask the payer for a fresh code.' },
  CODE_FROM_FUTURE: { where: 'the payment code was made after the sale time', action: 'Check the terminal and phone clocks.' },
  TAP_AMOUNT_MISMATCH: { where: 'the tap authorised another amount than the record charges', action: 'Terminal defect.' },
  TAP_TERMINAL_MISMATCH: { where: 'the tap authorised another terminal', action: 'Relayed tap: the terminal must refuse it.' },
  OVER_CAP: { where: 'the amount is over the medium\'s per-payment cap or the face cap', action: 'The terminal must refuse over-cap sales offline.' },
  COUNTER_OUT_OF_RANGE: { where: 'the payment counter is outside the certificate\'s ctrFrom..ctrTo', action: 'The medium is spent: the payer must renew it.' },
  FACE_SCORE_LOW: { where: 'the face attestation score is below the risk policy\'s minimum', action: 'The terminal must refuse low-score matches.' },
  FUTURE_TIMESTAMP: { where: 'the sale time is beyond the ledger time plus the allowed clock skew', action: 'Fix the terminal clock.' },
  PURSE_SALE_MISMATCH: { where: 'a purse purchase the card signed for another amount or another terminal than the record says', action: 'Terminal defect: record the purchase the card signed for this sale.' },
  PURSE_BALANCE_INVALID: { where: "a purse purchase whose balances do not add up (before − amount ≠ after): not what a genuine card signs", action: 'Refuse the card; the operator examines it.' },
  TENDER_MISMATCH: { where: 'the record pays in points (or money) but the payer signed for the other tender, or a face sale names points', action: 'Terminal defect: record the tender the payer chose; face sales are paid in money.' },
  POINTS_NOT_REDEEMABLE: { where: 'a sale paid in points settled while the points policy sets no redemption rate (checked by the ledger)', action: 'Finance sets redeemPointsPerMille in the points policy before terminals take points.' },
  UNKNOWN_ACCOUNT: { where: 'the medium names an account the ledger does not know (checked by the ledger, not the protocol)', action: 'Open the account before issuing media for it.' },
  DENY_LISTED: { where: 'the payer was deny-listed at or before the deny-list version the terminal declared (the terminal knew)', action: 'Update the terminal\'s deny list (GET /v1/deny-list) and refuse listed payers.' },
};

/** Flags on a paid record: from settlement (SettleFlag) or, for running totals, from the fold (FoldFlag). */
export const SETTLE_FLAGS: Readonly<Record<SettleFlag | FoldFlag, RecordEntry>> = {
  'denied-after-terminal-version': { where: 'the payer was deny-listed after the version the terminal held: the operator bears it (liability shift)', action: 'None for the terminal; the operator follows up the payer.' },
  'cap-total-exceeded': { where: "set by the fold on the payment's funding (GET /v1/payments/{paymentId}, funding.flags), never on the batch's record: with this sale the medium passed its total cap (capTotal) across all terminals, each of which saw less", action: 'Review the medium; the sale settled (an overspend becomes an advance the operator fronts).' },
  'purse-clone': { where: "set by the fold on the payment's funding: a second, different purse purchase under a counter the card already used (a cloned card); the guarantee fund paid the merchant, no student was charged, a fraud case is open and the card is deny-listed", action: 'The operator investigates the card (GET /v1/fraud-cases).' },
  'purse-tampered': { where: "set by the fold on the payment's funding: a purse purchase whose balance chain does not follow the ledger's shadow (its prev, its load counter or its balance before); the guarantee fund paid, a fraud case is open and the card is deny-listed", action: 'The operator investigates the card (GET /v1/purses/{mediaId}, GET /v1/fraud-cases).' },
  'points-short': { where: "set by the fold on the payment's funding: a sale paid in points whose account held fewer points than it cost (or whose points had lapsed); the student was charged its price in money (wallet, credit line, then an advance) and kept the points", action: 'None: the sale settled; the terminal cannot see a balance offline.' },
  'post-closure-referred': { where: "a sale of an account already closed: the guarantee fund paid the merchant and the amount is referred. On the record when the account was closed at settlement (its funding decided then), or on the payment's funding when the account closed between settlement and the fold", action: 'The registrar follows up the referral.' },
  'account-in-clearance': { where: 'the account is in graduation clearance (deny-listed): the sale settled and adds to the debts clearance resolves', action: 'The registrar resolves the new debt in the clearance.' },
  'edge-approved': { where: "the site's edge node approved the sale (its signed approval verifies and names this sale): a double spend it approved is the operator's risk", action: 'None.' },
  'edge-over-slice': { where: "the edge approved the sale beyond the student's slice, as the policy's edgeOverflow 'advance' allows: an advance the operator chose to front", action: 'None; the operator recovers the advance from the next top-up.' },
  'edge-unreachable': { where: 'the terminal could not reach its edge and decided alone: a double spend here is found only at settlement', action: "Check the site's edge and local network (docs/edge.md)." },
  'edge-approval-invalid': { where: 'the record carries an approval that does not verify with an active edge key or names another sale', action: 'Investigate the terminal: an approval was forged or copied.' },
  'cert-unrecorded': { where: "the media certificate is not one the issuer service recorded on the ledger (made outside it, or with other limits): its exposure was never on the ledger", action: "Investigate the issuer key that signed it (GET /v1/key-history/issuer/{keyId}); revoke it if it leaked." },
  'cert-superseded': { where: "the certificate had been replaced by a refresh of the same medium before this sale settled: the operator bears what it spends beyond the new certificate", action: "None for the terminal; a medium spending under an old certificate after a refresh deserves a look." },
  'cert-revoked': { where: "the certificate had been revoked by a loss report or a withdrawn agreement after the terminal's deny-list version (the liability rule decides who bears it)", action: "None for the terminal that had not synced; refresh the deny list more often." },
  'no-agreement': { where: "a face sale of an account without a live direct-debit agreement: settled, the operator's risk", action: "Face terminals sync GET /v1/face-agreements and refuse other accounts' faces (NO_AGREEMENT at the stall; docs/wallet.md)." },
};

/** True when the code is one of the catalogue's problem codes. */
export function isCatalogued(code: string): code is ProblemCode {
  return Object.hasOwn(PROBLEM_CODES, code);
}

/**
 * HTTP status of a problem code: the only source of the gateway's error statuses. A code outside
 * the catalogue is a defect, answered 500 and logged (test/error-catalogue.test.ts fails on any
 * line of the product that can emit one).
 */
export function statusOf(code: string): number {
  return isCatalogued(code) ? PROBLEM_CODES[code].status : 500;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** docs/errors.md, rendered from the catalogue (`npm run docs` writes it; a test checks it is current). */
export function renderErrorCatalogue(): string {
  const lines = [
    '# Error catalogue',
    '',
    '<!-- Generated from gateway-api/src/error-catalogue.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'Every refusal is an RFC 9457 problem (`application/problem+json`) with a stable `code` for',
    'programs and a `detail` for people (the detail never repeats the code). A refused request',
    'changes nothing. The same fault gets the same code at every door: the gateway judges amounts,',
    'JSON and fields with the domain core\'s own parsers, and the ledger checks again. The OpenAPI',
    'document serves this catalogue (`components.schemas.Problem.properties.code.enum` and',
    '`x-error-catalogue`).',
    '',
    '## Problem codes',
    '',
    '| code | HTTP | where it can occur | what to do |',
    '| --- | --- | --- | --- |',
    ...Object.entries(PROBLEM_CODES).map(([code, e]) => `| \`${code}\` | ${String(e.status)} | ${cell(e.where)} | ${cell(e.action)} |`),
    '',
    '## Per-record reasons',
    '',
    'A batch is judged record by record; a record the terminal should have refused is `rejected`',
    'with one of these reasons in the batch result (`GET /v1/batches/{receipt}`), never an HTTP',
    'error. The first 18 are the protocol\'s verdict table (docs/protocol.md), checked from the record',
    'alone; the last two need the ledger\'s state.',
    '',
    '| reason | when | what to do |',
    '| --- | --- | --- |',
    ...Object.entries(RECORD_REASONS).map(([code, e]) => `| \`${code}\` | ${cell(e.where)} | ${cell(e.action)} |`),
    '',
    '## Flags on settled records',
    '',
    'A settled record may carry flags: it settled, and this is worth knowing. Settlement sets them on the',
    'record in the batch result; the fold that funds the payment sets those that are running totals of the',
    'account on the payment\'s funding (`GET /v1/payments/{paymentId}`, `funding.flags`): a flag\'s row',
    'says so where the fold sets it.',
    '',
    '| flag | meaning | what to do |',
    '| --- | --- | --- |',
    ...Object.entries(SETTLE_FLAGS).map(([flag, e]) => `| \`${flag}\` | ${cell(e.where)} | ${cell(e.action)} |`),
    '',
  ];
  return lines.join('\n');
}
