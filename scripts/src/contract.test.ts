import { FundingContract, SettlementContract } from '@dol/chaincode/contract';
import { MemoryStub } from '@dol/chaincode/testing';
import { canonicalJson } from '@dol/chaincode';
import { ROLE_IDENTITIES, StubRunner, type Ctx, type Who } from './contract-harness';
import { Issuer, PayerMedium, Terminal, faceCredential, signJwsRaw } from './signer';

/**
 * The settlement contract on the in-memory stub: registries, access per role, batch settlement
 * end to end through the contract's own JSON, state calls per payment, and audit queries.
 */
const NOW = 1_767_225_600_000;
const AT = NOW - 3_600_000;


class Harness {
  readonly contract = new SettlementContract();
  readonly fundingContract = new FundingContract();
  /** Ledger time of the next transaction. */
  clock = NOW;
  private readonly runner = new StubRunner(new MemoryStub(), (stub, n) => {
    stub.begin(`tx${String(n)}`, this.clock);
    return `tx${String(n)}`;
  });
  issuer = Issuer.generate('issuer-1', 'EdDSA', NOW - 1e10, NOW + 1e10);
  terminal = Terminal.generate('pos-1', 'EdDSA');

  get stub(): MemoryStub {
    return this.runner.stub;
  }

  /** Runs one transaction; commits its writes only if it succeeds, as a peer would. */
  call(as: Who, fn: (c: SettlementContract, ctx: Ctx) => Promise<unknown>): Promise<string> {
    return this.runner.call(as, (ctx) => fn(this.contract, ctx));
  }

  async setUp(): Promise<void> {
    await this.call('operator', (c, ctx) => c.RegisterIssuerKey(ctx, JSON.stringify(this.issuer.registration())));
    await this.call('operator', (c, ctx) => c.RegisterMerchant(ctx, JSON.stringify({ merchantId: 'canteen-1', name: 'North canteen' })));
    await this.call('operator', (c, ctx) => c.RegisterTerminal(ctx, JSON.stringify({ terminalId: 'pos-1', merchantId: 'canteen-1', publicKey: this.terminal.key.jwk })));
    await this.call('operator', (c, ctx) => c.SetRiskPolicy(ctx, JSON.stringify({ maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900 })));
  }

  async open(account: string, creditLine = '0', topUp = '0'): Promise<void> {
    await this.call('finance', (c, ctx) => c.OpenAccount(ctx, JSON.stringify({ account, group: 'g-2026', creditLine })));
    if (topUp !== '0') await this.call('operator', (c, ctx) => c.TopUp(ctx, JSON.stringify({ topUpId: `seed-${account}`, account, amount: topUp })));
  }

  wallet(account: string): PayerMedium {
    return PayerMedium.issue(this.issuer, {
      mediaId: `w-${account}`, kind: 'wallet', account, group: 'g-2026', capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 100,
      nbf: NOW - 86_400_000, exp: NOW + 86_400_000,
    }, 'EdDSA');
  }

  async submit(jws: string): Promise<SubmitResult> {
    return JSON.parse(await this.call('gateway', (c, ctx) => c.SubmitBatch(ctx, jws))) as SubmitResult;
  }

  /** What the gateway does after settling: fold every pending charge (FoldCharges) and publish the denials. */
  async fold(): Promise<{ folded: number; published: number }> {
    const { charges } = JSON.parse(await this.call('gateway', (_c, ctx) => this.fundingContract.ListPendingCharges(ctx, '5000'))) as { charges: { account: string; paymentId: string }[] };
    let folded = 0;
    for (let i = 0; i < charges.length; i += 2000) {
      const pairs = charges.slice(i, i + 2000).map((c) => [c.account, c.paymentId]);
      folded += (JSON.parse(await this.call('gateway', (_c, ctx) => this.fundingContract.FoldCharges(ctx, JSON.stringify(pairs)))) as { folded: number }).folded;
    }
    const { published } = JSON.parse(await this.call('gateway', (_c, ctx) => this.fundingContract.PublishDenials(ctx))) as { published: number };
    return { folded, published };
  }

  async funding(paymentId: string): Promise<unknown> {
    return (JSON.parse(await this.call('auditor', (c, ctx) => c.GetPayment(ctx, paymentId))) as { funding: unknown }).funding;
  }

  async query(name: 'GetAccount' | 'GetStatement', arg: string): Promise<Record<string, unknown>> {
    return JSON.parse(await this.call('auditor', (c, ctx) => c[name](ctx, arg))) as Record<string, unknown>;
  }
}

interface SubmitResult {
  counts: Record<string, number>;
  outcomes: { seq: number; code: string; reason?: string; funding?: Record<string, string> | 'pending'; flags?: string[] }[];
  anomalies: { kind: string }[];
  merchantCredit: string;
}

async function ready(): Promise<Harness> {
  const h = new Harness();
  await h.setUp();
  return h;
}

