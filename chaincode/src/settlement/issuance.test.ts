import fc from 'fast-check';
import { Amount } from '../core/amount';
import { parseAccountId, parseGroupId, parseMediaId, type MediaId } from '../core/ids';
import { DEFAULT_ISSUANCE_LIMITS, type IssuanceLimits } from '../core/risk-policy';
import { openAccount, type AccountState, type CertRecord, type MediumState } from './account';
import { offlineAvailable } from './allowance';
import { CERT_RETENTION_MS, certFinding, exposureOf, holdQuote, quoteCertificate, recordCertificate } from './issuance';

const NOW = 1_767_225_600_000;
const LIMITS: IssuanceLimits = { ...DEFAULT_ISSUANCE_LIMITS, certCapTotal: Amount.parse('30000'), certCapPerPayment: Amount.parse('2000'), maxLiveMedia: 3 };
const amount = (max: number): fc.Arbitrary<Amount> => fc.integer({ min: 0, max }).map((n) => Amount.of(BigInt(n)));
const media = (n: number): MediaId => parseMediaId(`w-m${n}`);

/** A live certificate of `capTotal` with `spent` settled under it. */
function medium(capTotal: Amount, spent: Amount, status: CertRecord['status'] = 'live'): MediumState {
  const cert: CertRecord = { ctrTo: 100, capTotal: capTotal.max(Amount.of(1n)), capPerPayment: Amount.of(1n), nbf: NOW - 1000, exp: NOW + 3_600_000, keyId: 'k', digest: '0'.repeat(64), recordedAt: NOW - 1000, status };
  return { used: {}, spent: { '1': spent }, kind: 'wallet', certs: { '1': cert }, ctrNext: 101 };
}

const accountArb = fc.record({
  wallet: amount(100_000), creditLine: amount(50_000), creditUsedShare: fc.integer({ min: 0, max: 100 }), advance: amount(20_000),
  others: fc.array(fc.tuple(amount(40_000), amount(40_000)), { maxLength: 3 }), agreed: fc.boolean(),
}).map(({ wallet, creditLine, creditUsedShare, advance, others, agreed }): AccountState => {
  const base = openAccount(parseAccountId('s1'), parseGroupId('g'), creditLine);
  const mediaMap: Record<string, MediumState> = {};
  others.forEach(([cap, spent], i) => {
    mediaMap[media(i + 1)] = medium(cap, spent);
  });
  return {
    ...base, wallet: advance.gt(Amount.ZERO) ? Amount.ZERO : wallet, creditUsed: creditLine.mulRatio(BigInt(creditUsedShare), 100n, 'floor'), advance,
    ...(advance.gt(Amount.ZERO) ? { debtSince: NOW - 86_400_000 } : {}),
    media: mediaMap, ...(agreed ? { agreement: { version: 1, textHash: 'a'.repeat(64), acceptedAt: NOW - 1, status: 'live' as const } } : {}),
  };
});

