import { readFileSync } from 'node:fs';
import { EmbeddedLedger, FabricLedger, MemoryBlockStore, LedgerError, type LedgerPort, type LedgerRole } from '@dol/gateway-api';
import { REJECT_REASONS } from '@dol/chaincode';
import { allRoleIdentities, blockHeight, findBinaries, peerEndpoint, up, waitForEndorsement, type Layout, type OrgKey } from '@dol/network';
import { PayerMedium, Terminal, caseIssuers, everyRecordVerdict, faceCredential, type CertFields } from '@dol/scripts';
import { testLayout } from './test-network';

/**
 * The contract under real endorsement, against its model: every step runs on the real network
 * (AND(Operator, Campus) endorsement, Raft ordering, the peers' validation) and on the same
 * contract over the in-memory stub, and every answer must be the same, transaction ids and
 * ledger times aside. Reads are made on the AuditOrg peer, which endorsed none of the writes.
 * The network is purged first, so that global answers (debts, fraud cases, points supply, the
 * books) are this file's alone; it is purged again at the end, for the files that follow.
 */
const l: Layout = testLayout();
const binaries = findBinaries();

/** A ledger through one org's peer; identities are read after the purge made them anew. */
function ledgerOn(org: OrgKey, roles: readonly LedgerRole[]): FabricLedger {
  const identities = allRoleIdentities(l);
  const peer = peerEndpoint(l, org);
  return new FabricLedger({
    peerEndpoint: peer.endpoint, peerHostAlias: peer.hostAlias, tlsRootCertPem: readFileSync(peer.tlsRootCert, 'utf8'), channel: 'campus', chaincode: 'settlement',
    identities: Object.fromEntries(roles.map((r) => [r, identities[r]])), evaluateMs: 30_000, endorseMs: 60_000, submitMs: 30_000, commitMs: 120_000,
  });
}

/** Transaction ids and ledger times differ between the two ledgers by nature; nothing else may. */
function normalise(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/[0-9a-f]{64}/g, '<tx>');
  if (typeof value === 'number') return value > 1.5e12 && value < 2.5e12 ? '<time>' : value;
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [normalise(k) as string, normalise(v)]));
  }
  return value;
}
const parsed = (text: string): unknown => (text === '' ? '' : normalise(JSON.parse(text)));

let real: FabricLedger;
let audit: FabricLedger;
let model: EmbeddedLedger;
/** The model's ledger time: the wall clock at each call, as the peers' timestamps are. */
let modelClock = Date.now();
const ledgers: FabricLedger[] = [];

/** One write on both ledgers: the same answer, or the same refusal code. */
async function write(role: LedgerRole, fn: string, ...args: string[]): Promise<Record<string, unknown>> {
  const run = async (ledger: LedgerPort): Promise<unknown> => {
    if (ledger === model) modelClock = Date.now();
    try {
      return parsed((await ledger.submit(role, fn, args)).result);
    } catch (error) {
      if (error instanceof LedgerError && error.failure === 'refused') return { refused: error.code };
      throw error;
    }
  };
  const onFabric = await run(real);
  const onModel = await run(model);
  expect({ fn, answer: onFabric }).toEqual({ fn, answer: onModel });
  return (onFabric ?? {}) as Record<string, unknown>;
}

/** One read on the AuditOrg peer once it holds every block committed so far, and on the model. */
async function read(fn: string, ...args: string[]): Promise<unknown> {
  const onFabric = parsed(await audit.evaluate('auditor', fn, args));
  modelClock = Date.now();
  const onModel = parsed(await model.evaluate('auditor', fn, args));
  expect({ fn, args, answer: onFabric }).toEqual({ fn, args, answer: onModel });
  return onFabric;
}

/** Waits until the AuditOrg peer has every block the OperatorOrg peer has. */
async function auditCaughtUp(): Promise<void> {
  const want = await blockHeight(l, binaries, 'operator');
  for (;;) {
    const have = await blockHeight(l, binaries, 'audit');
    if (want !== undefined && have !== undefined && have >= want) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  await up(l, { purge: true, binaries });
  await waitForEndorsement(l);
  real = ledgerOn('operator', ['gateway', 'operator', 'finance', 'registrar']);
  audit = ledgerOn('audit', ['auditor']);
  ledgers.push(real, audit);
  model = await EmbeddedLedger.open({ store: new MemoryBlockStore(), clock: () => modelClock });
});

afterAll(async () => {
  for (const x of ledgers) x.close();
  // Leave the shared test network as clean as this file found it: later files read global totals.
  await up(l, { purge: true, binaries });
  await waitForEndorsement(l);
});