describe('SettlementContract on the memory stub', () => {
  it('settles a batch with every outcome and keeps the books balanced', async () => {
    const h = await ready();
    await h.open('alice', '0', '5000');
    await h.open('bob', '500', '100');
    const t = h.terminal;
    const alice = h.wallet('alice');
    const bob = h.wallet('bob');
    const replayed = bob.payCode(AT - 500);
    const first = t.batch([t.record(AT, '1200', 'code', alice.payCode(AT - 1000)), t.record(AT + 1, '400', 'code', replayed)]);
    await h.submit(first);
    const second = await h.submit(t.batch([
      t.record(AT + 2, '300', 'code', replayed), // same (mediaId, ctr) again
      t.record(AT + 3, '9000', 'code', alice.payCode(AT)), // over the per-payment cap
      t.record(AT + 4, '800', 'face', faceCredential('bob', 950)), // bob's funds run out
      t.record(AT + 5, '100', 'face', faceCredential('nobody-here', 950)),
    ]));
    const again = await h.submit(first);
    expect(second.outcomes.map((o) => o.reason ?? o.code)).toEqual(['double-spend', 'OVER_CAP', 'settled', 'UNKNOWN_ACCOUNT']);
    expect(second.outcomes.map((o) => o.funding)).toEqual(['pending', undefined, 'pending', undefined]);
    expect(again.counts.duplicate).toBe(2);
    // Before any fold: the books balance with the charges in suspense, and readers see them already.
    const pending = JSON.parse(await h.call('auditor', (c, ctx) => c.CheckInvariant(ctx))) as { ok: boolean; sum: string; pending: Record<string, unknown> };
    expect(pending).toMatchObject({ ok: true, sum: '0', pending: { ok: true, charges: 4, total: '2700', suspense: '-2700' } });
    // bob: 100 wallet + 500 credit line = 600 of funds; charged 400, 300 (double spend) and 800: 900 advanced.
    expect(await h.query('GetAccount', 'bob')).toMatchObject({ wallet: '0', creditUsed: '500', advance: '900' });
    expect(await h.funding('pos-1:5')).toBe('pending');
    // A page of the pending charges: the first in key order, and whether more wait (the rest is not read).
    expect(JSON.parse(await h.call('auditor', (_c, ctx) => h.fundingContract.ListPendingCharges(ctx, '1')))).toEqual({
      charges: [{ account: 'alice', paymentId: 'pos-1:1', amount: '1200', at: AT, settledAt: NOW }], more: true,
    });
    await expect(h.call('auditor', (_c, ctx) => h.fundingContract.ListPendingCharges(ctx, '0'))).rejects.toThrow(/^INVALID_FIELD/);
    expect(await h.fold()).toEqual({ folded: 4, published: 1 });
    const invariant = JSON.parse(await h.call('auditor', (c, ctx) => c.CheckInvariant(ctx))) as { ok: boolean; sum: string; pending: Record<string, unknown> };
    expect(invariant).toMatchObject({ ok: true, sum: '0', pending: { ok: true, charges: 0, total: '0', suspense: '0', oldestSettledAt: null } });
    expect(await h.query('GetAccount', 'bob')).toMatchObject({ wallet: '0', creditUsed: '500', advance: '900' });
    // Funded in sale-time order: 400 (wallet 100, credit 300), the double spend's 300 (credit 200, advance 100), 800 advanced.
    expect(await h.funding('pos-1:2')).toMatchObject({ kind: 'credit', wallet: '100', credit: '300', advance: '0' });
    expect(await h.funding('pos-1:3')).toMatchObject({ kind: 'advance', wallet: '0', credit: '200', advance: '100', points: '0' });
    expect(await h.funding('pos-1:5')).toMatchObject({ kind: 'advance', wallet: '0', credit: '0', advance: '800', flags: [] });
    expect(await h.funding('pos-1:4')).toBeNull(); // rejected: nothing to fund
    const delta = JSON.parse(await h.call('gateway', (c, ctx) => c.GetDenyListDelta(ctx, '0'))) as { version: number; entries: { id: string; reason: string }[] };
    expect(delta).toMatchObject({ version: 1, entries: [{ id: 'w-bob', reason: expect.stringContaining('double spend') as string }] });
    expect(await h.fold()).toEqual({ folded: 0, published: 0 }); // nothing twice
    expect(h.stub.events.map((e) => e.name)).toContain('BatchSettled');
  });

  it('a top-up recovers the advance first and is idempotent on its id', async () => {
    const h = await ready();
    await h.open('carol', '200', '0');
    const t = h.terminal;
    await h.submit(t.batch([t.record(AT, '700', 'face', faceCredential('carol', 990))]));
    const topUp = JSON.stringify({ topUpId: 'tu-1', account: 'carol', amount: '1000' });
    const receipt = await h.call('operator', (c, ctx) => c.TopUp(ctx, topUp));
    const retry = await h.call('operator', (c, ctx) => c.TopUp(ctx, topUp));
    expect(JSON.parse(receipt)).toMatchObject({ recovered: { advance: '500', credit: '200' }, toWallet: '300' });
    expect(retry).toBe(receipt);
    expect(await h.query('GetAccount', 'carol')).toMatchObject({ wallet: '300', creditUsed: '0', advance: '0' });
    const statement = await h.query('GetStatement', 'carol');
    expect(statement.postings).toHaveLength(5);
  });

  it('refuses a batch from an unknown or revoked terminal, or signed by another key, and writes nothing', async () => {
    const h = await ready();
    const stranger = Terminal.generate('pos-9', 'EdDSA');
    await expect(h.submit(stranger.batch([stranger.record(AT, '1', 'face', faceCredential('x', 990))]))).rejects.toThrow(/^UNKNOWN_TERMINAL/);
    const impostor = new Terminal('pos-1', Terminal.generate('pos-x', 'EdDSA').key);
    const before = new Map(h.stub.committed);
    await expect(h.submit(impostor.batch([impostor.record(AT, '1', 'face', faceCredential('x', 990))]))).rejects.toThrow(/^BAD_SIGNATURE/);
    expect(h.stub.committed).toEqual(before);
    await h.call('operator', (c, ctx) => c.SetTerminalStatus(ctx, 'pos-1', 'revoked'));
    const revoked = new Map(h.stub.committed);
    const t = h.terminal;
    await expect(h.submit(t.batch([t.record(AT, '1', 'face', faceCredential('x', 990))]))).rejects.toThrow(/^TERMINAL_REVOKED/);
    expect(h.stub.committed).toEqual(revoked);
  });

  it('never touches a payer\'s account at settlement: state calls per payment in a 500-record batch with distinct payers, and in its fold', async () => {
    const h = await ready();
    const t = h.terminal;
    const records = [];
    for (let i = 0; i < 500; i++) {
      await h.open(`s${i}`, '0', '5000');
      records.push(t.record(AT + i, '100', 'code', h.wallet(`s${i}`).payCode(AT - 1000)));
    }
    const result = await h.submit(t.batch(records));
    expect(result.counts.settled).toBe(500);
    // Counted by the stub (the answer carries no such figure): per payment a read of its payer's view,
    // a read and a write of its counter's use and a write of its charge, plus 12 per batch whose sales
    // fall within one hour (see docs/settlement.md). The account key is neither read nor written.
    const calls = h.stub.lastStateCalls;
    expect(calls).toBe(4 * 500 + 12);
    const touched = (prefix: string): boolean => [...h.stub.committed.keys()].some((k) => k.startsWith(`\u0000${prefix}\u0000`));
    expect(['charge', 'use', 'payer'].map(touched)).toEqual([true, true, true]);
    // The fold of the 500 charges: per account a read of the account and of its charge, a write of the
    // account and of the payment's funding, the charge's deletion; and the fold's postings once.
    const { charges } = JSON.parse(await h.call('gateway', (_c, ctx) => h.fundingContract.ListPendingCharges(ctx, '5000'))) as { charges: { account: string; paymentId: string }[] };
    await h.call('gateway', (_c, ctx) => h.fundingContract.FoldCharges(ctx, JSON.stringify(charges.map((c2) => [c2.account, c2.paymentId]))));
    // 5 per charge, 1 for the points policy versions named, 1 for the current points policy (what has lapsed).
    expect(h.stub.lastStateCalls).toBe(5 * 500 + 2);
    expect(touched('charge')).toBe(false);
  });
});

