import {
  Amount, ZERO_DIGEST, book, checkInvariant, completeClearance, foldCharges, mediumOf, parsePointsPolicy, parseResolutions, payerOf, pointsFor, decodeBatch, openAccount, parseIssuerKey, parseRiskPolicy, settleBatch, storedBalances, topUp, verifyBatch, verifyRecord,
  type AccountId, type AccountState, type Digest, type FundedPayment, type GroupId, type IssuerKey, type MediaId, type MerchantId, type Outcome, type PayerView, type PointsPolicy, type Posting, type SettlementResult, type TerminalId, type TerminalState,
} from '@dol/chaincode';
import { Issuer, PayerMedium, Terminal, faceCredential, type WireRecord } from './signer';

/**
 * Settlement rules (DESIGN §5) on the pure engine, with a small in-test ledger that applies each
 * result the way the contract does (read once per batch, write what settlement returns), then folds
 * the charges and publishes the denials at once, as the gateway schedules them.
 */
const NOW = 1_767_225_600_000;
const AT = NOW - 3_600_000;
const issuer = Issuer.generate('issuer-test', 'EdDSA', NOW - 1e10, NOW + 1e10);
const issuers = new Map<string, IssuerKey>([[issuer.keyId, parseIssuerKey(issuer.registration())]]);
const policy = parseRiskPolicy({ maxClockSkewMs: 300_000, tapMaxAgeMs: 120_000, faceCapPerPayment: '3000', faceMinScore: 900 });
const GROUP = 'undergrad-2026' as GroupId;

class TestLedger {
  readonly accounts = new Map<AccountId, AccountState>();
  readonly payments = new Map<string, Digest>();
  readonly postings: Posting[] = [];
  readonly terminals = new Map<string, TerminalState>();
  readonly uses = new Map<string, string>();
  denyListVersion = 0;
  txs = 0;
  pointsPolicy: PointsPolicy | undefined;

  addTerminal(t: Terminal, merchant = 'canteen-1'): void {
    this.terminals.set(t.terminalId, {
      terminalId: t.terminalId as TerminalId, merchantId: merchant as MerchantId, status: 'active',
      lastSeq: 0, lastDigest: ZERO_DIGEST as Digest, lastBatchSeq: 0, lastBatchDigest: ZERO_DIGEST as Digest,
    });
  }

  open(account: string, creditLine = '0', wallet = '0'): void {
    let state = openAccount(account as AccountId, GROUP, Amount.parse(creditLine));
    if (wallet !== '0') {
      const r = topUp(state, Amount.parse(wallet), `seed:${account}`);
      state = r.account;
      this.postings.push(...r.postings);
    }
    this.accounts.set(state.id, state);
  }

  account(id: string): AccountState {
    const a = this.accounts.get(id as AccountId);
    if (a === undefined) throw new Error(`no account ${id}`);
    return a;
  }

  settle(terminal: Terminal, jws: string): SettlementResult & { funded: Map<string, FundedPayment> } {
    const batch = decodeBatch(jws);
    verifyBatch(batch, terminal.key.jwk);
    const state = this.terminals.get(batch.terminalId);
    if (state === undefined) throw new Error('unknown terminal');
    const verdicts = batch.records.map((r) => verifyRecord(r, { now: NOW, issuerKey: (id) => issuers.get(id), policy }));
    const payers = new Map<AccountId, PayerView | undefined>();
    for (const v of verdicts) {
      if (!v.ok) continue;
      const a = this.accounts.get(v.payer.account);
      payers.set(v.payer.account, a === undefined ? undefined : payerOf(a));
    }
    const existing = new Map<number, Digest>();
    for (const r of batch.records) {
      const d = this.payments.get(`${batch.terminalId}:${r.seq}`);
      if (d !== undefined) existing.set(r.seq, d);
    }
    this.txs += 1;
    const points = this.pointsPolicy;
    const result = settleBatch({
      batch, verdicts, terminal: state, existing, payers, uses: this.uses, pendingDenials: new Set<MediaId>(), txId: `tx${this.txs}`, now: NOW,
      ...(points === undefined ? {} : { pointsVersion: points.version }),
    });
    for (const p of result.payments) this.payments.set(p.paymentId, p.digest);
    for (const [k, v] of result.uses) this.uses.set(k, v);
    this.postings.push(...result.postings);
    this.terminals.set(batch.terminalId, result.terminal);
    // The fold, as the gateway schedules it once the batch settled.
    const funded = new Map<string, FundedPayment>();
    for (const id of new Set(result.charges.map((c) => c.account))) {
      const folded = foldCharges(this.account(id), result.charges.filter((c) => c.account === id), NOW, (v) => (v === points?.version ? points : undefined));
      this.accounts.set(id, folded.account);
      this.postings.push(...folded.postings);
      for (const f of folded.funded) funded.set(f.paymentId, f);
    }
    // PublishDenials: each double-spent medium gets the next deny-list version.
    for (const d of result.denials) {
      const a = this.account(d.account);
      this.denyListVersion += 1;
      const m = mediumOf(a, d.mediaId) ?? { used: {}, spent: {} };
      this.accounts.set(a.id, { ...a, media: { ...a.media, [d.mediaId]: { ...m, deniedAt: this.denyListVersion } } });
    }
    return { ...result, funded };
  }

