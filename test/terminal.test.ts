import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Amount, parseIssuerKey, parseRiskPolicy, recordDigest } from '@dol/chaincode';
import {
  AcceptanceEngine, EdgeClient, Journal, OfflineTerminal, TerminalRequestError, fileJournalStore, memoryJournalStore, parseDenyList, parseFaceAgreements, readOutcome, uploadBatch, type DenyList, type FaceAgreements, type OfflineConfig, type Presentation,
} from '@dol/terminal';
import { Issuer, PayerMedium, PurseCard, Terminal, caseIssuers, everyRecordVerdict, faceCredential } from '@dol/scripts';

/**
 * The reference terminal library (terminal/): the acceptance engine refuses what protocol v1 and
 * the operator's offline limits refuse, the journal keeps every sale across a crash, uploads retry
 * with backoff, and a terminal whose edge does not answer decides alone and says so.
 */
const NOW = Date.now();
const HOUR = 3_600_000;
const POLICY = { maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900 };
const noDeny: DenyList = { version: 0, media: new Set(), accounts: new Set() };
/** The accounts with a live agreement the face sales below pay from. */
const FACES: FaceAgreements = { asOf: NOW, accounts: new Set(['acct-f1', 'acct-u', 'acct-f', 'acct-s']) };

function configFor(terminalId: string, issuers: readonly Issuer[], policy: Record<string, unknown> = {}, revoked: readonly Issuer[] = []): OfflineConfig {
  return {
    terminalId, merchantId: 'canteen-1', role: 'terminal', asOf: NOW, policy: parseRiskPolicy({ ...POLICY, ...policy }), denyListVersion: 0, edges: [],
    issuerKeys: [...issuers.map((i) => parseIssuerKey(i.registration())), ...revoked.map((i) => parseIssuerKey(i.registration('revoked')))],
  };
}

const presentationOf = (medium: 'code' | 'tap' | 'face' | 'purse', credential: unknown): Presentation => {
  if (medium === 'face') {
    const f = credential as { account: string; score: number };
    return { medium, account: f.account, score: f.score };
  }
  return { medium, credential: String(credential) };
};

const issuer = Issuer.generate('issuer-t', 'EdDSA', NOW - 1e10, NOW + 1e10);
const walletFields = (n: string, over: Partial<Parameters<typeof PayerMedium.issue>[1]> = {}): Parameters<typeof PayerMedium.issue>[1] => ({
  mediaId: `w-${n}`, kind: 'wallet', account: `acct-${n}`, group: 'g', capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 100, nbf: NOW - 86_400_000, exp: NOW + 86_400_000, ...over,
});

describe('acceptance engine: the ledger verdict, at the stall', () => {
  const is = caseIssuers(NOW);
  const chain = Terminal.generate('pos-cases', 'EdDSA');
  const { cases } = everyRecordVerdict(NOW, chain, is);
  const engine = new AcceptanceEngine('pos-cases');
  const faceAccounts = cases.flatMap((c) => (c.record.medium === 'face' ? [(c.record.credential as { account: string }).account] : []));
  engine.sync(configFor('pos-cases', [is.issuer, is.issuerEd, is.retired], {}, [is.revoked]), noDeny, NOW - HOUR - 60_000, { asOf: NOW, accounts: new Set(faceAccounts) });

  // The terminal's clock is its "now": a sale dated in the future of the ledger is not the terminal's to judge.
  // Nor is the tender: the terminal records the one the payer signed, so it never writes a TENDER_MISMATCH.
  const terminalsToJudge = cases.filter((c) => !('reason' in c.expect && (c.expect.reason === 'FUTURE_TIMESTAMP' || c.expect.reason === 'TENDER_MISMATCH')));
  it.each(terminalsToJudge.map((c) => [c.name, c] as const))('%s: decided as the ledger would', (_name, c) => {
    const d = engine.decide(presentationOf(c.record.medium, c.record.credential), Amount.parse(c.record.amount), c.record.at);
    if ('reason' in c.expect) expect(d.ok ? 'accepted' : d.code).toBe(c.expect.reason);
    else expect(d.ok && d.payer.account).toBe(c.expect.account);
  });

  it('records the tender the payer signed: points for a points code or tap, money otherwise (campus-value extension)', () => {
    const tenders = cases.filter((c) => 'account' in c.expect && c.record.medium !== 'face').map((c) => {
      const d = engine.decide(presentationOf(c.record.medium, c.record.credential), Amount.parse(c.record.amount), c.record.at);
      return [c.name, d.ok ? (d.tender ?? 'money') : d.code];
    });
    expect(tenders.filter(([, t]) => t === 'points').map(([name]) => name)).toEqual(['points-code-valid', 'points-tap-valid']);
    expect(tenders.every(([, t]) => t === 'points' || t === 'money')).toBe(true);
  });
});