describe('SettlementContract accounts from before funding at the fold', () => {
  it('settles an account with no payer view from the account itself, honours the counters its used map holds, and moves them to their keys at its next write', async () => {
    const h = await ready();
    await h.open('lee', '0', '5000');
    // What the previous chaincode left: no payer view, and counter 1 of lee's phone used by an old payment.
    await h.call('operator', async (_c, ctx) => {
      const key = ctx.stub.createCompositeKey('account', ['lee']);
      const a = JSON.parse(Buffer.from(await ctx.stub.getState(key)).toString('utf8')) as { media: Record<string, unknown> };
      a.media['w-lee'] = { used: { 1: 'old-pos:7' }, spent: {} };
      await ctx.stub.putState(key, Buffer.from(JSON.stringify(a)));
      await ctx.stub.deleteState(ctx.stub.createCompositeKey('payer', ['lee']));
    });
    const t = h.terminal;
    const lee = h.wallet('lee');
    const first = await h.submit(t.batch([t.record(AT, '100', 'code', lee.payCode(AT - 1000, 60_000, 1)), t.record(AT + 1, '100', 'code', lee.payCode(AT - 900, 60_000, 2))]));
    expect(first.outcomes.map((o) => o.code)).toEqual(['double-spend', 'settled']);
    const has = (type: string, ...parts: string[]): boolean => h.stub.committed.has(`\u0000${[type, ...parts].join('\u0000')}\u0000`);
    expect(has('payer', 'lee')).toBe(false); // settlement reads the account, writes nothing of it
    await h.call('operator', (c, ctx) => c.TopUp(ctx, JSON.stringify({ topUpId: 'tu-lee', account: 'lee', amount: '100' })));
    expect([has('payer', 'lee'), has('use', 'w-lee', '0000000000000001')]).toEqual([true, true]);
    const again = await h.submit(t.batch([t.record(AT + 2, '100', 'code', lee.payCode(AT - 800, 60_000, 1))]));
    expect(again.outcomes.map((o) => o.code)).toEqual(['double-spend']);
    expect(JSON.parse(await h.call('auditor', (c, ctx) => c.CheckInvariant(ctx)))).toMatchObject({ ok: true });
  });
});

describe('SettlementContract terminal keys', () => {
  // 32 bytes each, well-formed base64url, but (1, 1, ...) is no point of P-256.
  const offCurve = { kty: 'EC', crv: 'P-256', x: Buffer.alloc(32, 1).toString('base64url'), y: Buffer.alloc(32, 2).toString('base64url') };

  it('refuses a key that is not a point on its curve at every door (terminal, issuer key, rotation) and stores nothing', async () => {
    const h = await ready();
    const before = new Map(h.stub.committed);
    await expect(h.call('operator', (c, ctx) => c.RegisterTerminal(ctx, JSON.stringify({ terminalId: 'pos-bad', merchantId: 'canteen-1', publicKey: offCurve })))).rejects.toThrow(/^INVALID_KEY/);
    await expect(h.call('operator', (c, ctx) => c.RegisterIssuerKey(ctx, JSON.stringify({ ...Issuer.generate('k-bad', 'ES256', NOW - 1e10, NOW + 1e10).registration(), publicKey: offCurve })))).rejects.toThrow(/^INVALID_KEY/);
    await expect(h.call('operator', (c, ctx) => c.RotateTerminalKey(ctx, 'pos-1', JSON.stringify(offCurve)))).rejects.toThrow(/^INVALID_KEY/);
    expect(h.stub.committed).toEqual(before);
    // The id was not taken: registering it with a good key works.
    await h.call('operator', (c, ctx) => c.RegisterTerminal(ctx, JSON.stringify({ terminalId: 'pos-bad', merchantId: 'canteen-1', publicKey: Terminal.generate('pos-bad', 'EdDSA').key.jwk })));
  });

  it('rotates a terminal key: batches signed with the new key settle, the old key is refused, the history keeps both', async () => {
    const h = await ready();
    await h.open('alice', '0', '5000');
    const old = h.terminal;
    await h.submit(old.batch([old.record(AT, '100', 'face', faceCredential('alice', 990))]));
    const next = Terminal.generate('pos-1', 'ES256');
    await h.call('operator', (c, ctx) => c.RotateTerminalKey(ctx, 'pos-1', JSON.stringify(next.key.jwk)));
    const rekeyed = old.rekeyed(next.key); // the terminal keeps its numbering and chains across a re-key
    await expect(h.submit(old.batch([old.record(AT + 1, '100', 'face', faceCredential('alice', 990))]))).rejects.toThrow(/^BAD_SIGNATURE/);
    const settled = await h.submit(rekeyed.batch([rekeyed.record(AT + 1, '100', 'face', faceCredential('alice', 990))]));
    expect(settled.outcomes.map((o) => o.code)).toEqual(['settled']);
    expect(settled.anomalies).toEqual([]);
    const history = JSON.parse(await h.call('auditor', (c, ctx) => c.GetKeyHistory(ctx, 'terminal', 'pos-1'))) as { action: string }[];
    expect(history.map((e) => e.action)).toEqual(['registered', 'key-rotated']);
    await expect(h.call('operator', (c, ctx) => c.RotateTerminalKey(ctx, 'pos-nope', JSON.stringify(next.key.jwk)))).rejects.toThrow(/^UNKNOWN_TERMINAL/);
  });
});