  invariant(): ReturnType<typeof checkInvariant> {
    return checkInvariant(this.postings, new Map([...this.accounts.values()].flatMap(storedBalances)));
  }

  merchantBalance(merchant = 'canteen-1'): string {
    return this.postings.reduce((sum, p) => (p.to === book.merchant(merchant as MerchantId) ? sum.add(p.amount) : sum), Amount.ZERO).toString();
  }
}

function wallet(account: string, fields: Partial<{ capPerPayment: string; capTotal: string; ctrFrom: number; ctrTo: number }> = {}): PayerMedium {
  return PayerMedium.issue(issuer, {
    mediaId: `w-${account}`, kind: 'wallet', account, group: GROUP, capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 100,
    nbf: NOW - 86_400_000, exp: NOW + 86_400_000, ...fields,
  }, 'EdDSA');
}

function setup(): { ledger: TestLedger; pos: Terminal } {
  const ledger = new TestLedger();
  const pos = Terminal.generate('pos-1', 'EdDSA');
  ledger.addTerminal(pos);
  return { ledger, pos };
}

const codes = (r: SettlementResult): string[] => r.outcomes.map((o) => (o.code === 'rejected' ? `rejected:${o.reason}` : o.code));
const only = (r: SettlementResult): Outcome => {
  const [o] = r.outcomes;
  if (o === undefined || r.outcomes.length !== 1) throw new Error('expected one outcome');
  return o;
};