describe('acceptance engine: what only the terminal knows', () => {
  const at = NOW - HOUR;
  const fresh = (policy: Record<string, unknown> = {}, deny: DenyList = noDeny): AcceptanceEngine => {
    const e = new AcceptanceEngine('pos-1');
    e.sync(configFor('pos-1', [issuer], policy), deny, at - 60_000, FACES);
    return e;
  };
  const sell = (e: AcceptanceEngine, p: Presentation, amount: string, when = at): string => {
    const d = e.decide(p, Amount.parse(amount), when);
    if (d.ok) e.remember(d.payer, Amount.parse(amount), when);
    return d.ok ? 'ok' : d.code;
  };

  it('refuses every sale before the first sync (NOT_SYNCED)', () => {
    const e = new AcceptanceEngine('pos-1');
    expect(sell(e, { medium: 'face', account: 'acct-1', score: 950 }, '100')).toBe('NOT_SYNCED');
  });

  it('refuses offline sales once it has not synced for longer than offlineMaxMs (OFFLINE_TOO_LONG)', () => {
    const e = fresh({ offlineMaxMs: 600_000 });
    const w = PayerMedium.issue(issuer, walletFields('o1'));
    expect(sell(e, { medium: 'code', credential: w.payCode(at + 500_000) }, '100', at + 500_000)).toBe('ok');
    expect(sell(e, { medium: 'code', credential: w.payCode(at + 700_000) }, '100', at + 700_000)).toBe('OFFLINE_TOO_LONG');
  });

  it('refuses a medium or an account on the deny list it holds (DENY_LISTED)', () => {
    const e = fresh({}, { version: 3, media: new Set(['w-d1']), accounts: new Set(['acct-d2']) });
    expect(sell(e, { medium: 'code', credential: PayerMedium.issue(issuer, walletFields('d1')).payCode(at - 1000) }, '100')).toBe('DENY_LISTED');
    expect(sell(e, { medium: 'face', account: 'acct-d2', score: 990 }, '100')).toBe('DENY_LISTED');
    expect(e.denyListVersion).toBe(3);
  });

  it("sells again to an account and a medium whose operator entries were lifted (issue 32)", () => {
    const entries = [
      { version: 1, kind: 'account', id: 'acct-f1', action: 'deny' }, { version: 2, kind: 'medium', id: 'w-d1', action: 'deny' },
      { version: 3, kind: 'account', id: 'acct-f1', action: 'lift', lifts: 1 }, { version: 4, kind: 'medium', id: 'w-d1', action: 'lift', lifts: 2 },
    ];
    expect(sell(fresh({}, parseDenyList({ version: 2, entries: entries.slice(0, 2) })), { medium: 'face', account: 'acct-f1', score: 990 }, '100')).toBe('DENY_LISTED');
    const e = fresh({}, parseDenyList({ version: 4, entries }));
    expect(sell(e, { medium: 'code', credential: PayerMedium.issue(issuer, walletFields('d1')).payCode(at - 1000) }, '100')).toBe('ok');
    expect(sell(e, { medium: 'face', account: 'acct-f1', score: 990 }, '100')).toBe('ok');
  });

  it('refuses a counter not above the last it accepted from that medium: the same screenshot twice (COUNTER_REUSED)', () => {
    const e = fresh();
    const w = PayerMedium.issue(issuer, walletFields('c1'));
    const code = w.payCode(at - 1000);
    expect(sell(e, { medium: 'code', credential: code }, '100')).toBe('ok');
    expect(sell(e, { medium: 'code', credential: code }, '100', at + 1000)).toBe('COUNTER_REUSED');
    expect(sell(e, { medium: 'code', credential: w.payCode(at, 60_000, 1) }, '100', at + 2000)).toBe('COUNTER_REUSED');
    expect(sell(e, { medium: 'code', credential: w.payCode(at) }, '100', at + 3000)).toBe('ok');
  });

  it("refuses a sale that would pass the certificate's capTotal at this terminal (CAP_TOTAL_REACHED)", () => {
    const e = fresh();
    const w = PayerMedium.issue(issuer, walletFields('t1', { capPerPayment: '1000', capTotal: '1500' }));
    expect(sell(e, { medium: 'code', credential: w.payCode(at - 1000) }, '1000')).toBe('ok');
    expect(sell(e, { medium: 'code', credential: w.payCode(at - 1000) }, '600', at + 1)).toBe('CAP_TOTAL_REACHED');
    expect(sell(e, { medium: 'code', credential: w.payCode(at - 1000) }, '500', at + 2)).toBe('ok');
  });

  it('counts sales and amounts per medium and UTC day at this terminal (DAILY_COUNT_LIMIT, DAILY_AMOUNT_LIMIT)', () => {
    const e = fresh({ mediumDailyCount: 2, mediumDailyAmount: '2500' });
    const face: Presentation = { medium: 'face', account: 'acct-f1', score: 950 };
    expect(sell(e, face, '1000', at)).toBe('ok');
    expect(sell(e, face, '1600', at + 1)).toBe('DAILY_AMOUNT_LIMIT');
    expect(sell(e, face, '1000', at + 2)).toBe('ok');
    expect(sell(e, face, '100', at + 3)).toBe('DAILY_COUNT_LIMIT');
    expect(sell(e, face, '100', at + 86_400_000)).toBe('OFFLINE_TOO_LONG'); // a day later it must sync first
  });

  it('takes a face only for an account whose agreement was live when it synced (NO_AGREEMENT), and no face before it synced the agreements (NOT_SYNCED)', () => {
    expect(sell(fresh(), { medium: 'face', account: 'acct-none', score: 990 }, '100')).toBe('NO_AGREEMENT');
    const e = new AcceptanceEngine('pos-1');
    e.sync(configFor('pos-1', [issuer]), noDeny, at - 60_000);
    expect(sell(e, { medium: 'face', account: 'acct-f1', score: 990 }, '100')).toBe('NOT_SYNCED');
    expect(sell(e, { medium: 'code', credential: PayerMedium.issue(issuer, walletFields('n1')).payCode(at - 1000) }, '100')).toBe('ok');
    // The agreements come with a sync and stay until the next one brings others.
    e.sync(configFor('pos-1', [issuer]), noDeny, at - 30_000, parseFaceAgreements({ asOf: NOW, accounts: ['acct-f1'] }));
    expect(sell(e, { medium: 'face', account: 'acct-f1', score: 990 }, '100', at + 1)).toBe('ok');
    e.sync(configFor('pos-1', [issuer]), noDeny, at - 20_000);
    expect(sell(e, { medium: 'face', account: 'acct-f1', score: 990 }, '100', at + 2)).toBe('ok');
    expect(() => parseFaceAgreements({ asOf: NOW, accounts: [''] })).toThrow();
    expect(() => parseFaceAgreements({ asOf: NOW })).toThrow();
  });

  it('refuses a credential the record could not carry (INVALID_SALE)', () => {
    expect(sell(fresh(), { medium: 'code', credential: 'x'.repeat(9000) }, '100')).toBe('INVALID_SALE');
  });
});