describe('SettlementContract batch header kid', () => {
  it('refuses a batch signed by the terminal whose kid is absent or names another terminal (KID_MISMATCH), and writes nothing', async () => {
    const h = await ready();
    await h.open('alice', '0', '5000');
    const t = h.terminal;
    const payload = canonicalJson(t.manifest([t.record(AT, '100', 'face', faceCredential('alice', 990))]));
    const before = new Map(h.stub.committed);
    for (const header of [{ alg: 'EdDSA' }, { alg: 'EdDSA', kid: 'pos-2' }, { alg: 'EdDSA', kid: 'nobody' }]) {
      await expect(h.submit(signJwsRaw(t.key, canonicalJson(header), payload))).rejects.toThrow(/^KID_MISMATCH/);
    }
    expect(h.stub.committed).toEqual(before);
    // Signed by another key: the signature is what fails first, whatever the kid says.
    await expect(h.submit(signJwsRaw(Terminal.generate('x', 'EdDSA').key, canonicalJson({ alg: 'EdDSA', kid: 'pos-9' }), payload))).rejects.toThrow(/^BAD_SIGNATURE/);
    const good = await h.submit(signJwsRaw(t.key, canonicalJson({ alg: 'EdDSA', kid: 'pos-1' }), payload));
    expect(good.counts.settled).toBe(1);
  });
});

describe('SettlementContract points, clearance and payouts', () => {
  it('issues points by the current policy version, per-merchant multiplier and daily cap', async () => {
    const h = await ready();
    await h.open('dan', '0', '90000');
    const v1 = JSON.parse(await h.call('finance', (c, ctx) => c.SetPointsPolicy(ctx, JSON.stringify({ ratePerMille: 10, multipliers: { 'canteen-1': 2000 }, dailyCap: '50' })))) as { version: number };
    expect(v1.version).toBe(1);
    const t = h.terminal;
    const w = h.wallet('dan');
    await h.submit(t.batch([t.record(AT, '1250', 'code', w.payCode(AT - 1000))])); // 1250 × 10/1000 × 2 = 25
    await h.submit(t.batch([t.record(AT + 1, '2000', 'code', w.payCode(AT - 900))])); // 40, cut to the 25 left today
    // A new version before the fold: each charge keeps the version current when it settled.
    const v2 = JSON.parse(await h.call('finance', (c, ctx) => c.SetPointsPolicy(ctx, JSON.stringify({ ratePerMille: 0, multipliers: {}, dailyCap: '0' })))) as { version: number };
    expect(v2.version).toBe(2);
    expect(await h.query('GetAccount', 'dan')).toMatchObject({ points: '50' }); // a reader sees them before the fold
    await h.fold();
    expect([await h.funding('pos-1:1'), await h.funding('pos-1:2')]).toMatchObject([{ points: '25' }, { points: '25' }]);
    const supply = JSON.parse(await h.call('auditor', (c, ctx) => c.GetPointsSupply(ctx))) as Record<string, unknown>;
    expect(supply).toMatchObject({ issued: '50', expired: '0', supply: '50', heldByAccounts: '50', consistent: true });
    expect(supply.policies).toHaveLength(2);
  });

  it('clearance: deny-listed on begin, grace sales settle, debts resolved, refund, points expire, post-closure sale referred', async () => {
    const h = await ready();
    await h.open('eve', '300', '0');
    await h.call('finance', (c, ctx) => c.SetPointsPolicy(ctx, JSON.stringify({ ratePerMille: 10, multipliers: {}, dailyCap: '1000' })));
    const t = h.terminal;
    await h.submit(t.batch([t.record(AT, '1000', 'face', faceCredential('eve', 990))])); // 300 credit + 700 advance, 10 points
    const begun = JSON.parse(await h.call('registrar', (c, ctx) => c.BeginClearance(ctx, 'eve'))) as { denyListVersion: number };
    const delta = JSON.parse(await h.call('gateway', (c, ctx) => c.GetDenyListDelta(ctx, '0'))) as { version: number; entries: { id: string }[] };
    expect(delta).toMatchObject({ version: begun.denyListVersion, entries: [{ id: 'eve' }] });
    const grace = await h.submit(t.batch([t.record(AT + 1, '100', 'face', faceCredential('eve', 990), 0)])); // terminal not yet told
    expect(grace.outcomes[0]).toMatchObject({ code: 'settled', funding: 'pending', flags: ['denied-after-terminal-version', 'account-in-clearance', 'no-agreement'] });
    // Open now: 800 advanced (700 + 100) and 300 of credit line. A last top-up of 1000 recovers the
    // advance and 200 of the credit line, leaving 100 owed to the school.
    await h.call('operator', (c, ctx) => c.TopUp(ctx, JSON.stringify({ topUpId: 'last', account: 'eve', amount: '1000' })));
    const unresolved = JSON.stringify({ account: 'eve', resolutions: [] });
    await expect(h.call('registrar', (c, ctx) => c.CompleteClearance(ctx, unresolved))).rejects.toThrow(/^MISSING_FIELD/);
    const done = JSON.parse(await h.call('registrar', (c, ctx) => c.CompleteClearance(ctx, JSON.stringify({
      account: 'eve', resolutions: [{ debt: 'credit', resolution: 'referred', reference: 'credit-bureau/2026/17' }],
    })))) as Record<string, unknown>;
    expect(done).toMatchObject({ refunded: '0', pointsExpired: '10', resolved: [{ debt: 'credit', resolution: 'referred', amount: '100' }] });
    expect(await h.query('GetAccount', 'eve')).toMatchObject({ status: 'closed', wallet: '0', advance: '0', creditUsed: '0', points: '0' });
    const late = await h.submit(t.batch([t.record(AT + 2, '200', 'face', faceCredential('eve', 990), 0)]));
    expect(late.outcomes[0]).toMatchObject({ code: 'settled', funding: { wallet: '0', credit: '0', advance: '200' }, flags: ['denied-after-terminal-version', 'no-agreement', 'post-closure-referred'] });
    expect(await h.funding('pos-1:3')).toMatchObject({ kind: 'advance', advance: '200', flags: ['post-closure-referred'] });
    const stale = await h.submit(t.batch([t.record(AT + 3, '200', 'face', faceCredential('eve', 990), begun.denyListVersion)]));
    expect(stale.outcomes[0]).toMatchObject({ code: 'rejected', reason: 'DENY_LISTED' });
    const invariant = JSON.parse(await h.call('auditor', (c, ctx) => c.CheckInvariant(ctx))) as { ok: boolean };
    expect(invariant.ok).toBe(true);
  });

  it('pays a merchant out of its per-batch credits once, idempotently, into a statement', async () => {
    const h = await ready();
    await h.open('fay', '0', '5000');
    const t = h.terminal;
    const w = h.wallet('fay');
    await h.submit(t.batch([t.record(AT, '300', 'code', w.payCode(AT - 1000))]));
    await h.submit(t.batch([t.record(AT + 1, '450', 'code', w.payCode(AT - 900))]));
    const payout = JSON.stringify({ payoutId: 'p-1', merchantId: 'canteen-1' });
    const statement = await h.call('operator', (c, ctx) => c.Payout(ctx, payout));
    expect(JSON.parse(statement)).toMatchObject({ total: '750', lines: [{ amount: '300' }, { amount: '450' }] });
    expect(await h.call('operator', (c, ctx) => c.Payout(ctx, payout))).toBe(statement);
    const next = JSON.parse(await h.call('operator', (c, ctx) => c.Payout(ctx, JSON.stringify({ payoutId: 'p-2', merchantId: 'canteen-1' })))) as { total: string };
    expect(next.total).toBe('0');
    const invariant = JSON.parse(await h.call('auditor', (c, ctx) => c.CheckInvariant(ctx))) as { ok: boolean };
    expect(invariant.ok).toBe(true);
  });
});