describe('settleBatch (DESIGN §5)', () => {
  it('settles a covered payment: payer debited, merchant credited, books balance', () => {
    const { ledger, pos } = setup();
    ledger.open('alice', '0', '5000');
    const o = only(ledger.settle(pos, pos.batch([pos.record(AT, '1250', 'code', wallet('alice').payCode(AT - 1000))])));
    expect(o.code).toBe('settled');
    expect(ledger.account('alice').wallet.toString()).toBe('3750');
    expect(ledger.merchantBalance()).toBe('1250');
    expect(ledger.invariant().ok).toBe(true);
  });

  it('re-uploading the same batch gives duplicate for every record and changes nothing', () => {
    const { ledger, pos } = setup();
    ledger.open('alice', '0', '5000');
    const jws = pos.batch([pos.record(AT, '100', 'code', wallet('alice').payCode(AT - 1000))]);
    ledger.settle(pos, jws);
    const before = ledger.postings.length;
    const again = ledger.settle(pos, jws);
    expect(codes(again)).toEqual(['duplicate']);
    expect(ledger.postings.length).toBe(before);
    expect(ledger.account('alice').wallet.toString()).toBe('4900');
  });

  it('a different record under a settled (terminal, seq) is a conflict, flagged, and not paid', () => {
    const { ledger, pos } = setup();
    ledger.open('alice', '0', '5000');
    const w = wallet('alice');
    ledger.settle(pos, pos.batch([pos.record(AT, '100', 'code', w.payCode(AT - 1000))]));
    const forger = new Terminal('pos-1', pos.key); // same key, replays seq 1 with another amount
    const r = ledger.settle(pos, forger.batch([forger.record(AT, '999', 'code', w.payCode(AT - 900))]));
    expect(codes(r)).toEqual(['conflict']);
    expect(r.anomalies.map((a) => a.kind)).toContain('conflict');
    expect(ledger.merchantBalance()).toBe('100');
  });

  it('a record the terminal should have refused is rejected with its reason and the merchant is not paid', () => {
    const { ledger, pos } = setup();
    ledger.open('alice', '0', '90000');
    const r = ledger.settle(pos, pos.batch([pos.record(AT, '6000', 'code', wallet('alice').payCode(AT - 1000))]));
    expect(codes(r)).toEqual(['rejected:OVER_CAP']);
    expect(ledger.merchantBalance()).toBe('0');
  });

  it('an unknown account is rejected as UNKNOWN_ACCOUNT', () => {
    const { ledger, pos } = setup();
    expect(codes(ledger.settle(pos, pos.batch([pos.record(AT, '100', 'face', faceCredential('ghost', 950))])))).toEqual(['rejected:UNKNOWN_ACCOUNT']);
  });

  it('a double spend pays the merchant, charges the payer again, opens a case and deny-lists the medium', () => {
    const { ledger, pos } = setup();
    const other = Terminal.generate('pos-2', 'EdDSA');
    ledger.addTerminal(other, 'canteen-2');
    ledger.open('bob', '0', '1000');
    const w = wallet('bob');
    const screenshot = w.payCode(AT - 1000); // one code, shown at two stalls
    ledger.settle(pos, pos.batch([pos.record(AT, '800', 'code', screenshot)]));
    const r = ledger.settle(other, other.batch([other.record(AT + 5000, '800', 'code', screenshot)]));
    const o = only(r);
    expect(o.code).toBe('double-spend');
    if (o.code !== 'double-spend') throw new Error('unreachable');
    expect(o.firstPayment).toBe('pos-1:1');
    expect(o.funding).toBe('pending');
    expect(r.funded.get(o.paymentId)?.funding.advance.toString()).toBe('600'); // 200 left in the wallet, 600 fronted
    expect(r.funded.get(o.paymentId)?.points.toString()).toBe('0');
    expect(r.fraudCases).toHaveLength(1);
    expect(r.denials).toEqual([{ mediaId: 'w-bob', account: 'bob', caseId: o.caseId }]);
    expect(ledger.denyListVersion).toBe(1);
    expect(ledger.merchantBalance('canteen-2')).toBe('800');
    expect(ledger.account('bob').advance.toString()).toBe('600');
    expect(ledger.invariant().ok).toBe(true);
  });

  it('a double spend inside one batch: the second use is caught without any ledger read between, and later sales of the medium are flagged until its denial is published', () => {
    const { ledger, pos } = setup();
    ledger.open('cleo', '0', '5000');
    const w = wallet('cleo');
    const code = w.payCode(AT - 1000);
    const r = ledger.settle(pos, pos.batch([pos.record(AT, '100', 'code', code), pos.record(AT + 1, '100', 'code', code), pos.record(AT + 2, '100', 'code', w.payCode(AT))]));
    expect(codes(r)).toEqual(['settled', 'double-spend', 'settled']);
    expect(r.outcomes[2]?.code === 'settled' && r.outcomes[2].flags).toContain('denied-after-terminal-version');
    expect(r.denials.map((d) => d.mediaId)).toEqual(['w-cleo']); // one pending denial, however many uses
    expect(ledger.denyListVersion).toBe(1);
  });

  it('deny list: refused when the terminal already knew (merchant risk), settled and flagged when it did not', () => {
    const { ledger, pos } = setup();
    ledger.open('carol', '0', '5000');
    const w = wallet('carol');
    const code = w.payCode(AT - 1000);
    ledger.settle(pos, pos.batch([pos.record(AT, '100', 'code', code)]));
    ledger.settle(pos, pos.batch([pos.record(AT + 1, '100', 'code', code)])); // double spend: deny-listed at version 1
    const unaware = ledger.settle(pos, pos.batch([pos.record(AT + 2, '100', 'code', w.payCode(AT), 0)]));
    const aware = ledger.settle(pos, pos.batch([pos.record(AT + 3, '100', 'code', w.payCode(AT), 1)]));
    const u = only(unaware);
    expect(u.code).toBe('settled');
    expect(u.code === 'settled' && u.flags).toContain('denied-after-terminal-version');
    expect(codes(aware)).toEqual(['rejected:DENY_LISTED']);
  });

  it('a shortfall is settled with an advance: wallet, then credit line, then the guarantee fund', () => {
    const { ledger, pos } = setup();
    ledger.open('dave', '300', '200');
    const r = ledger.settle(pos, pos.batch([pos.record(AT, '1000', 'code', wallet('dave').payCode(AT - 1000))]));
    const o = only(r);
    expect(o.code).toBe('settled');
    const f = r.funded.get(o.paymentId)?.funding;
    expect([f?.wallet, f?.credit, f?.advance].map(String)).toEqual(['200', '300', '500']);
    const a = ledger.account('dave');
    expect([a.wallet, a.creditUsed, a.advance].map(String)).toEqual(['0', '300', '500']);
    expect(ledger.invariant().ok).toBe(true);
  });

  it('a counter outside the certificate is rejected; capTotal exceeded is settled and flagged', () => {
    const { ledger, pos } = setup();
    ledger.open('erin', '0', '50000');
    const w = wallet('erin', { capPerPayment: '3000', capTotal: '5000', ctrFrom: 1, ctrTo: 3 });
    const r = ledger.settle(pos, pos.batch([
      pos.record(AT, '3000', 'code', w.payCode(AT - 1000)),
      pos.record(AT + 1, '3000', 'code', w.payCode(AT - 900)),
      pos.record(AT + 2, '100', 'code', w.payCode(AT - 800, 60_000, 4)),
    ]));
    expect(codes(r)).toEqual(['settled', 'settled', 'rejected:COUNTER_OUT_OF_RANGE']);
    expect(r.funded.get('pos-1:1')?.flags).toEqual([]);
    expect(r.funded.get('pos-1:2')?.flags).toEqual(['cap-total-exceeded']);
  });

  it('a sale after closure is paid by the guarantee fund and referred', () => {
    const { ledger, pos } = setup();
    ledger.open('frank', '0', '0');
    ledger.accounts.set('frank' as AccountId, { ...ledger.account('frank'), status: 'closed', deniedAt: 5 });
    ledger.denyListVersion = 5;
    const r = ledger.settle(pos, pos.batch([pos.record(AT, '700', 'face', faceCredential('frank', 990), 4)]));
    const o = only(r);
    expect(o.code === 'settled' && o.flags).toEqual(['denied-after-terminal-version', 'no-agreement', 'post-closure-referred']);
    expect(o.code === 'settled' && o.funding !== 'pending' && o.funding.advance.toString()).toBe('700');
    expect(r.charges).toEqual([]);
    expect(ledger.merchantBalance()).toBe('700');
    expect(ledger.postings.at(-1)?.from).toBe(book.guaranteeFund);
    expect(ledger.invariant().ok).toBe(true);
  });

  it('reports a gap in seq and a skipped batch, and still settles what arrived', () => {
    const { ledger, pos } = setup();
    ledger.open('gina', '0', '5000');
    const w = wallet('gina');
    ledger.settle(pos, pos.batch([pos.record(AT, '100', 'code', w.payCode(AT - 1000))]));
    pos.batch([pos.record(AT + 1, '100', 'code', w.payCode(AT - 900))]); // sealed, never uploaded
    const r = ledger.settle(pos, pos.batch([pos.record(AT + 2, '100', 'code', w.payCode(AT - 800))]));
    expect(codes(r)).toEqual(['settled']);
    expect(r.anomalies.map((a) => a.kind).sort()).toEqual(['gap', 'gap']);
  });

  it('records with a broken hash chain are settled and the break reported', () => {
    const { ledger, pos } = setup();
    ledger.open('hank', '0', '5000');
    const w = wallet('hank');
    const a = pos.record(AT, '100', 'code', w.payCode(AT - 1000));
    const b: WireRecord = { ...pos.record(AT + 1, '100', 'code', w.payCode(AT - 900)), prev: 'f'.repeat(64) };
    const r = ledger.settle(pos, pos.batch([a, b]));
    expect(codes(r)).toEqual(['settled', 'settled']);
    expect(r.anomalies.map((x) => x.kind)).toEqual(['chain-break']);
  });
});

