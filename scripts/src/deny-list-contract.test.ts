import { createHash } from 'node:crypto';
import { DenyListContract, SettlementContract } from '@dol/chaincode/contract';
import { MemoryStub } from '@dol/chaincode/testing';
import { parseDenyList } from '@dol/terminal';
import { StubRunner, type Ctx, type Who } from './contract-harness';
import { Issuer, PayerMedium, Terminal, faceCredential } from './signer';

/**
 * The operator's own deny-list tools on the memory stub (issue 32): an entry with its reason, who
 * and when; a lift that is a new version terminals replay; settlement refusing and then accepting
 * again; and the refusals (not the operator, not an operator's entry, lifted twice, a later entry).
 */
const NOW = 1_767_225_600_000;
const AT = NOW - 3_600_000;
/** A memory stub whose proposals carry the staff member behind them, as the gateway sends it. */
class ActorStub extends MemoryStub {
  beginAs(txId: string, millis: number, subject: string): void {
    this.restart({ ...this.simulating, txId, millis, transient: { 'dol.actor': JSON.stringify({ subject }) } });
  }
}

class Desk {
  // Transaction ids as Fabric makes them (64 hex characters), each proposal naming the staff member behind it.
  readonly runner = new StubRunner(new ActorStub(), (stub, n, as) => {
    const txId = createHash('sha256').update(`tx${String(n)}`).digest('hex');
    stub.beginAs(txId, NOW + n, `${as}-desk`);
    return txId;
  });
  readonly settlement = new SettlementContract();
  readonly deny = new DenyListContract();
  readonly issuer = Issuer.generate('issuer-1', 'EdDSA', NOW - 1e10, NOW + 1e10);
  readonly terminal = Terminal.generate('pos-1', 'EdDSA');

  get stub(): ActorStub {
    return this.runner.stub;
  }

  /** The id of the last transaction run. */
  get lastTxId(): string {
    return this.runner.lastTxId;
  }

  call(as: Who, fn: (ctx: Ctx) => Promise<unknown>): Promise<string> {
    return this.runner.call(as, fn);
  }

  async json(as: Who, fn: (ctx: Ctx) => Promise<unknown>): Promise<Record<string, unknown>> {
    return JSON.parse(await this.call(as, fn)) as Record<string, unknown>;
  }

  add(kind: string, id: string, reason: string, as: Who = 'operator', account?: string): Promise<Record<string, unknown>> {
    return this.json(as, (ctx) => this.deny.AddDenyEntry(ctx, JSON.stringify({ kind, id, reason, ...(account === undefined ? {} : { account }) })));
  }

  lift(version: number, reason: string, as: Who = 'operator'): Promise<Record<string, unknown>> {
    return this.json(as, (ctx) => this.deny.LiftDenyEntry(ctx, JSON.stringify({ version, reason })));
  }

  async delta(): Promise<{ version: number; entries: Record<string, unknown>[] }> {
    return JSON.parse(await this.call('auditor', (ctx) => this.settlement.GetDenyListDelta(ctx, '0'))) as { version: number; entries: Record<string, unknown>[] };
  }

  /** Alice's phone, used once at the stall but never certified through the issuing side. */
  async aliceUsesHerPhone(): Promise<PayerMedium> {
    const medium = PayerMedium.issue(this.issuer, {
      mediaId: 'w-alice', kind: 'wallet', account: 'alice', group: 'g-2026', capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 100, nbf: NOW - 86_400_000, exp: NOW + 86_400_000,
    }, 'EdDSA');
    const t = this.terminal;
    await this.call('gateway', (ctx) => this.settlement.SubmitBatch(ctx, t.batch([t.record(AT, '100', 'code', medium.payCode(AT - 1000))])));
    return medium;
  }

  /** One face sale by `account` from a terminal that holds deny-list `version`: the ledger's outcome. */
  async sale(account: string, version: number): Promise<string> {
    const t = this.terminal;
    const jws = t.batch([t.record(AT + this.runner.count, '100', 'face', faceCredential(account, 990), version)]);
    const r = JSON.parse(await this.call('gateway', (ctx) => this.settlement.SubmitBatch(ctx, jws))) as { outcomes: { code: string; reason?: string }[] };
    return r.outcomes[0]?.reason ?? r.outcomes[0]?.code ?? '';
  }