describe('SettlementContract audit queries', () => {
  it('payments by terminal, merchant and time range; advances and recoveries; debts with ageing; key history', async () => {
    const h = await ready();
    await h.open('gus', '0', '100');
    const t = h.terminal;
    const w = h.wallet('gus');
    await h.submit(t.batch([t.record(AT, '100', 'code', w.payCode(AT - 1000)), t.record(AT + 60_000, '400', 'code', w.payCode(AT + 59_000))]));
    const inRange = JSON.parse(await h.call('auditor', (c, ctx) => c.GetPayments(ctx, JSON.stringify({ terminalId: 'pos-1', from: AT, to: AT + 1 })))) as { paymentId: string }[];
    const byMerchant = JSON.parse(await h.call('auditor', (c, ctx) => c.GetPayments(ctx, JSON.stringify({ merchantId: 'canteen-1' })))) as unknown[];
    const otherMerchant = JSON.parse(await h.call('auditor', (c, ctx) => c.GetPayments(ctx, JSON.stringify({ merchantId: 'canteen-9' })))) as unknown[];
    expect(inRange.map((p) => p.paymentId)).toEqual(['pos-1:1']);
    expect([byMerchant.length, otherMerchant.length]).toEqual([2, 0]);

    await h.call('operator', (c, ctx) => c.TopUp(ctx, JSON.stringify({ topUpId: 'tu-g', account: 'gus', amount: '150' })));
    const advances = JSON.parse(await h.call('auditor', (c, ctx) => c.GetAdvances(ctx, 'gus'))) as Record<string, unknown>[];
    expect(advances).toMatchObject([{ account: 'gus', advanced: '400', recovered: '150', outstanding: '250' }]);

    // Ageing is measured from when the debt appeared to the query's ledger time.
    h.clock = NOW + 45 * 86_400_000;
    const debts = JSON.parse(await h.call('auditor', (c, ctx) => c.ListDebts(ctx))) as { totals: Record<string, string>; debts: Record<string, unknown>[] };
    expect(debts.debts).toMatchObject([{ account: 'gus', advance: '250', ageDays: 45, bucket: '31-90' }]);
    expect(debts.totals).toEqual({ '31-90': '250' });

    await h.call('operator', (c, ctx) => c.RevokeIssuerKey(ctx, 'issuer-1'));
    const history = JSON.parse(await h.call('auditor', (c, ctx) => c.GetKeyHistory(ctx, 'issuer', 'issuer-1'))) as { action: string }[];
    expect(history.map((e) => e.action)).toEqual(['registered', 'revoked']);
  });

  it('refuses malformed query arguments with a stable code', async () => {
    const h = await ready();
    await expect(h.call('auditor', (c, ctx) => c.GetPayments(ctx, '{"from":1.5}'))).rejects.toThrow(/^INVALID_NUMBER/);
    await expect(h.call('auditor', (c, ctx) => c.GetPayments(ctx, '{"since":1}'))).rejects.toThrow(/^UNKNOWN_FIELD/);
    await expect(h.call('auditor', (c, ctx) => c.GetPayment(ctx, 'pos-1:0'))).rejects.toThrow(/^INVALID_FIELD/);
    await expect(h.call('auditor', (c, ctx) => c.GetPayment(ctx, 'pos-1:7'))).rejects.toThrow(/^NOT_FOUND/);
    await expect(h.call('auditor', (c, ctx) => c.GetDenyListDelta(ctx, '-1'))).rejects.toThrow(/^INVALID_FIELD/);
    await expect(h.call('auditor', (c, ctx) => c.GetKeyHistory(ctx, 'wallet', 'x'))).rejects.toThrow(/^INVALID_FIELD/);
  });
});