describe('issuance rules (docs/wallet.md, "Limits")', () => {
  it('never allows a certificate beyond wallet + unused credit − advances − other live exposure (property)', () => {
    fc.assert(fc.property(accountArb, (a) => {
      const q = quoteCertificate(a, media(0), LIMITS, NOW);
      const ceiling = offlineAvailable(a).sub(a.advance).sub(exposureOf(a, NOW, media(0)));
      if (!q.ok) return;
      expect(q.quote.capTotal.gt(ceiling)).toBe(false);
      expect(q.quote.capTotal.gt(LIMITS.certCapTotal)).toBe(false);
      expect(q.quote.capPerPayment.gt(q.quote.capTotal)).toBe(false);
      // Recorded, the whole account's exposure stays within what it covers.
      const r = recordCertificate(a, { ...q.quote, mediaId: media(0), kind: 'wallet', keyId: 'k', digest: '1'.repeat(64) }, LIMITS, NOW);
      expect(r.ok).toBe(true);
      if (r.ok) expect(exposureOf(r.account, NOW).gt(offlineAvailable(a).sub(a.advance).max(exposureOf(a, NOW, media(0))))).toBe(false);
    }), { numRuns: 500 });
  });

  it('a quote held in a group counts for the next quote of the same account: the two together within the allowance, their counters disjoint (property)', () => {
    fc.assert(fc.property(accountArb, (a) => {
      const first = quoteCertificate(a, media(0), LIMITS, NOW);
      if (!first.ok) return;
      const held = holdQuote(a, media(0), first.quote, NOW);
      const again = quoteCertificate(held, media(0), LIMITS, NOW);
      if (again.ok) expect(again.quote.ctrFrom).toBe(first.quote.ctrTo + 1);
      const other = quoteCertificate(held, media(9), LIMITS, NOW);
      if (!other.ok) return;
      const ceiling = offlineAvailable(a).sub(a.advance).sub(exposureOf(a, NOW, media(0)));
      expect(other.quote.capTotal.add(first.quote.capTotal).gt(ceiling)).toBe(false);
    }), { numRuns: 300 });
  });

  it('refuses without a live agreement, and a certificate asking more than the quote', () => {
    fc.assert(fc.property(accountArb, fc.integer({ min: 1, max: 1000 }), (a, extra) => {
      const q = quoteCertificate(a, media(0), LIMITS, NOW);
      if (a.agreement === undefined) {
        expect(q.ok).toBe(false);
        return;
      }
      if (!q.ok) return;
      const greedy = recordCertificate(a, { ...q.quote, capTotal: q.quote.capTotal.add(Amount.of(BigInt(extra))), mediaId: media(0), kind: 'wallet', keyId: 'k', digest: '1'.repeat(64) }, LIMITS, NOW);
      expect(greedy.ok).toBe(false);
    }), { numRuns: 300 });
  });

  it('keeps counter ranges disjoint across refreshes, superseding the previous certificate', () => {
    let a: AccountState = { ...openAccount(parseAccountId('s2'), parseGroupId('g'), Amount.ZERO), wallet: Amount.parse('10000'), agreement: { version: 1, textHash: 'a'.repeat(64), acceptedAt: NOW, status: 'live' } };
    const ranges: [number, number][] = [];
    for (let day = 0; day < 20; day += 1) {
      const now = NOW + day * 86_400_000;
      const q = quoteCertificate(a, media(0), LIMITS, now);
      if (!q.ok) throw new Error(q.message);
      const r = recordCertificate(a, { ...q.quote, mediaId: media(0), kind: 'wallet', keyId: 'k', digest: '1'.repeat(64) }, LIMITS, now);
      if (!r.ok) throw new Error(r.message);
      a = r.account;
      for (const [from, to] of ranges) expect(q.quote.ctrFrom > to || q.quote.ctrTo < from).toBe(true);
      ranges.push([q.quote.ctrFrom, q.quote.ctrTo]);
      // A refresh replaces: the exposure is the new certificate's, not the sum.
      expect(exposureOf(a, now).toString()).toBe(q.quote.capTotal.toString());
      // The same range again is an overlap.
      const again = recordCertificate(a, { ...q.quote, mediaId: media(0), kind: 'wallet', keyId: 'k', digest: '2'.repeat(64) }, LIMITS, now);
      expect(again.ok ? 'recorded' : again.code).toBe('COUNTER_RANGE_OVERLAP');
    }
    // Expired certificates leave after their retention; the counters do not come back.
    expect(Object.keys(a.media[media(0)]?.certs ?? {}).length).toBeLessThanOrEqual(Math.ceil(CERT_RETENTION_MS / 86_400_000) + 2);
  });

  it('refuses an overdue advance, a denied account, a lost medium and a fourth medium', () => {
    const agreed = { version: 1, textHash: 'a'.repeat(64), acceptedAt: NOW, status: 'live' as const };
    const base: AccountState = { ...openAccount(parseAccountId('s3'), parseGroupId('g'), Amount.parse('10000')), agreement: agreed };
    const code = (a: AccountState, m = media(0)): string | undefined => {
      const q = quoteCertificate(a, m, LIMITS, NOW);
      return q.ok ? undefined : q.code;
    };
    expect(code({ ...base, advance: Amount.parse('10'), debtSince: NOW - LIMITS.advanceMaxAgeMs - 1 })).toBe('ADVANCE_OVERDUE');
    expect(code({ ...base, status: 'clearing' })).toBe('ACCOUNT_DENIED');
    expect(code({ ...base, media: { [media(0)]: { used: {}, spent: {}, deniedAt: 3, lost: { at: NOW, by: 'x', reason: '' } } } })).toBe('MEDIUM_LOST');
    const three = { [media(1)]: medium(Amount.parse('1'), Amount.ZERO), [media(2)]: medium(Amount.parse('1'), Amount.ZERO), [media(3)]: medium(Amount.parse('1'), Amount.ZERO) };
    expect(code({ ...base, media: three })).toBe('TOO_MANY_CERTIFICATES');
    expect(code({ ...base, creditLine: Amount.ZERO })).toBe('INSUFFICIENT_ALLOWANCE');
    expect(code(base)).toBeUndefined();
  });

  it('records a quote a few minutes later (the ledger clock moves between quote and record), not one backdated beyond the policy', () => {
    const a: AccountState = { ...openAccount(parseAccountId('s4'), parseGroupId('g'), Amount.ZERO), wallet: Amount.parse('1000'), agreement: { version: 1, textHash: 'a'.repeat(64), acceptedAt: NOW, status: 'live' } };
    const q = quoteCertificate(a, media(0), LIMITS, NOW);
    if (!q.ok) throw new Error(q.message);
    const cert = { ...q.quote, mediaId: media(0), kind: 'wallet' as const, keyId: 'k', digest: '1'.repeat(64) };
    expect(recordCertificate(a, cert, LIMITS, NOW + 120_000).ok).toBe(true);
    expect(recordCertificate(a, { ...cert, nbf: cert.nbf - 3_600_000, exp: cert.exp - 3_600_000 }, LIMITS, NOW).ok).toBe(false);
  });

  it('finds unrecorded, superseded and revoked certificates at settlement', () => {
    const m = medium(Amount.parse('500'), Amount.ZERO);
    const cert = { ctrFrom: 1, ctrTo: 100, capTotal: Amount.parse('500'), exp: NOW + 3_600_000 };
    expect(certFinding(m, cert)).toBeUndefined();
    expect(certFinding(undefined, cert)).toBe('cert-unrecorded');
    expect(certFinding(m, { ...cert, capTotal: Amount.parse('501') })).toBe('cert-unrecorded');
    expect(certFinding(medium(Amount.parse('500'), Amount.ZERO, 'superseded'), cert)).toBe('cert-superseded');
    expect(certFinding(medium(Amount.parse('500'), Amount.ZERO, 'revoked'), cert)).toBe('cert-revoked');
  });
});
