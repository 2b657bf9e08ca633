import { faceCredential, PayerMedium } from './payer';
import { PurseCard } from './purse-card';
import { Issuer, type CertFields } from './issuer';
import { signJws } from '@dol/terminal';
import { tamperPayload } from './forgery';
import type { SaleChain as Terminal, WireRecord } from '@dol/terminal';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One sale record and the verdict protocol v1 gives it. */
export interface RecordCase {
  readonly name: string;
  readonly rule: string;
  readonly record: WireRecord;
  readonly expect: { readonly ok: true; readonly account: string } | { readonly reason: string };
}

/** The issuers the cases need registered: active ones, one to revoke after registering, one long retired. */
export interface CaseIssuers {
  readonly issuer: Issuer;
  readonly issuerEd: Issuer;
  readonly revoked: Issuer;
  readonly retired: Issuer;
  /** Never registered. */
  readonly stranger: Issuer;
}

/** Issuers for the cases, valid around `now`; `prefix` keeps their ids apart on a shared ledger. */
export function caseIssuers(now: number, prefix = ''): CaseIssuers {
  return {
    issuer: Issuer.generate(`${prefix}issuer-es256`, 'ES256', now - 365 * DAY, now + 365 * DAY),
    issuerEd: Issuer.generate(`${prefix}issuer-ed25519`, 'EdDSA', now - 365 * DAY, now + 365 * DAY),
    revoked: Issuer.generate(`${prefix}issuer-revoked`, 'ES256', now - 365 * DAY, now + 365 * DAY),
    retired: Issuer.generate(`${prefix}issuer-retired`, 'ES256', now - 365 * DAY, now - 30 * DAY),
    stranger: Issuer.generate(`${prefix}issuer-unknown`, 'ES256', now - 365 * DAY, now + 365 * DAY),
  };
}

/**
 * Every verdict of protocol v1 for one record: three that settle (code, tap, face) and one for
 * each of the eighteen reasons a record is rejected, signed by `terminal` (which numbers and chains
 * them). Sales are an hour before `now`, the ledger's clock; the future one an hour after.
 * Accounts are `${prefix}acct-<mediaId>`; the three valid ones (`validAccounts`) must be open.
 */