describe('purse cards at the stall (campus-value extension)', () => {
  const at = NOW - HOUR;
  const terminalFor = (id: string): OfflineTerminal => {
    const t = new OfflineTerminal(id, Terminal.generate(id, 'EdDSA').key, new Journal(memoryJournalStore()));
    t.sync(configFor(id, [issuer]), noDeny, at - 60_000, FACES);
    return t;
  };
  const purseCard = (n: string): PurseCard => {
    const card = PurseCard.issue(issuer, { ...walletFields(n), mediaId: `p-${n}`, capPerPayment: '1000', capTotal: '1000', ctrTo: 1000 });
    card.tamper('5000'); // as a load would have left it; the stall sees only what the card signs
    return card;
  };

  it('sells a purse purchase the card signed (no capTotal to count: a purse cannot be overspent), refuses the same purchase twice and one for another terminal', async () => {
    const t = terminalFor('pos-p1');
    const card = purseCard('p1');
    const credential = card.purchase('800', 'pos-p1', t.nextSeq, 'nonce-p1-0001', at - 500);
    const sold = await t.sell({ medium: 'purse', credential }, Amount.parse('800'), at);
    expect(sold.ok && [sold.record.medium, sold.record.seq, sold.edge]).toEqual(['purse', 1, 'none']);
    expect(await t.sell({ medium: 'purse', credential }, Amount.parse('800'), at + 1)).toMatchObject({ ok: false, code: 'COUNTER_REUSED' });
    // Past the certificate's capTotal (1000) at this terminal: a code would be refused, a purse purchase is covered by the card.
    const again = card.purchase('800', 'pos-p1', t.nextSeq, 'nonce-p1-0002', at + 1);
    expect((await t.sell({ medium: 'purse', credential: again }, Amount.parse('800'), at + 2)).ok).toBe(true);
    const elsewhere = card.purchase('100', 'pos-other', t.nextSeq, 'nonce-p1-0003', at + 2);
    expect(await t.sell({ medium: 'purse', credential: elsewhere }, Amount.parse('100'), at + 3)).toMatchObject({ ok: false, code: 'PURSE_SALE_MISMATCH' });
  });

  it('recovers a torn tap on the next tap: the purchase the card signed for it and it never got, once, dated when the card signed it', async () => {
    const t = terminalFor('pos-p2');
    const card = purseCard('p2');
    card.purchase('300', 'pos-p2', t.nextSeq, 'nonce-p2-0001', at - 500); // the card debited itself; the answer was lost
    card.purchase('200', 'pos-elsewhere', 1, 'nonce-p2-0002', at); // signed for another terminal: not this one's to record
    const recovered = await t.recoverTorn(card.lastPurchases());
    expect(recovered.map((r) => [r.medium, r.amount, r.at])).toEqual([['purse', '300', at - 500]]);
    expect(await t.recoverTorn(card.lastPurchases())).toEqual([]);
    const next = card.purchase('100', 'pos-p2', t.nextSeq, 'nonce-p2-0003', at + 1000);
    expect((await t.sell({ medium: 'purse', credential: next }, Amount.parse('100'), at + 1500)).ok).toBe(true);
  });
});