describe('topUp (DESIGN §5, Top-up)', () => {
  it.each([
    ['recovers the advance first', { advance: '500', creditUsed: '300' }, '400', ['400', '0', '0'], ['100', '300', '0']],
    ['then the credit line', { advance: '500', creditUsed: '300' }, '700', ['500', '200', '0'], ['0', '100', '0']],
    ['then the balance', { advance: '500', creditUsed: '300' }, '1000', ['500', '300', '200'], ['0', '0', '200']],
    ['all to the balance without debt', { advance: '0', creditUsed: '0' }, '1000', ['0', '0', '1000'], ['0', '0', '1000']],
  ])('%s', (_name, debt, amount, recovered, after) => {
    const account: AccountState = {
      ...openAccount('ivy' as AccountId, GROUP, Amount.parse('1000')),
      advance: Amount.parse(debt.advance), creditUsed: Amount.parse(debt.creditUsed),
    };
    const r = topUp(account, Amount.parse(amount), 'topup-1');
    expect([r.recovery.advance, r.recovery.credit, r.recovery.wallet].map(String)).toEqual(recovered);
    expect([r.account.advance, r.account.creditUsed, r.account.wallet].map(String)).toEqual(after);
    expect(r.postings.reduce((s, p) => s.add(p.amount), Amount.ZERO).toString()).toBe(amount);
  });
});