describe('SettlementContract audit queries without ledger scans', () => {
  it('builds a statement from the account key history, proves it against the balances and reads no other account', async () => {
    const h = await ready();
    await h.open('hal', '200', '300');
    await h.open('ivy', '0', '9000');
    const t = h.terminal;
    const hal = h.wallet('hal');
    const ivy = h.wallet('ivy');
    // hal: 300 wallet + 200 credit; pays 700 → 200 advanced; a top-up of 500 recovers it all and leaves 100.
    await h.submit(t.batch([t.record(AT, '700', 'code', hal.payCode(AT - 1000)), t.record(AT + 1, '50', 'code', ivy.payCode(AT - 900))]));
    for (let i = 0; i < 20; i++) await h.submit(t.batch([t.record(AT + 2 + i, '10', 'code', ivy.payCode(AT - 800 + i))]));
    await h.fold();
    await h.call('operator', (c, ctx) => c.TopUp(ctx, JSON.stringify({ topUpId: 'tu-hal', account: 'hal', amount: '500' })));
    await h.call('finance', (c, ctx) => c.SetCreditLine(ctx, 'hal', '100')); // changes the account, moves no money

    const ranges = jest.spyOn(h.stub, 'getStateByPartialCompositeKey');
    const statement = JSON.parse(await h.call('auditor', (c, ctx) => c.GetStatement(ctx, 'hal'))) as {
      consistent: boolean; balances: Record<string, string>; postings: { ref: string }[];
      entries: { txId: string; postings: unknown[]; balancesAfter: Record<string, string> }[];
    };
    expect(ranges.mock.calls.map((c) => [c[0], c[1]])).toEqual([['charge', ['hal']]]); // its own pending charges, nothing else
    ranges.mockClear();
    expect(statement.consistent).toBe(true);
    expect(statement.balances).toEqual({ 'wallet:hal': '100', 'credit:hal': '0', 'advance:hal': '0', 'points:hal': '0' });
    // Opening top-up, the payment, the recovering top-up: three transactions, in ledger order.
    expect(statement.entries.map((e) => e.balancesAfter['advance:hal'])).toEqual(['0', '-200', '0']);
    expect(statement.entries.map((e) => e.balancesAfter['wallet:hal'])).toEqual(['300', '0', '100']);
    expect(statement.postings.map((p) => p.ref)).toEqual(['topup:seed-hal', 'pos-1:1', 'pos-1:1', 'pos-1:1', 'topup:tu-hal', 'topup:tu-hal', 'topup:tu-hal']);

    // The same lines as an auditor's full scan of every posting on the ledger.
    const all = [...h.stub.committed].filter(([k]) => k.startsWith('\u0000postings\u0000')).flatMap(([, v]) => JSON.parse(Buffer.from(v).toString('utf8')) as { from: string; to: string; ref: string }[]);
    const scanned = all.filter((p) => /^(wallet|credit|advance|points):hal$/.test(p.from) || /^(wallet|credit|advance|points):hal$/.test(p.to));
    const canonical = (ps: readonly unknown[]): string[] => (ps as { from: string; to: string; amount: string; ref: string }[]).map((p) => `${p.from}>${p.to} ${p.amount} ${p.ref}`).sort();
    expect(canonical(statement.postings)).toEqual(canonical(scanned)); // the scan reads in key order, the statement in ledger order

    const advances = JSON.parse(await h.call('auditor', (c, ctx) => c.GetAdvances(ctx, 'hal'))) as Record<string, unknown>[];
    expect(advances).toMatchObject([{ account: 'hal', advanced: '200', recovered: '200', outstanding: '0' }]);
    expect(ranges).not.toHaveBeenCalled();
  });

  it('answers payments by time range from the hour index and by merchant from its terminals, as a full scan would', async () => {
    const h = await ready();
    await h.call('operator', (c, ctx) => c.RegisterMerchant(ctx, JSON.stringify({ merchantId: 'canteen-2', name: 'South canteen' })));
    const t2 = Terminal.generate('pos-2', 'EdDSA');
    await h.call('operator', (c, ctx) => c.RegisterTerminal(ctx, JSON.stringify({ terminalId: 'pos-2', merchantId: 'canteen-2', publicKey: t2.key.jwk })));
    await h.open('jo', '0', '90000');
    const jo = h.wallet('jo');
    const HOUR = 3_600_000;
    const base = Math.floor(AT / HOUR) * HOUR - 3 * HOUR;
    let n = 0;
    // Four hours of sales on two terminals; one batch straddles an hour boundary.
    for (const [t, times] of [[h.terminal, [base + 10, base + HOUR - 5, base + HOUR + 5]], [t2, [base + 2 * HOUR + 1]], [h.terminal, [base + 3 * HOUR]], [t2, [base + 3 * HOUR + 7, base + 3 * HOUR + 8]]] as const) {
      await h.submit(t.batch(times.map((at) => t.record(at, '10', 'code', jo.payCode(at - 100 + n++)))));
    }
    const query = async (q: object): Promise<string[]> =>
      (JSON.parse(await h.call('auditor', (c, ctx) => c.GetPayments(ctx, JSON.stringify(q)))) as { paymentId: string }[]).map((p) => p.paymentId);

    const ranges = jest.spyOn(h.stub, 'getStateByPartialCompositeKey');
    expect(await query({ from: base + HOUR - 5, to: base + 3 * HOUR + 1 })).toEqual(['pos-1:2', 'pos-1:3', 'pos-2:1', 'pos-1:4']);
    expect(await query({ from: base + 3 * HOUR, merchantId: 'canteen-2' })).toEqual(['pos-2:2', 'pos-2:3']);
    expect(await query({ to: base + HOUR, terminalId: 'pos-1' })).toEqual(['pos-1:1', 'pos-1:2']);
    expect(await query({ from: base + 4 * HOUR })).toEqual([]);
    expect(ranges).not.toHaveBeenCalled(); // no batch was found by scanning
    expect(await query({ merchantId: 'canteen-2' })).toEqual(['pos-2:1', 'pos-2:2', 'pos-2:3']);
    expect(ranges.mock.calls.map((c) => c[0])).toEqual(['merchant-terminal', 'batch']);
    expect(await query({})).toHaveLength(7);
  });
});