export function everyRecordVerdict(now: number, terminal: Terminal, is: CaseIssuers, prefix = ''): { cases: RecordCase[]; validAccounts: string[]; card: PayerMedium } {
  const at = now - HOUR;
  const fields = (mediaId: string, overrides: Partial<CertFields> = {}): CertFields => ({
    mediaId: `${prefix}${mediaId}`, kind: 'wallet', account: `${prefix}acct-${mediaId}`, group: 'undergrad-2026', capPerPayment: '5000', capTotal: '20000',
    ctrFrom: 1, ctrTo: 100, nbf: now - 2 * DAY, exp: now + 5 * DAY, ...overrides,
  });
  const wallet = PayerMedium.issue(is.issuer, fields('wallet-0001'));
  const card = PayerMedium.issue(is.issuerEd, fields('card-0001', { kind: 'card' }), 'EdDSA');
  const face = (n: string): string => `${prefix}acct-face-${n}`;
  const cases: RecordCase[] = [];
  const add = (name: string, rule: string, amount: string, medium: WireRecord['medium'], credential: unknown, expect: RecordCase['expect'], when = at, tender?: WireRecord['tender']): void => {
    cases.push({ name, rule, record: terminal.record(when, amount, medium, credential, 0, undefined, tender), expect });
  };

  add('code-valid', '§4.3 a fresh code within caps settles', '1250', 'code', wallet.payCode(at - 5_000), { ok: true, account: wallet.fields.account });
  add('tap-valid-eddsa', '§4.4 a tap signed for the exact amount and terminal', '800', 'tap', card.tap('800', terminal.terminalId, at - 1_000, 'bm9uY2UtMDAwMQ'), { ok: true, account: card.fields.account });
  add('face-valid', '§4.5 a face match above the score, within the face cap', '1500', 'face', faceCredential(face('0001'), 950), { ok: true, account: face('0001') });
  add('malformed-credential', '§5 the credential is not <cert>~<JWS>', '100', 'code', 'not-a-credential', { reason: 'MALFORMED_CREDENTIAL' });
  add('unknown-issuer', '§5 unknown issuer', '100', 'code', PayerMedium.issue(is.stranger, fields('wallet-0002')).payCode(at - 1_000), { reason: 'UNKNOWN_ISSUER' });
  add('issuer-revoked', '§5 revoked issuer key', '100', 'code', PayerMedium.issue(is.revoked, fields('wallet-0003')).payCode(at - 1_000), { reason: 'ISSUER_REVOKED' });
  add('issuer-not-valid', '§4.1 issuer key outside validFrom..validTo at the sale', '100', 'code', PayerMedium.issue(is.retired, fields('wallet-0004')).payCode(at - 1_000), { reason: 'ISSUER_NOT_VALID' });
  {
    const m = PayerMedium.issue(is.issuer, fields('wallet-0005'));
    const forgedCert = tamperPayload(m.cert, (p) => {
      p.capPerPayment = '999999';
    });
    const code = m.payCode(at - 1_000).split('~')[1] ?? '';
    add('bad-cert-signature', '§5 certificate payload changed after the issuer signed it', '100', 'code', `${forgedCert}~${code}`, { reason: 'BAD_CERT_SIGNATURE' });
  }
  {
    const m = PayerMedium.issue(is.issuer, fields('wallet-0006'));
    const thief = PayerMedium.issue(is.issuer, fields('wallet-0006'));
    add('bad-payer-signature', '§5 code signed by a key the certificate does not name', '100', 'code', `${m.cert}~${thief.payCode(at - 1_000).split('~')[1] ?? ''}`, { reason: 'BAD_PAYER_SIGNATURE' });
  }
  add('cert-not-yet-valid', '§4.2 sale before the certificate nbf', '100', 'code', PayerMedium.issue(is.issuer, fields('wallet-0007', { nbf: now - HOUR / 2 })).payCode(at - 1_000), { reason: 'CERT_NOT_YET_VALID' });
  add('cert-expired', '§5 expired certificate', '100', 'code', PayerMedium.issue(is.issuer, fields('wallet-0008', { nbf: now - 9 * DAY, exp: now - 2 * DAY })).payCode(at - 1_000), { reason: 'CERT_EXPIRED' });
  add('medium-mismatch', '§4.6 medium says code but the payer JWS is a tap', '100', 'code', wallet.tap('100', terminal.terminalId, at - 1_000, 'bm9uY2UtMDAwMg'), { reason: 'MEDIUM_MISMATCH' });
  {
    const m = PayerMedium.issue(is.issuer, fields('wallet-0009'));
    const code = signJws(m.key, { typ: 'pay-code', v: 1, mediaId: `${prefix}wallet-other`, ctr: 1, iat: at - 1_000, ttl: 60_000 });
    add('media-mismatch', '§5 code and certificate naming different media', '100', 'code', `${m.cert}~${code}`, { reason: 'MEDIA_MISMATCH' });
  }
  add('stale-code', '§5 code older than its ttl at the sale', '100', 'code', wallet.payCode(at - 120_000, 60_000), { reason: 'STALE_CODE' });
  add('code-from-future', '§4.3 code issued after the sale (beyond skew)', '100', 'code', wallet.payCode(at + 600_000), { reason: 'CODE_FROM_FUTURE' });
  add('tap-amount-mismatch', '§4.4 payer signed another amount', '900', 'tap', card.tap('800', terminal.terminalId, at - 1_000, 'bm9uY2UtMDAwMw'), { reason: 'TAP_AMOUNT_MISMATCH' });
  add('tap-terminal-mismatch', '§4.4 payer signed for another terminal', '800', 'tap', card.tap('800', `${prefix}pos-elsewhere`, at - 1_000, 'bm9uY2UtMDAwNA'), { reason: 'TAP_TERMINAL_MISMATCH' });
  add('over-cap-code', '§5 amount over the certificate per-payment cap', '5001', 'code', wallet.payCode(at - 1_000), { reason: 'OVER_CAP' });
  add('over-cap-face', '§4.5 face payment over the face cap', '3001', 'face', faceCredential(face('0002'), 990), { reason: 'OVER_CAP' });
  add('counter-out-of-range', '§5 counter outside ctrFrom..ctrTo', '100', 'code', wallet.payCode(at - 1_000, 60_000, 101), { reason: 'COUNTER_OUT_OF_RANGE' });
  add('face-score-low', '§4.5 face match below the minimum score', '100', 'face', faceCredential(face('0003'), 899), { reason: 'FACE_SCORE_LOW' });
  // Campus-value extension: the tender is the payer's, signed with the code or the tap.
  add('points-code-valid', 'campus value: a code the student signed to pay in points, recorded as points', '600', 'code', wallet.pointsCode(at - 1_000), { ok: true, account: wallet.fields.account }, at, 'points');
  add('points-tap-valid', 'campus value: a tap signed to pay in points', '700', 'tap', card.tap('700', terminal.terminalId, at - 1_000, 'bm9uY2UtMDAwNQ', undefined, 'points'), { ok: true, account: card.fields.account }, at, 'points');
  add('tender-mismatch-code', 'campus value: the terminal records points for a code signed for money', '600', 'code', wallet.payCode(at - 1_000), { reason: 'TENDER_MISMATCH' }, at, 'points');
  add('tender-mismatch-tap', 'campus value: the terminal records money for a tap signed for points', '700', 'tap', card.tap('700', terminal.terminalId, at - 1_000, 'bm9uY2UtMDAwNg', undefined, 'points'), { reason: 'TENDER_MISMATCH' });
  add('tender-face', 'campus value: a face sale cannot spend points (no payer signs it)', '100', 'face', faceCredential(face('0004'), 990), { reason: 'TENDER_MISMATCH' }, at, 'points');
  // Campus-value extension: the card's electronic purse (the card signs its counters and balances).
  {
    const purse = PurseCard.issue(is.issuerEd, { ...fields('purse-0001', { account: `${prefix}acct-wallet-0001` }) });
    purse.tamper('5000');
    add('purse-valid', 'campus value: a purse purchase the card signed for this amount and terminal, its balances adding up', '600', 'purse', purse.purchase('600', terminal.terminalId, 1, 'bm9uY2UtcDAwMQ', at - 1_000), { ok: true, account: `${prefix}acct-wallet-0001` });
    add('purse-sale-mismatch', 'campus value: the card signed another amount than the record says', '700', 'purse', purse.purchase('600', terminal.terminalId, 2, 'bm9uY2UtcDAwMg', at - 1_000), { reason: 'PURSE_SALE_MISMATCH' });
    const base = { ctr: 9, loadCtr: 1, terminalId: terminal.terminalId, termSeq: 3, nonce: 'bm9uY2UtcDAwMw', prev: '0'.repeat(64), iat: at - 1_000 };
    add('purse-balance-invalid', 'campus value: before − amount is not after', '100', 'purse', purse.forgePurchase({ ...base, before: '1000', amount: '100', after: '950' }), { reason: 'PURSE_BALANCE_INVALID' });
    add('purse-with-wallet', 'campus value: a purse purchase needs a purse card\'s certificate', '100', 'purse', wallet.tap('100', terminal.terminalId, at - 1_000, 'bm9uY2UtcDAwNA'), { reason: 'MEDIUM_MISMATCH' });
  }
  add('future-timestamp', '§4 sale dated beyond the ledger clock and skew', '100', 'code', wallet.payCode(now + HOUR - 1_000), { reason: 'FUTURE_TIMESTAMP' }, now + HOUR);
  return { cases, validAccounts: [wallet.fields.account, card.fields.account, face('0001')], card };
}