describe('deny list: read from the centre or from the edge', () => {
  it('takes both shapes, and refuses a list it cannot read', () => {
    const fromCentre = parseDenyList({ version: 3, entries: [{ version: 2, kind: 'medium', id: 'w-1', reason: 'double spend' }, { version: 3, kind: 'account', id: 'acct-2', reason: 'clearance' }] });
    expect(fromCentre).toEqual({ version: 3, media: new Set(['w-1']), accounts: new Set(['acct-2']) });
    expect(parseDenyList({ version: 3, media: ['w-1'], accounts: ['acct-2'] })).toEqual(fromCentre);
    expect(() => parseDenyList({ version: 3, media: [1], accounts: [] })).toThrow(/list of ids/);
    expect(() => parseDenyList({ version: 3, entries: [{ kind: 'medium' }] })).toThrow(/lacks its id/);
  });

  it("replays the centre's log in version order: an operator's lift takes the id off the list, a later entry puts it back (issue 32)", () => {
    const entry = (version: number, kind: string, id: string, action?: string): Record<string, unknown> => ({ version, kind, id, reason: 'operator', ...(action === undefined ? {} : { action }) });
    const lifted = parseDenyList({ version: 5, entries: [
      entry(4, 'medium', 'w-2', 'lift'), entry(1, 'account', 'acct-1', 'deny'), entry(2, 'medium', 'w-2', 'deny'), entry(3, 'account', 'acct-1', 'lift'), entry(5, 'medium', 'w-3'),
    ] });
    expect(lifted).toEqual({ version: 5, media: new Set(['w-3']), accounts: new Set() });
    const again = parseDenyList({ version: 6, entries: [entry(1, 'account', 'acct-1', 'deny'), entry(3, 'account', 'acct-1', 'lift'), entry(6, 'account', 'acct-1')] });
    expect(again.accounts).toEqual(new Set(['acct-1']));
  });
});