describe('SettlementContract access', () => {
  const calls: [string, Who[], (h: Harness, ctx: Ctx) => Promise<unknown>][] = [
    ['RegisterIssuerKey', ['operator'], (h, ctx) => h.contract.RegisterIssuerKey(ctx, JSON.stringify(Issuer.generate('k2', 'EdDSA', NOW - 1e10, NOW + 1e10).registration()))],
    ['RevokeIssuerKey', ['operator'], (h, ctx) => h.contract.RevokeIssuerKey(ctx, 'issuer-1')],
    ['RegisterMerchant', ['operator'], (h, ctx) => h.contract.RegisterMerchant(ctx, JSON.stringify({ merchantId: 'm2', name: 'South' }))],
    ['RegisterTerminal', ['operator'], (h, ctx) => h.contract.RegisterTerminal(ctx, JSON.stringify({ terminalId: 'pos-2', merchantId: 'canteen-1', publicKey: h.terminal.key.jwk }))],
    ['SetTerminalStatus', ['operator'], (h, ctx) => h.contract.SetTerminalStatus(ctx, 'pos-1', 'active')],
    ['RotateTerminalKey', ['operator'], (h, ctx) => h.contract.RotateTerminalKey(ctx, 'pos-1', JSON.stringify(Terminal.generate('pos-1', 'ES256').key.jwk))],
    ['SetRiskPolicy', ['operator'], (h, ctx) => h.contract.SetRiskPolicy(ctx, JSON.stringify({ maxClockSkewMs: 1, tapMaxAgeMs: 1, faceCapPerPayment: '1', faceMinScore: 1 }))],
    ['OpenAccount', ['finance'], (h, ctx) => h.contract.OpenAccount(ctx, JSON.stringify({ account: 'zed', group: 'g', creditLine: '0' }))],
    ['SetCreditLine', ['finance'], (h, ctx) => h.contract.SetCreditLine(ctx, 'alice', '100')],
    ['TopUp', ['operator'], (h, ctx) => h.contract.TopUp(ctx, JSON.stringify({ topUpId: 'x', account: 'alice', amount: '1' }))],
    ['SetPointsPolicy', ['finance'], (_h, ctx) => new SettlementContract().SetPointsPolicy(ctx, JSON.stringify({ ratePerMille: 1, multipliers: {}, dailyCap: '1' }))],
    ['BeginClearance', ['registrar'], (h, ctx) => h.contract.BeginClearance(ctx, 'alice')],
    ['CompleteClearance', ['registrar'], (h, ctx) => h.contract.CompleteClearance(ctx, JSON.stringify({ account: 'alice', resolutions: [] }))],
    ['Payout', ['operator'], (h, ctx) => h.contract.Payout(ctx, JSON.stringify({ payoutId: 'p', merchantId: 'canteen-1' }))],
    ['SubmitBatch', ['gateway'], (h, ctx) => h.contract.SubmitBatch(ctx, h.terminal.batch([h.terminal.record(AT, '1', 'face', faceCredential('alice', 990))]))],
  ];
  const everyone = Object.keys(ROLE_IDENTITIES) as Who[];
  /** A ledger where the call would succeed for the right role: alice exists (and is in clearance for CompleteClearance). */
  async function readyFor(name: string): Promise<Harness> {
    const h = await ready();
    await h.open('alice');
    if (name === 'CompleteClearance') await h.call('registrar', (c, ctx) => c.BeginClearance(ctx, 'alice'));
    return h;
  }

  describe.each(calls)('%s', (_name, allowed, invoke) => {
    it.each(everyone.filter((w) => !allowed.includes(w)))('is refused to %s with ACCESS_DENIED and changes nothing', async (caller) => {
      const h = await readyFor(_name);
      const before = new Map(h.stub.committed);
      await expect(h.call(caller, async (_c, ctx) => { await invoke(h, ctx); })).rejects.toThrow(/^ACCESS_DENIED/);
      expect(h.stub.committed).toEqual(before);
    });

    it.each(allowed)('is allowed to %s', async (caller) => {
      const h = await readyFor(_name);
      await expect(h.call(caller, async (_c, ctx) => { await invoke(h, ctx); })).resolves.toBe('');
    });
  });

  it.each(['fakeGateway', 'nobody'] as Who[])('queries are refused to %s', async (caller) => {
    const h = await ready();
    await expect(h.call(caller, (c, ctx) => c.CheckInvariant(ctx))).rejects.toThrow(/^ACCESS_DENIED/);
  });
});