  /** One sale paid with `medium`'s next code from a terminal that holds deny-list `version`: the ledger's outcome. */
  async saleBy(medium: PayerMedium, version: number): Promise<string> {
    const t = this.terminal;
    const jws = t.batch([t.record(AT + this.runner.count, '100', 'code', medium.payCode(AT + this.runner.count - 1000), version)]);
    const r = JSON.parse(await this.call('gateway', (ctx) => this.settlement.SubmitBatch(ctx, jws))) as { outcomes: { code: string; reason?: string }[] };
    return r.outcomes[0]?.reason ?? r.outcomes[0]?.code ?? '';
  }
}

async function desk(): Promise<Desk> {
  const d = new Desk();
  await d.call('operator', (ctx) => d.settlement.RegisterIssuerKey(ctx, JSON.stringify(d.issuer.registration())));
  await d.call('operator', (ctx) => d.settlement.RegisterMerchant(ctx, JSON.stringify({ merchantId: 'canteen-1', name: 'North canteen' })));
  await d.call('operator', (ctx) => d.settlement.RegisterTerminal(ctx, JSON.stringify({ terminalId: 'pos-1', merchantId: 'canteen-1', publicKey: d.terminal.key.jwk })));
  await d.call('operator', (ctx) => d.settlement.SetRiskPolicy(ctx, JSON.stringify({ maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900 })));
  for (const account of ['alice', 'bob']) {
    await d.call('finance', (ctx) => d.settlement.OpenAccount(ctx, JSON.stringify({ account, group: 'g-2026', creditLine: '0' })));
    await d.call('operator', (ctx) => d.settlement.TopUp(ctx, JSON.stringify({ topUpId: `seed-${account}`, account, amount: '5000' })));
  }
  return d;
}