const HOUR = 3_600_000;
const POLICY = { maxClockSkewMs: 300_000, tapMaxAgeMs: 120_000, faceCapPerPayment: '3000', faceMinScore: 900 };
const outcomeCodes = (r: Record<string, unknown>): string[] => (r.outcomes as { code: string; reason?: string }[]).map((o) => o.reason ?? o.code);
const anomalyKinds = (r: Record<string, unknown>): string[] => (r.anomalies as { kind: string }[]).map((a) => a.kind);

describe('the contract under real endorsement answers as its model does', () => {
  it('every outcome in batches, recovery by top-up, clearance collected/waived/referred, a payout; the AuditOrg peer agrees with the model', async () => {
    const now = Date.now();
    const issuers = caseIssuers(now);
    const pos1 = Terminal.generate('pos-twin-1', 'ES256');
    const pos2 = Terminal.generate('pos-twin-2', 'EdDSA');
    const { cases, validAccounts } = everyRecordVerdict(now, pos1, issuers);

    for (const i of [issuers.issuer, issuers.issuerEd, issuers.revoked, issuers.retired]) await write('operator', 'RegisterIssuerKey', JSON.stringify(i.registration()));
    await write('operator', 'RevokeIssuerKey', issuers.revoked.keyId);
    await write('operator', 'RegisterMerchant', JSON.stringify({ merchantId: 'canteen-twin', name: 'Twin canteen' }));
    for (const t of [pos1, pos2]) await write('operator', 'RegisterTerminal', JSON.stringify({ terminalId: t.terminalId, merchantId: 'canteen-twin', publicKey: t.key.jwk }));
    await write('operator', 'SetRiskPolicy', JSON.stringify(POLICY));
    await write('finance', 'SetPointsPolicy', JSON.stringify({ ratePerMille: 10, multipliers: {}, dailyCap: '1000' }));
    const open = async (account: string, creditLine: string, topUp: string): Promise<void> => {
      await write('finance', 'OpenAccount', JSON.stringify({ account, group: 'g-2026', creditLine }));
      if (topUp !== '0') await write('operator', 'TopUp', JSON.stringify({ topUpId: `seed-${account}`, account, amount: topUp }));
    };
    for (const a of validAccounts) await open(a, '0', '5000');
    await open('bob', '500', '100');
    await open('dan', '0', '0');
    await open('eve', '300', '0');
    const bobCard = PayerMedium.issue(issuers.issuer, {
      mediaId: 'w-bob', kind: 'wallet', account: 'bob', group: 'g-2026', capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 100, nbf: now - 86_400_000, exp: now + 86_400_000,
    } satisfies CertFields);
    const at = now - HOUR / 2;
    const replayed = bobCard.payCode(at - 500);

    // Batch 1: every verdict of protocol v1, bob paying beyond his funds, eve and dan in debt.
    const first = pos1.batch([
      ...cases.map((c) => c.record),
      pos1.record(at, '400', 'code', replayed),
      pos1.record(at + 1, '800', 'face', faceCredential('bob', 950)),
      pos1.record(at + 2, '1000', 'face', faceCredential('eve', 990)),
      pos1.record(at + 3, '400', 'face', faceCredential('dan', 990)),
      pos1.record(at + 4, '100', 'face', faceCredential('nobody-here', 950)),
    ]);
    const b1 = await write('gateway', 'SubmitBatch', first);
    const reasons = outcomeCodes(b1);
    for (const reason of REJECT_REASONS) expect(reasons).toContain(reason);
    expect(reasons).toEqual(expect.arrayContaining(['settled', 'UNKNOWN_ACCOUNT']));

    // The same batch again: every record a duplicate. A forked copy of the terminal (same key, its
    // own numbering) re-using batch 1's numbers with other content: conflicts and a fork.
    const again = await write('gateway', 'SubmitBatch', first);
    expect(outcomeCodes(again).every((c) => c === 'duplicate')).toBe(true);
    const twin = new Terminal(pos1.terminalId, pos1.key);
    const forked = await write('gateway', 'SubmitBatch', twin.batch([twin.record(at + 10, '50', 'face', faceCredential(validAccounts[2] ?? '', 950))]));
    expect(outcomeCodes(forked)).toEqual(['conflict']);
    expect(anomalyKinds(forked)).toContain('fork');

    // Lost sales: a gap in the chain. The replayed code at another terminal: a double spend, a fraud case, the medium deny-listed.
    pos1.skip(3);
    const gapped = await write('gateway', 'SubmitBatch', pos1.batch([pos1.record(at + 20, '100', 'face', faceCredential(validAccounts[2] ?? '', 950))]));
    expect(anomalyKinds(gapped)).toContain('gap');
    const spent = await write('gateway', 'SubmitBatch', pos2.batch([pos2.record(at + 30, '300', 'code', replayed)]));
    expect(outcomeCodes(spent)).toEqual(['double-spend']);

    // The gateway's part after settling: fold every pending charge, publish the denials: the double
    // spend's, and the purse vector's card, whose purse this ledger never loaded (the fold finds its
    // balance chain broken: a tampered purse, and FoldCharges says so).
    const pending = JSON.parse(await real.evaluate('gateway', 'funding:ListPendingCharges', ['5000'])) as { charges: { account: string; paymentId: string }[] };
    expect(pending.charges.length).toBeGreaterThan(0);
    expect(await write('gateway', 'funding:FoldCharges', JSON.stringify(pending.charges.map((c) => [c.account, c.paymentId])))).toMatchObject({ folded: pending.charges.length, denials: 1 });
    expect(await write('gateway', 'funding:PublishDenials')).toMatchObject({ published: 2 });
    expect(await write('gateway', 'funding:PublishDenials')).toMatchObject({ published: 0 });

    // A top-up recovers bob's advance first, then his credit line, then fills the wallet.
    const topUp = await write('operator', 'TopUp', JSON.stringify({ topUpId: 'tu-bob', account: 'bob', amount: '2000' }));
    expect(topUp).toMatchObject({ recovered: { advance: expect.any(String) as string, credit: '500' } });

    // Clearance: dan's advance collected; eve's advance waived and her credit referred.
    await write('registrar', 'BeginClearance', 'dan');
    await write('registrar', 'BeginClearance', 'eve');
    await write('registrar', 'CompleteClearance', JSON.stringify({ account: 'dan', resolutions: [{ debt: 'advance', resolution: 'collected', reference: 'cash-desk/1' }] }));
    const refusal = await write('registrar', 'CompleteClearance', JSON.stringify({ account: 'eve', resolutions: [] }));
    expect(refusal).toEqual({ refused: 'MISSING_FIELD' });
    // Four eyes: with no waiver limit set every waiver needs a second registrar; these identities
    // name no person (no actor), so the waiver is refused until finance sets a limit above it.
    const unapproved = await write('registrar', 'CompleteClearance', JSON.stringify({
      account: 'eve', resolutions: [{ debt: 'advance', resolution: 'waived', reference: 'hardship/9' }, { debt: 'credit', resolution: 'referred', reference: 'bureau/17' }],
    }));
    expect(unapproved).toEqual({ refused: 'FOUR_EYES_REQUIRED' });
    await write('finance', 'SetWaiverLimit', '100000');
    const eve = await write('registrar', 'CompleteClearance', JSON.stringify({
      account: 'eve', resolutions: [{ debt: 'advance', resolution: 'waived', reference: 'hardship/9' }, { debt: 'credit', resolution: 'referred', reference: 'bureau/17' }],
    }));
    expect((eve.resolved as { resolution: string }[]).map((r) => r.resolution)).toEqual(['waived', 'referred']);
    const payout = await write('operator', 'Payout', JSON.stringify({ payoutId: 'po-1', merchantId: 'canteen-twin' }));
    expect(payout.total).not.toBe('0');
    expect(await write('operator', 'Payout', JSON.stringify({ payoutId: 'po-1', merchantId: 'canteen-twin' }))).toEqual(payout);

    // The AuditOrg peer's answers, against the model's.
    await auditCaughtUp();
    for (const a of [...validAccounts, 'bob', 'dan', 'eve']) {
      await read('GetAccount', a);
      await read('GetStatement', a);
    }
    await read('GetAdvances', 'bob');
    await read('GetBatches', pos1.terminalId);
    await read('GetBatches', pos2.terminalId);
    expect(await read('ListFraudCases')).not.toEqual([]);
    await read('ListDebts');
    await read('GetDenyListDelta', '0');
    expect(await read('GetPointsSupply')).toMatchObject({ consistent: true });
    expect(await read('CheckInvariant')).toMatchObject({ ok: true, sum: '0' });
  });

  it('concurrent batches commit without MVCC conflicts, also two charging one payer; one code at two terminals at once: the loser is re-endorsed and finds the double spend', async () => {
    const now = Date.now();
    const at = now - 60_000;
    const terminals = Array.from({ length: 8 }, (_, i) => Terminal.generate(`pos-mvcc-${i}`, 'EdDSA'));
    for (const t of terminals) await write('operator', 'RegisterTerminal', JSON.stringify({ terminalId: t.terminalId, merchantId: 'canteen-twin', publicKey: t.key.jwk }));
    for (let i = 0; i < terminals.length; i++) {
      for (let j = 0; j < 5; j++) await real.submit('finance', 'OpenAccount', [JSON.stringify({ account: `m-${i}-${j}`, group: 'g-2026', creditLine: '1000' })]);
    }
    await real.submit('finance', 'OpenAccount', [JSON.stringify({ account: 'shared', group: 'g-2026', creditLine: '100000' })]);

    // Different terminals, different payers: nothing in common but what they only read.
    real.invalidated.clear();
    const batches = terminals.map((t, i) => t.batch(Array.from({ length: 5 }, (_, j) => t.record(at + j, '100', 'face', faceCredential(`m-${i}-${j}`, 950)))));
    const commits = await Promise.all(batches.map((b) => real.submit('gateway', 'SubmitBatch', [b])));
    expect(commits.map((c) => c.validationCode)).toEqual(terminals.map(() => 'VALID'));
    expect(Object.fromEntries(real.invalidated)).toEqual({});
    const blocks = new Set(commits.map((c) => c.blockNumber));
    process.stdout.write(`[mvcc] ${batches.length} concurrent batches of different terminals in ${blocks.size} block(s): 0 invalidated\n`);

    // Two terminals charging one payer at once: settlement never writes the payer's account (funding
    // at the fold, docs/settlement.md), so both commit, and the account still counts both charges.
    let charged = 0;
    for (let round = 0; round < 3; round++) {
      real.invalidated.clear();
      const pair = [terminals[0], terminals[1]].map((t) => t?.batch([t.record(Date.now() - 60_000, '100', 'face', faceCredential('shared', 950))]) ?? '');
      const settled = await Promise.all(pair.map((b) => real.submit('gateway', 'SubmitBatch', [b])));
      expect(settled.map((s) => s.validationCode)).toEqual(['VALID', 'VALID']);
      expect(Object.fromEntries(real.invalidated)).toEqual({});
      charged += 2;
    }
    process.stdout.write('[mvcc] one payer, two terminals at once, 3 rounds: 0 invalidated\n');

    // One code shown at two terminals at once: both read its counter unused; the one committed second
    // is invalidated (a genuine conflict, on use/<mediaId>/<ctr>), re-endorsed by the adapter, and now
    // finds the double spend. Exactly one of the two is paid as a first use.
    const issuer = caseIssuers(now, 'mvcc-').issuer;
    await real.submit('operator', 'RegisterIssuerKey', [JSON.stringify(issuer.registration())]);
    const card = PayerMedium.issue(issuer, {
      mediaId: 'w-shared', kind: 'wallet', account: 'shared', group: 'g-2026', capPerPayment: '5000', capTotal: '100000', ctrFrom: 1, ctrTo: 100, nbf: now - 86_400_000, exp: now + 86_400_000,
    } satisfies CertFields);
    let conflicts = 0;
    let rounds = 0;
    while (conflicts === 0 && rounds < 5) {
      rounds += 1;
      real.invalidated.clear();
      const code = card.payCode(Date.now() - 61_000, 60_000, rounds);
      const pair = [terminals[2], terminals[3]].map((t) => t?.batch([t.record(Date.now() - 60_000, '100', 'code', code)]) ?? '');
      const settled = await Promise.all(pair.map((b) => real.submit('gateway', 'SubmitBatch', [b])));
      expect(settled.map((s) => (JSON.parse(s.result) as { outcomes: { code: string }[] }).outcomes[0]?.code).sort()).toEqual(['double-spend', 'settled']);
      charged += 2;
      conflicts = real.invalidated.get('MVCC_READ_CONFLICT') ?? 0;
    }
    process.stdout.write(`[mvcc] one code, two terminals at once: ${conflicts} MVCC_READ_CONFLICT in round ${rounds}, re-endorsed as the double spend\n`);
    expect(conflicts).toBeGreaterThan(0);
    await auditCaughtUp();
    const shared = JSON.parse(await audit.evaluate('auditor', 'GetAccount', ['shared'])) as { creditUsed: string };
    expect(shared.creditUsed).toBe(String(charged * 100));
    expect(JSON.parse(await audit.evaluate('auditor', 'CheckInvariant', []))).toMatchObject({ ok: true });
  });
});