describe('journal: durable before the payer is told, resumed after a crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dol-journal-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const chain = Terminal.generate('pos-j', 'EdDSA');
  const at = NOW - HOUR;
  const open = (): OfflineTerminal => {
    const t = new OfflineTerminal('pos-j', chain.key, new Journal(fileJournalStore(join(dir, 'journal.jsonl'))));
    t.sync(configFor('pos-j', [issuer]), noDeny, at - 60_000, FACES);
    return t;
  };

  it('keeps every confirmed sale, discards a torn last line, and goes on with the chain where it stopped', async () => {
    const w = PayerMedium.issue(issuer, walletFields('j1'));
    const first = open();
    const codes = [w.payCode(at - 1000), w.payCode(at - 1000), w.payCode(at - 1000)];
    const sold = [];
    for (const [i, code] of codes.entries()) sold.push(await first.sell({ medium: 'code', credential: code }, Amount.parse('500'), at + i));
    expect(sold.every((s) => s.ok)).toBe(true);
    // The process dies mid-write: half a line at the end, never confirmed to anyone.
    appendFileSync(join(dir, 'journal.jsonl'), '{"kind":"sale","record":{"v":1,"terminalId":"pos-j","se');

    const again = open();
    // The screenshot of a code already accepted before the crash is still refused.
    expect(await again.sell({ medium: 'code', credential: codes[1] ?? '' }, Amount.parse('500'), at + 10)).toMatchObject({ ok: false, code: 'COUNTER_REUSED' });
    const next = await again.sell({ medium: 'code', credential: w.payCode(at) }, Amount.parse('500'), at + 11);
    const third = sold[2];
    if (!next.ok || third?.ok !== true) throw new Error('expected sales');
    expect(next.record.seq).toBe(4);
    expect(next.record.prev).toBe(recordDigest(third.record));
    expect(again.seal(2)).toBe(2);
    expect(again.batches().map((b) => [b.batchSeq, b.firstSeq, b.lastSeq])).toEqual([[1, 1, 2], [2, 3, 4]]);
    // Reopened once more, the sealed batches are the same bytes (an upload retried after a crash is the same batch).
    expect(open().batches().map((b) => b.jws)).toEqual(again.batches().map((b) => b.jws));
  });

  it('refuses to open a journal whose records do not chain (edited on disk)', () => {
    const path = join(dir, 'journal.jsonl');
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    lines.splice(1, 1);
    writeFileSync(join(dir, 'edited.jsonl'), `${lines.join('\n')}\n`);
    expect(() => new Journal(fileJournalStore(join(dir, 'edited.jsonl')))).toThrow(/does not follow/);
  });
});