describe('DenyListContract: the operator adds and lifts deny-list entries', () => {
  it('lists an account with its reason, who and when; settlement refuses it; the lift is a new version terminals replay, and it is accepted again', async () => {
    const d = await desk();
    const entry = await d.add('account', 'alice', 'card skimming suspected');
    expect(entry).toMatchObject({ version: 1, kind: 'account', id: 'alice', reason: 'card skimming suspected', action: 'deny', source: 'operator' });
    expect(entry.by).toEqual({ subject: 'operator-desk', role: 'operator', mspId: 'OperatorMSP' });
    expect(typeof entry.at).toBe('number');
    expect(await d.sale('alice', 1)).toBe('DENY_LISTED');

    const lift = await d.lift(1, 'cleared by security');
    const liftTx = d.lastTxId;
    expect(lift).toMatchObject({ version: 2, kind: 'account', id: 'alice', action: 'lift', lifts: 1, reason: 'cleared by security' });
    expect(lift.by).toEqual({ subject: 'operator-desk', role: 'operator', mspId: 'OperatorMSP' });
    const delta = await d.delta();
    expect(delta.version).toBe(2);
    expect(delta.entries.map((e) => [e.version, e.action])).toEqual([[1, 'deny'], [2, 'lift']]);
    // The listed entry says when and by whom it was lifted; a terminal replaying the log holds nothing.
    expect(delta.entries[0]?.lifted).toMatchObject({ version: 2, reason: 'cleared by security', by: { subject: 'operator-desk' } });
    expect(parseDenyList(delta)).toEqual({ version: 2, media: new Set(), accounts: new Set() });
    expect(await d.sale('alice', 2)).toBe('settled');
    // Who acted is also in the transaction's actor record (what /v1/proofs shows).
    expect(JSON.parse(await d.call('auditor', (ctx) => d.settlement.GetActor(ctx, liftTx)))).toMatchObject({ fn: 'LiftDenyEntry', subject: 'operator-desk' });
  });

  it('lists and lifts a certified medium; a medium never certified is NOT_FOUND', async () => {
    const d = await desk();
    const medium = await d.aliceUsesHerPhone();
    await expect(d.add('medium', 'w-nobody', 'typo')).rejects.toThrow(/^NOT_FOUND/);
    await expect(d.add('medium', 'w-alice', 'typo', 'operator', 'bob')).rejects.toThrow(/^NOT_FOUND/);
    // Used but never certified through the issuing side: found in the account the operator names.
    const entry = await d.add('medium', 'w-alice', 'phone seen at another stall', 'operator', 'alice');
    expect(entry).toMatchObject({ version: 1, kind: 'medium', id: 'w-alice', account: 'alice' });
    expect(await d.saleBy(medium, 1)).toBe('DENY_LISTED');
    await expect(d.add('medium', 'w-alice', 'again', 'operator', 'alice')).rejects.toThrow(/^ALREADY_EXISTS/);
    expect(parseDenyList(await d.delta()).media).toEqual(new Set(['w-alice']));
    await d.lift(1, 'the student had it all along');
    expect(parseDenyList(await d.delta()).media).toEqual(new Set());
    expect(await d.saleBy(medium, 2)).toBe('settled');
  });

  it('keeps a medium listed that was double-spent while the operator\'s entry stood: its lift is refused and terminals still refuse it', async () => {
    const d = await desk();
    const medium = await d.aliceUsesHerPhone();
    const t = d.terminal;
    await d.add('medium', 'w-alice', 'phone seen at another stall', 'operator', 'alice');
    // A terminal still on deny-list version 0 takes the same code twice: a double spend of a medium already listed.
    const code = medium.payCode(AT);
    await d.call('gateway', (ctx) => d.settlement.SubmitBatch(ctx, t.batch([t.record(AT + 10, '100', 'code', code, 0), t.record(AT + 11, '100', 'code', code, 0)])));
    const cases = JSON.parse(await d.call('auditor', (ctx) => d.settlement.ListFraudCases(ctx))) as { mediaId: string }[];
    expect(cases.map((c) => c.mediaId)).toEqual(['w-alice']);
    const before = new Map(d.stub.committed);
    await expect(d.lift(1, 'the student had it all along')).rejects.toThrow(/^WRONG_ACCOUNT_STATE: medium w-alice was double-spent/);
    expect(d.stub.committed).toEqual(before);
    expect(parseDenyList(await d.delta()).media).toEqual(new Set(['w-alice']));
  });

  it("refuses: another role, an entry that is not the operator's, one lifted twice, one a later entry covers, a blank reason", async () => {
    const d = await desk();
    await expect(d.add('account', 'bob', 'x', 'auditor')).rejects.toThrow(/^ACCESS_DENIED/);
    await expect(d.add('account', 'nobody', 'x')).rejects.toThrow(/^NOT_FOUND/);
    await expect(d.add('account', 'bob', '')).rejects.toThrow(/^INVALID_FIELD/);
    await d.add('account', 'bob', 'suspected fraud');
    await expect(d.lift(1, 'x', 'registrar')).rejects.toThrow(/^ACCESS_DENIED/);
    await expect(d.lift(9, 'x')).rejects.toThrow(/^NOT_FOUND/);
    await d.lift(1, 'fine after all');
    await expect(d.lift(1, 'again')).rejects.toThrow(/^ALREADY_EXISTS/);
    await expect(d.lift(2, 'a lift is not lifted')).rejects.toThrow(/^WRONG_ACCOUNT_STATE/);
    // Graduation clearance lists the account too: its entry is not the operator's to lift.
    await d.call('registrar', (ctx) => d.settlement.BeginClearance(ctx, 'alice'));
    await expect(d.lift(3, 'x')).rejects.toThrow(/^WRONG_ACCOUNT_STATE/);
    await expect(d.add('account', 'alice', 'x')).rejects.toThrow(/^ALREADY_EXISTS/);
    // An operator entry under a later one stays: lifting it would let terminals accept the account.
    await d.add('account', 'bob', 'suspected again');
    await d.call('registrar', (ctx) => d.settlement.BeginClearance(ctx, 'bob'));
    await expect(d.lift(4, 'x')).rejects.toThrow(/^WRONG_ACCOUNT_STATE/);
    expect(parseDenyList(await d.delta()).accounts).toEqual(new Set(['alice', 'bob']));
  });
});