describe('checkInvariant', () => {
  it('finds a stored balance that disagrees with the postings', () => {
    const { ledger } = setup();
    ledger.open('jack', '0', '100');
    ledger.accounts.set('jack' as AccountId, { ...ledger.account('jack'), wallet: Amount.parse('101') });
    const report = ledger.invariant();
    expect(report.ok).toBe(false);
    expect(report.mismatches.map((m) => m.book)).toEqual(['wallet:jack']);
  });
});

describe('clearance (DESIGN §5, Graduation clearance)', () => {
  const clearing = (over: Partial<AccountState>): AccountState => ({
    ...openAccount('kim' as AccountId, GROUP, Amount.parse('500')), status: 'clearing', ...over,
  });

  it.each([
    ['collected', book.topUpClearing],
    ['waived', book.writeOffs],
    ['referred', book.referred],
  ] as const)('a debt resolved as %s is settled from %s and the account closes', (resolution, source) => {
    const r = completeClearance(clearing({ advance: Amount.parse('700') }), [{ debt: 'advance', resolution, reference: 'ref-1' }], 'c1');
    expect(r.postings).toEqual([{ from: source, to: book.advance('kim' as AccountId), amount: Amount.parse('700'), ref: 'c1:advance' }]);
    expect(r.account).toMatchObject({ status: 'closed' });
    expect(r.account.advance.isZero()).toBe(true);
  });

  it('refunds a positive balance and expires points', () => {
    const r = completeClearance(clearing({ wallet: Amount.parse('250'), points: Amount.parse('40') }), [], 'c2');
    expect(r.postings.map((p) => [p.from, p.to, p.amount.toString()])).toEqual([
      ['wallet:kim', book.refunds, '250'],
      ['points:kim', book.pointsExpired, '40'],
    ]);
    expect([r.refunded, r.pointsExpired].map(String)).toEqual(['250', '40']);
  });

  it('refuses to complete with a debt unresolved, or resolved twice, or before clearance began', () => {
    expect(() => completeClearance(clearing({ creditUsed: Amount.parse('1') }), [], 'c')).toThrow(/^MISSING_FIELD/);
    expect(() => parseResolutions([{ debt: 'credit', resolution: 'waived', reference: 'a' }, { debt: 'credit', resolution: 'collected', reference: 'b' }])).toThrow(/^INVALID_FIELD/);
    expect(() => completeClearance({ ...clearing({}), status: 'active' }, [], 'c')).toThrow(/^WRONG_ACCOUNT_STATE/);
  });
});

describe('pointsFor (DESIGN §5, Points)', () => {
  const policy = parsePointsPolicy({ ratePerMille: 10, multipliers: { 'canteen-2': 1500 }, dailyCap: '30' }, 1);
  it.each([
    ['1999', 'canteen-1', '0', '19'], // floor(1999 × 10 / 1000)
    ['1999', 'canteen-2', '0', '29'], // floor(1999 × 10 × 1500 / 10^6)
    ['1999', 'canteen-1', '25', '5'], // only 5 left of today's cap
    ['1999', 'canteen-1', '30', '0'],
  ])('%s at %s with %s earned today gives %s', (amount, merchant, today, expected) => {
    expect(pointsFor(policy, merchant as MerchantId, Amount.parse(amount), Amount.parse(today)).toString()).toBe(expected);
  });
});