describe('upload and edge: retry with backoff, decide alone when the edge does not answer', () => {
  let server: Server;
  let url = '';
  const seen: string[] = [];
  let failures = 2;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
        const problem = (status: number, code: string, detail: string): void => {
          res.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: `urn:dol:problem:${code}`, title: code, status, code, detail }));
        };
        if (req.url === '/v1/approvals') {
          problem(409, 'ALREADY_USED', 'used at pos-2');
        } else if (req.url === '/invalid/v1/approvals') {
          problem(400, 'INVALID_REQUEST', 'amount: not a decimal string');
        } else if (req.url === '/stranger/v1/approvals') {
          problem(403, 'NOT_SITE_TERMINAL', 'pos-s is not an active terminal of this edge\'s site');
        } else if (req.url?.startsWith('/down/') === true) {
          if (req.method === 'GET') problem(404, 'NOT_FOUND', 'no batch with this receipt');
          else problem(503, 'LEDGER_UNAVAILABLE', 'no peer answered');
        } else if (failures-- > 0) {
          res.writeHead(503).end('{}');
        } else {
          const batch = (JSON.parse(body) as { batch: string }).batch;
          res.writeHead(batch.startsWith('bad') ? 422 : 202, { 'content-type': 'application/json' })
            .end(JSON.stringify(batch.startsWith('bad') ? { code: 'BAD_SIGNATURE', detail: 'the batch signature does not verify' } : { receipt: 'r'.repeat(64) }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const at = NOW - HOUR;

  it('retries an upload that met 503 twice, then records the receipt in the journal', async () => {
    const chain = Terminal.generate('pos-u', 'EdDSA');
    const t = new OfflineTerminal('pos-u', chain.key, new Journal(memoryJournalStore()));
    t.sync(configFor('pos-u', [issuer]), noDeny, at - 60_000, FACES);
    await t.sell({ medium: 'face', account: 'acct-u', score: 950 }, Amount.parse('700'), at);
    t.seal();
    const out = await t.upload({ url }, { baseMs: 5, maxMs: 20, attempts: 5 });
    expect(out).toEqual({ uploaded: 1 });
    expect(seen.filter((s) => s === 'POST /v1/batches')).toHaveLength(3);
    expect(t.receipts()).toEqual(['r'.repeat(64)]);
  });

  it("takes the edge's refusal on the spot, and records nothing", async () => {
    const chain = Terminal.generate('pos-e', 'EdDSA');
    const t = new OfflineTerminal('pos-e', chain.key, new Journal(memoryJournalStore()), new EdgeClient('edge-1', url));
    t.sync(configFor('pos-e', [issuer]), noDeny, at - 60_000, FACES);
    const w = PayerMedium.issue(issuer, walletFields('e1'));
    expect(await t.sell({ medium: 'code', credential: w.payCode(at - 1000) }, Amount.parse('500'), at)).toEqual({ ok: false, code: 'ALREADY_USED', message: 'used at pos-2', by: 'edge' });
    expect(t.seal()).toBe(0);
  });

  it("keeps the code and detail of every refusal for the terminal's caller: an edge that does not know it, an upload refused, retries that all failed (issue 31)", async () => {
    const chain = Terminal.generate('pos-s', 'EdDSA');
    const t = new OfflineTerminal('pos-s', chain.key, new Journal(memoryJournalStore()), new EdgeClient('edge-1', `${url}/stranger`));
    t.sync(configFor('pos-s', [issuer]), noDeny, at - 60_000, FACES);
    const sold = await t.sell({ medium: 'face', account: 'acct-s', score: 950 }, Amount.parse('500'), at);
    expect(sold).toMatchObject({ ok: true, edge: 'unreachable', edgeRefusal: { status: 403, code: 'NOT_SITE_TERMINAL', detail: "pos-s is not an active terminal of this edge's site" } });
    // A request the edge finds malformed is the terminal's bug: refused at the stall, with the edge's words.
    const buggy = new OfflineTerminal('pos-s', chain.key, new Journal(memoryJournalStore()), new EdgeClient('edge-1', `${url}/invalid`));
    buggy.sync(configFor('pos-s', [issuer]), noDeny, at - 60_000, FACES);
    expect(await buggy.sell({ medium: 'face', account: 'acct-s', score: 950 }, Amount.parse('500'), at)).toEqual({ ok: false, code: 'INVALID_SALE', message: 'amount: not a decimal string', by: 'edge' });
    expect(await uploadBatch({ url }, 'bad batch', { baseMs: 1, maxMs: 1, attempts: 1 })).toEqual({ kind: 'refused', status: 422, code: 'BAD_SIGNATURE', detail: 'the batch signature does not verify' });
    const failed = await uploadBatch({ url: `${url}/down` }, 'a batch', { baseMs: 1, maxMs: 2, attempts: 2 }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(TerminalRequestError);
    expect(failed).toMatchObject({ code: 'LEDGER_UNAVAILABLE', refusal: { status: 503, detail: 'no peer answered' }, message: 'upload failed after 2 attempts: HTTP 503 LEDGER_UNAVAILABLE: no peer answered' });
    await expect(readOutcome({ url: `${url}/down` }, 'r'.repeat(64))).rejects.toMatchObject({ code: 'NOT_FOUND', refusal: { status: 404, detail: 'no batch with this receipt' } });
  });

  it('sells alone when the edge is down, marking the record unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const chain = Terminal.generate('pos-f', 'EdDSA');
    const t = new OfflineTerminal('pos-f', chain.key, new Journal(memoryJournalStore()), new EdgeClient('edge-1', `http://127.0.0.1:${port}`));
    t.sync(configFor('pos-f', [issuer], { edgeTimeoutMs: 200 }), noDeny, at - 60_000, FACES);
    const sold = await t.sell({ medium: 'face', account: 'acct-f', score: 950 }, Amount.parse('500'), at);
    expect(sold).toMatchObject({ ok: true, edge: 'unreachable', record: { edge: { status: 'unreachable', edgeId: 'edge-1' } } });
    expect(faceCredential('acct-f', 950)).toEqual(sold.ok ? sold.record.credential : undefined);
  });
});