describe('SettlementContract group commit (SubmitBatches)', () => {
  /** Two ledgers with the same keys: one settles batches one transaction each, the other in one group. */
  async function twins(): Promise<{ single: Harness; grouped: Harness; pos2: Terminal }> {
    const single = new Harness();
    const grouped = new Harness();
    grouped.issuer = single.issuer;
    grouped.terminal = single.terminal;
    const pos2 = Terminal.generate('pos-2', 'EdDSA');
    for (const h of [single, grouped]) {
      await h.setUp();
      await h.call('operator', (c, ctx) => c.RegisterTerminal(ctx, JSON.stringify({ terminalId: 'pos-2', merchantId: 'canteen-1', publicKey: pos2.key.jwk })));
      await h.open('ann', '300', '1000');
      await h.open('ben', '0', '200');
    }
    return { single, grouped, pos2 };
  }

  it('settles batches of two terminals sharing payers exactly as one transaction each in the same order, and folds each shared account once', async () => {
    const { single, grouped, pos2 } = await twins();
    const pos1 = single.terminal;
    const ann = single.wallet('ann');
    const b1 = pos1.batch([pos1.record(AT, '700', 'code', ann.payCode(AT - 10)), pos1.record(AT + 1, '150', 'face', faceCredential('ben', 950))]);
    const b2 = pos2.batch([pos2.record(AT + 2, '500', 'code', ann.payCode(AT - 5)), pos2.record(AT + 3, '100', 'face', faceCredential('ben', 950))]);
    const one = [await single.submit(b1), await single.submit(b2)];
    const answer = JSON.parse(await grouped.call('gateway', (c, ctx) => c.SubmitBatches(ctx, [b1, b2].join('\n')))) as { txId: string; batches: (SubmitResult & { entry?: string; txId: string })[] };
    expect(answer.batches.map((b) => b.outcomes)).toEqual(one.map((b) => b.outcomes));
    expect(answer.batches.map((b) => b.outcomes.map((o) => o.code))).toEqual([['settled', 'settled'], ['settled', 'settled']]);
    await Promise.all([single.fold(), grouped.fold()]);
    // ann: 1000 wallet + 300 credit covers 700 + 500 with 200 of credit; ben: 200 wallet, 250 asked: 50 advanced.
    expect(await grouped.funding('pos-2:2')).toMatchObject({ kind: 'advance', wallet: '50', advance: '50' });
    expect(await grouped.funding('pos-2:1')).toMatchObject({ kind: 'credit', wallet: '300', credit: '200' });
    expect(answer.batches.map((b) => b.entry ?? b.txId)).toEqual([answer.txId, `${answer.txId}.1`]);
    for (const account of ['ann', 'ben']) {
      expect(await grouped.query('GetAccount', account)).toEqual(await single.query('GetAccount', account));
      const statement = await grouped.query('GetStatement', account);
      expect(statement.consistent).toBe(true);
      expect((statement.entries as unknown[]).length).toBe(2); // the seed top-up and the one fold
    }
    const payments = JSON.parse(await grouped.call('auditor', (c, ctx) => c.GetPayments(ctx, JSON.stringify({ from: AT, to: AT + 10 })))) as unknown[];
    expect(payments).toHaveLength(4);
    expect(JSON.parse(await grouped.call('auditor', (c, ctx) => c.CheckInvariant(ctx)))).toMatchObject({ ok: true, sum: '0' });
    expect(grouped.stub.events.at(-1)?.name).toBe('BatchesSettled');
  });

  it('answers a batch it must refuse whole with its code inside the group and settles the others', async () => {
    const { grouped, pos2 } = await twins();
    const stranger = Terminal.generate('pos-2', 'EdDSA'); // signs as pos-2 with a key the ledger does not know
    const forged = stranger.batch([stranger.record(AT, '100', 'face', faceCredential('ann', 950))]);
    const good = pos2.batch([pos2.record(AT, '100', 'face', faceCredential('ann', 950))]);
    const answer = JSON.parse(await grouped.call('gateway', (c, ctx) => c.SubmitBatches(ctx, [forged, 'not-a-jws', good].join('\n')))) as { batches: { refused?: { code: string }; counts?: Record<string, number> }[] };
    expect(answer.batches.map((b) => b.refused?.code ?? 'settled')).toEqual(['BAD_SIGNATURE', 'MALFORMED_JWS', 'settled']);
    expect(answer.batches[2]?.counts?.settled).toBe(1);
    expect(await grouped.query('GetAccount', 'ann')).toMatchObject({ wallet: '900' });
    await expect(grouped.call('gateway', (c, ctx) => c.SubmitBatches(ctx, ''))).rejects.toThrow(/^INVALID_FIELD/);
    await expect(grouped.call('operator', (c, ctx) => c.SubmitBatches(ctx, good))).rejects.toThrow(/^ACCESS_DENIED/);
  });

  it('imports accounts and top-ups in bulk, all or nothing, each top-up idempotent on its id', async () => {
    const h = await ready();
    await h.call('finance', (c, ctx) => c.OpenAccounts(ctx, JSON.stringify([{ account: 'cy', group: 'g', creditLine: '0' }, { account: 'dee', group: 'g', creditLine: '100' }])));
    await expect(h.call('finance', (c, ctx) => c.OpenAccounts(ctx, JSON.stringify([{ account: 'eve', group: 'g', creditLine: '0' }, { account: 'cy', group: 'g', creditLine: '0' }])))).rejects.toThrow(/^ALREADY_EXISTS/);
    await expect(h.query('GetAccount', 'eve')).rejects.toThrow(/^NOT_FOUND/);
    const topUps = [{ topUpId: 't1', account: 'cy', amount: '500' }, { topUpId: 't2', account: 'cy', amount: '250' }, { topUpId: 't3', account: 'dee', amount: '40' }];
    const first = JSON.parse(await h.call('operator', (c, ctx) => c.TopUps(ctx, JSON.stringify(topUps)))) as { txId: string }[];
    const again = JSON.parse(await h.call('operator', (c, ctx) => c.TopUps(ctx, JSON.stringify(topUps)))) as { txId: string }[];
    expect(again).toEqual(first); // the same receipts, nothing booked twice
    expect(await h.query('GetAccount', 'cy')).toMatchObject({ wallet: '750' });
    await expect(h.call('operator', (c, ctx) => c.TopUps(ctx, JSON.stringify([{ topUpId: 't4', account: 'dee', amount: '1' }, { topUpId: 't1', account: 'dee', amount: '500' }])))).rejects.toThrow(/^IDEMPOTENCY_CONFLICT/);
    expect(await h.query('GetAccount', 'dee')).toMatchObject({ wallet: '40' });
    expect((await h.query('GetStatement', 'cy')).consistent).toBe(true);
  });
});
