import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { Amount, parsePublicJwk } from '@dol/chaincode';
import type { LedgerPort } from '@dol/gateway-api';
import { makeTestCertificates, startTestGateway, type TestGateway } from '@dol/bench';
import { EdgeNode, EdgeStore, createEdgeServer, forwardToCentre, loadOrCreateEdgeKey, syncWithCentre } from '@dol/edge';
import { request as httpsRequest } from 'node:https';
import { EdgeClient, Journal, OfflineTerminal, generateSigningKey, memoryJournalStore, parseDenyList, parseFaceAgreements, parseOfflineConfig, signApprovalRequest, signJws, uploadBatch, type SigningKey } from '@dol/terminal';
import { GatewayClient, Issuer, PayerMedium, Terminal } from '@dol/scripts';
import { ledgerUnderTest } from './support/ledger-under-test';

/**
 * The site edge node (edge/, docs/edge.md): write-off across a site's terminals, escrowed slices,
 * durability across a kill, and, through the real gateway over the ledger chosen by configuration
 * (the in-memory contract in the jest project `unit`, the Fabric network in `fabric`), approvals the
 * contract verifies and shows on every payment, store and forward, and forged evidence refused.
 */
const ROOT = join(__dirname, '..');
const NOW = Date.now();
const AT = NOW - 600_000;
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'dol-edge-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// The site's terminals: each signs its approval requests with its registered key (docs/edge.md, "Who may ask").
const siteKeys = new Map(['pos-1', 'pos-2'].map((id) => [id, generateSigningKey('EdDSA')]));
const SITE = [...siteKeys].map(([terminalId, key]) => ({ terminalId, publicKey: parsePublicJwk(key.jwk) }));
/** A signed approval request (body `{request}`), by the key of the terminal it names unless `by` says another. */
const request = (over: Record<string, unknown> = {}, by?: SigningKey): { request: string } => {
  const payload = { typ: 'edge-approval-request', v: 1, terminalId: 'pos-1', medium: 'code', payer: 'w-1', account: 'acct-1', ctr: 1, amount: '600', at: AT, ...over };
  const kid = payload.terminalId;
  const key = by ?? siteKeys.get(kid);
  if (key === undefined) throw new Error(`no key for ${kid}`);
  return { request: signJws(key, payload, { kid }) };
};

describe('edge node: write-off and escrowed slices', () => {
  const dir = tempDir();
  let overflow: 'refuse' | 'advance' = 'refuse';
  const edge = new EdgeNode('edge-t', loadOrCreateEdgeKey(dir), new EdgeStore(dir), () => overflow);
  edge.setSiteTerminals(SITE);
  afterAll(() => {
    edge.store.close();
  });

  it('writes a code off once across the site: the same (medium, ctr) at a second terminal is ALREADY_USED', async () => {
    edge.store.grant([['acct-1', 5000n]]);
    expect(await edge.approve(request())).toMatchObject({ ok: true, withinSlice: true });
    expect(await edge.approve(request({ terminalId: 'pos-2' }))).toMatchObject({ ok: false, code: 'ALREADY_USED' });
    expect(await edge.approve(request({ ctr: 2 }))).toMatchObject({ ok: true });
  });

  it("spends the student's slice across the site: beyond it OVER_SLICE, or a flagged advance where the policy says so", async () => {
    edge.store.grant([['acct-2', 1000n]]);
    expect(await edge.approve(request({ payer: 'w-2', account: 'acct-2', ctr: 1 }))).toMatchObject({ ok: true, withinSlice: true });
    expect(await edge.approve(request({ payer: 'w-2', account: 'acct-2', ctr: 2 }))).toMatchObject({ ok: false, code: 'OVER_SLICE' });
    expect(edge.store.remaining('acct-2')).toBe(400n);
    overflow = 'advance';
    expect(await edge.approve(request({ payer: 'w-2', account: 'acct-2', ctr: 3 }))).toMatchObject({ ok: true, withinSlice: false });
    expect(edge.store.remaining('acct-2')).toBe(0n);
    // A student with no slice at this site (none granted) has nothing to spend here.
    overflow = 'refuse';
    expect(await edge.approve(request({ payer: 'w-9', account: 'acct-9', medium: 'face' }))).toMatchObject({ ok: false, code: 'OVER_SLICE' });
  });

  it('takes a new grant less what it approved that the ledger has not settled yet', () => {
    edge.store.grant([['acct-2', 2000n]]);
    // 600 + 600 approved and unsettled: the grant, read from the ledger, cannot know them.
    expect(edge.store.remaining('acct-2')).toBe(800n);
  });

  it('decides requests that arrive together in one transaction, in order: the same code twice at once is approved once', async () => {
    overflow = 'advance';
    const both = await Promise.all([edge.approve(request({ payer: 'w-5', ctr: 7 })), edge.approve(request({ payer: 'w-5', ctr: 7, terminalId: 'pos-2' }))]);
    expect(both.map((a) => (a.ok ? 'ok' : a.code))).toEqual(['ok', 'ALREADY_USED']);
    overflow = 'refuse';
  });

  it('refuses the deny-listed and malformed requests, writing nothing', async () => {
    edge.setDenyList({ version: 4, media: ['w-3'], accounts: ['acct-4'] });
    const before = edge.store.counts().approvals;
    expect(await edge.approve(request({ payer: 'w-3', account: 'acct-3' }))).toMatchObject({ ok: false, code: 'DENY_LISTED' });
    expect(await edge.approve(request({ medium: 'face', payer: 'acct-4', account: 'acct-4' }))).toMatchObject({ ok: false, code: 'DENY_LISTED' });
    expect(await edge.approve(request({ amount: 600 }))).toMatchObject({ ok: false, code: 'INVALID_REQUEST' });
    expect(await edge.approve(request({ extra: 1 }))).toMatchObject({ ok: false, code: 'INVALID_REQUEST' });
    expect(edge.store.counts().approvals).toBe(before);
  });

  it('hears only the terminals of its site, by their keys: another terminal NOT_SITE_TERMINAL, an unsigned or forged request UNAUTHENTICATED, writing nothing', async () => {
    const before = edge.store.counts().approvals;
    const stranger = generateSigningKey('EdDSA');
    // A terminal of another merchant, signing genuinely with its own key: the edge does not know it.
    expect(await edge.approve(request({ terminalId: 'pos-nc1', ctr: 40 }, stranger))).toMatchObject({ ok: false, code: 'NOT_SITE_TERMINAL' });
    // The fields alone, as before terminals signed: nobody vouches for them.
    expect(await edge.approve({ terminalId: 'pos-1', medium: 'code', payer: 'w-1', account: 'acct-1', ctr: 41, amount: '600', at: AT })).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
    expect(await edge.approve({ request: 'not.a.jws' })).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
    // A site terminal's id with another key; and a genuine signature over a request naming another terminal.
    expect(await edge.approve(request({ ctr: 42 }, stranger))).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
    const pos2 = siteKeys.get('pos-2');
    if (pos2 === undefined) throw new Error('no key');
    const crossed = signJws(pos2, JSON.parse(Buffer.from(request({ ctr: 43 }).request.split('.')[1] ?? '', 'base64url').toString()), { kid: 'pos-2' });
    expect(await edge.approve({ request: crossed })).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
    expect(edge.store.counts().approvals).toBe(before);
    // The genuine request of a site terminal is approved.
    overflow = 'advance';
    expect(await edge.approve(request({ terminalId: 'pos-2', ctr: 44 }))).toMatchObject({ ok: true });
    overflow = 'refuse';
  });

  it('a face sale asked twice (a retry, a replay of the signed request) is approved once', async () => {
    overflow = 'advance';
    const face = request({ medium: 'face', payer: 'acct-f', account: 'acct-f', ctr: 0, at: AT + 77 });
    expect(await edge.approve(face)).toMatchObject({ ok: true });
    expect(await edge.approve(face)).toMatchObject({ ok: false, code: 'ALREADY_USED' });
    overflow = 'refuse';
  });
});

describe('edge node over TLS: given a certificate and key, it serves HTTPS', () => {
  const dir = tempDir();
  const certs = makeTestCertificates(dir, 'pos-1');
  const edge = new EdgeNode('edge-tls', loadOrCreateEdgeKey(dir), new EdgeStore(dir), () => 'advance');
  edge.setSiteTerminals(SITE);
  const server = createEdgeServer(edge, undefined, { cert: certs.serverCertPem, key: certs.serverKeyPem });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    edge.store.close();
  });

  it('answers an approval over HTTPS to a client trusting the CA, and nothing in plain HTTP', async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const body = JSON.stringify(request({ payer: 'w-tls', account: 'acct-tls' }));
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/v1/approvals', method: 'POST', ca: certs.caPem, headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ withinSlice: false });
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});

describe("edge node refusals: problem+json, whose code and detail reach the terminal library's caller (issue 31)", () => {
  const dir = tempDir();
  const edge = new EdgeNode('edge-p', loadOrCreateEdgeKey(dir), new EdgeStore(dir), () => 'refuse');
  edge.setSiteTerminals(SITE);
  const server = createEdgeServer(edge);
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? String(address.port) : '0'}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    edge.store.close();
  });
  const sale = (terminalId: string, ctr: number) => ({ terminalId, medium: 'code', payer: 'w-p', account: 'acct-p', ctr, amount: Amount.parse('600'), at: AT } as const);

  it('answers each refusal as a problem with its code, status and detail', async () => {
    const res = await fetch(`${url}/v1/offline-config`);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect({ status: res.status, body: (await res.json()) as unknown }).toEqual({
      status: 503, body: { type: 'urn:dol:problem:NOT_SYNCED', title: 'not synced', status: 503, code: 'NOT_SYNCED', detail: 'the edge has not synced with the centre yet' },
    });
    const malformed = await fetch(`${url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ batch: 'not a jws' }) });
    expect({ status: malformed.status, body: (await malformed.json()) as unknown }).toMatchObject({ status: 400, body: { code: 'MALFORMED_JWS', detail: expect.not.stringMatching(/^MALFORMED_JWS|^$/) as unknown } });
  });

  it("gives the terminal's caller the edge's code and detail: a refused approval, an edge that does not know the terminal, a refused upload", async () => {
    edge.store.grant([['acct-p', 5000n]]);
    const client = new EdgeClient(edge.edgeId, url);
    const key = siteKeys.get('pos-1');
    const other = siteKeys.get('pos-2');
    if (key === undefined || other === undefined) throw new Error('no key');
    expect(await client.approve(sale('pos-1', 1), 5000, key)).toMatchObject({ kind: 'approved' });
    // The same code at the second stall: ALREADY_USED, with the edge's words on where it was used.
    expect(await client.approve(sale('pos-2', 1), 5000, other)).toEqual({ kind: 'refused', code: 'ALREADY_USED', message: 'w-p counter 1 was used at pos-1' });
    // A terminal the edge does not know yet: the terminal decides alone, and keeps why.
    const stranger = generateSigningKey('EdDSA');
    const unknown = await client.approve(sale('pos-new', 2), 5000, stranger);
    expect(unknown).toMatchObject({ kind: 'unreachable', refusal: { status: 403, code: 'NOT_SITE_TERMINAL', detail: expect.stringContaining('pos-new is not an active terminal of this edge') as unknown } });
    expect(unknown.kind === 'unreachable' ? unknown.reason : '').toContain('edge answered HTTP 403 NOT_SITE_TERMINAL: pos-new is not an active terminal');
    // A batch the edge cannot take: the upload's refusal carries the protocol code and the detail.
    const refused = await uploadBatch({ url }, 'not a jws', { baseMs: 5, maxMs: 5, attempts: 1 });
    expect(refused).toMatchObject({ kind: 'refused', status: 400, code: 'MALFORMED_JWS' });
    expect(refused.kind === 'refused' ? refused.detail : '').not.toBe('');
  });
});

describe('edge node process: killed and restarted, it forgets nothing it answered', () => {
  const dir = tempDir();
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  // The site's terminals as a box set up away from the centre is given them (--site-terminals).
  const seed = join(dir, 'site-terminals.json');
  writeFileSync(seed, JSON.stringify(SITE));
  const start = (): Promise<string> => new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(ROOT, 'edge', 'dist', 'main.js'), '--edge-id', 'edge-k', '--store', dir, '--site-terminals', seed], { stdio: ['ignore', 'pipe', 'inherit'] });
    child = p;
    let out = '';
    p.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      // No certificate given: it says it speaks plain HTTP.
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+) \(plain HTTP/.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    p.once('exit', (code) => {
      reject(new Error(`edge exited ${String(code)}: ${out}`));
    });
  });
  const kill = async (): Promise<void> => {
    const p = child;
    if (p === undefined) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  };
  const post = async (url: string, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('answers an approval, is SIGKILLed, and after a restart refuses the same code; a stored batch survives too', async () => {
    let url = await start();
    const first = await post(url, '/v1/approvals', request({ payer: 'w-k', account: 'acct-k' }));
    expect(first).toMatchObject({ status: 200, body: { withinSlice: false } });
    const chain = Terminal.generate('pos-k', 'EdDSA');
    const jws = chain.batch([chain.record(AT, '600', 'face', { typ: 'face', v: 1, account: 'acct-k', score: 950 })]);
    expect(await post(url, '/v1/batches', { batch: jws })).toMatchObject({ status: 202, body: { stored: 'edge' } });
    expect(await post(url, '/v1/batches', { batch: 'not a jws' })).toMatchObject({ status: 400, body: { code: 'MALFORMED_JWS' } });
    await kill();

    url = await start();
    expect(await post(url, '/v1/approvals', request({ payer: 'w-k', account: 'acct-k', terminalId: 'pos-2' }))).toMatchObject({ status: 409, body: { code: 'ALREADY_USED', detail: 'w-k counter 1 was used at pos-1' } });
    const status = (await (await fetch(`${url}/v1/status`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ approvals: 1, outbox: 1, unforwarded: 1 });
    await kill();
  });
});

describe('edge with the centre: approvals the ledger verifies', () => {
  const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 8 });
  const schema = `edge_test_${randomBytes(4).toString('hex')}`;
  const lut = ledgerUnderTest(NOW);
  const tag = randomBytes(3).toString('hex');
  let gateway: TestGateway<LedgerPort> | undefined;
  const servers: { close: () => void }[] = [];

  afterAll(async () => {
    for (const s of servers) s.close();
    await gateway?.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
    await lut.close();
  });

  it('syncs, approves, refuses a replay at the second stall, forwards, and the ledger shows who approved each sale; hears only its site\'s terminals; the operator sees last contact and retires an edge', async () => {
    gateway = await startTestGateway({ pool, schema, now: NOW, ledger: lut.ledger, workers: lut.workers, cli: lut.cli, runWorker: true });
    const api = new GatewayClient(gateway.url, gateway.tokens);
    const { store } = gateway;
    const settled = async (): Promise<void> => {
      while ((await store.depth()) > 0) await new Promise((r) => setTimeout(r, 100));
    };
    const issuer = Issuer.generate(`issuer-e-${tag}`, 'EdDSA', NOW - 1e10, NOW + 1e10);
    const [m1, m2] = [`canteen-e-${tag}`, `canteen-f-${tag}`];
    const pos = [Terminal.generate(`pos-e1-${tag}`, 'EdDSA'), Terminal.generate(`pos-e2-${tag}`, 'EdDSA'), Terminal.generate(`pos-e3-${tag}`, 'EdDSA')];
    await api.must('POST', '/v1/issuer-keys', 'operator', issuer.registration());
    for (const m of [m1, m2]) await api.must('POST', '/v1/merchants', 'operator', { merchantId: m, name: m });
    for (const t of pos) await api.must('POST', '/v1/terminals', 'operator', { terminalId: t.terminalId, merchantId: m1, publicKey: t.key.jwk });
    await api.must('PUT', '/v1/risk-policy', 'operator', { maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900, edgeTimeoutMs: 5000, edgeOverflow: 'refuse' });
    const account = `acct-e-${tag}`;
    await api.must('POST', '/v1/accounts', 'finance', { account, group: 'g', creditLine: '500' });
    await api.must('POST', '/v1/top-ups', 'operator', { topUpId: `tu-${tag}`, account, amount: '3000' });

    // Two edges (two sites): each is registered with role edge and gets a terminal credential.
    const edges = [];
    for (const [i, m] of [m1, m2].entries()) {
      const dir = tempDir();
      const key = loadOrCreateEdgeKey(dir);
      const edgeId = `edge-${i}-${tag}`;
      await api.must('POST', '/v1/terminals', 'operator', { terminalId: edgeId, merchantId: m, publicKey: key.jwk, role: 'edge' });
      const cred = (await api.must('POST', `/v1/terminals/${edgeId}/credentials`, 'operator')) as { token: string };
      const node = new EdgeNode(edgeId, key, new EdgeStore(dir), () => 'refuse');
      const server = createEdgeServer(node);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const address = server.address();
      servers.push({ close: () => { server.closeAllConnections(); server.close(); node.store.close(); } });
      edges.push({ edgeId, key, node, centre: { url: gateway.url, token: cred.token }, url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}` });
    }
    const [e1, e2] = edges;
    if (e1 === undefined || e2 === undefined) throw new Error('no edges');
    const sync = await syncWithCentre(e1.node, e1.centre);
    await syncWithCentre(e2.node, e2.centre);
    // Escrow: the slice is the available 3,500 over every active edge of the ledger, rounded down; all slices together never pass it.
    expect(sync.sites).toBeGreaterThanOrEqual(2);
    const slice = 3500n / BigInt(sync.sites);
    expect(e1.node.store.remaining(account)).toBe(slice);
    expect(slice * BigInt(sync.sites)).toBeLessThanOrEqual(3500n);

    // The site's terminals sync from their edge (configuration, deny list) and ask it before each sale.
    const config = parseOfflineConfig(await (await fetch(`${e1.url}/v1/offline-config`)).json());
    expect(config.policy.edgeOverflow).toBe('refuse');
    // The site's deny list as its edge serves it, read by the library's parser.
    const deny = parseDenyList(await (await fetch(`${e1.url}/v1/deny-list`)).json());
    expect(deny.version).toBe(e1.node.denyList().version);
    const t1 = new OfflineTerminal(pos[0]?.terminalId ?? '', pos[0]?.key ?? issuer.key, new Journal(memoryJournalStore()), new EdgeClient(e1.edgeId, e1.url));
    const t2 = new OfflineTerminal(pos[1]?.terminalId ?? '', pos[1]?.key ?? issuer.key, new Journal(memoryJournalStore()), new EdgeClient(e1.edgeId, e1.url));
    // And the accounts with a live agreement, for faces: this account signed none, so its face is refused at the stall.
    const faces = parseFaceAgreements(await (await fetch(`${e1.url}/v1/face-agreements`)).json());
    expect(faces.accounts.has(account)).toBe(false);
    for (const t of [t1, t2]) t.sync(config, deny, AT - 60_000, faces);
    expect(await t1.sell({ medium: 'face', account, score: 990 }, Amount.parse('300'), AT - 1000)).toMatchObject({ ok: false, code: 'NO_AGREEMENT', by: 'terminal' });
    const wallet = PayerMedium.issue(issuer, {
      mediaId: `w-e-${tag}`, kind: 'wallet', account, group: 'g', capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 100, nbf: NOW - 86_400_000, exp: NOW + 86_400_000,
    });
    const code = wallet.payCode(AT - 2000);
    const sold = await t1.sell({ medium: 'code', credential: code }, Amount.parse('500'), AT);
    expect(sold).toMatchObject({ ok: true, edge: 'approved' });
    // The screenshot at the second stall: refused on the spot.
    expect(await t2.sell({ medium: 'code', credential: code }, Amount.parse('500'), AT + 30_000)).toMatchObject({ ok: false, code: 'ALREADY_USED', by: 'edge' });
    // Beyond the slice, with edgeOverflow refuse: refused on the spot too.
    expect(await t2.sell({ medium: 'code', credential: wallet.payCode(AT) }, Amount.parse(String(slice)), AT + 40_000)).toMatchObject({ ok: false, code: 'OVER_SLICE' });
    if (!sold.ok || sold.record.edge?.status !== 'approved') throw new Error('expected an approval');
    const approval = sold.record.edge.approval;

    // Forged evidence on a third terminal: an approval signed by a key that is no edge's, and the real approval copied onto another sale.
    const forger = pos[2];
    if (forger === undefined) throw new Error('no terminal');
    const forged = signJws(forger.key, { typ: 'edge-approval', v: 1, edgeId: e1.edgeId, terminalId: forger.terminalId, payer: wallet.fields.mediaId, ctr: 50, amount: '300', iat: AT, withinSlice: true }, { kid: e1.edgeId });
    const forgedJws = forger.batch([
      forger.record(AT + 1, '300', 'code', wallet.payCode(AT, 60_000, 50), 0, { status: 'approved', approval: forged }),
      forger.record(AT + 2, '300', 'code', wallet.payCode(AT, 60_000, 51), 0, { status: 'approved', approval }),
      forger.record(AT + 3, '300', 'code', wallet.payCode(AT, 60_000, 52), 0, { status: 'unreachable', edgeId: e1.edgeId }),
      // A genuine approval, but by the edge of another site (m2's): it spends that site's slice, so it counts for nothing here.
      forger.record(AT + 4, '300', 'code', wallet.payCode(AT, 60_000, 53), 0, {
        status: 'approved',
        approval: signJws(e2.key, { typ: 'edge-approval', v: 1, edgeId: e2.edgeId, terminalId: forger.terminalId, payer: wallet.fields.mediaId, ctr: 53, amount: '300', iat: AT + 4, withinSlice: true }, { kid: e2.edgeId }),
      }),
    ]);
    await api.must('POST', '/v1/batches', undefined, { batch: forgedJws });

    // Terminal 1 uploads through its edge (store and forward); the edge forwards when the centre answers.
    t1.seal();
    expect(await t1.upload({ url: e1.url })).toEqual({ uploaded: 1 });
    expect(await forwardToCentre(e1.node, e1.centre)).toEqual({ forwarded: 1, settled: 0, refused: [] });
    await settled();
    expect(await forwardToCentre(e1.node, e1.centre)).toEqual({ forwarded: 0, settled: 1, refused: [] });
    // The terminal reads its per-record outcomes back with its own credential, into its journal.
    const t1Credential = (await api.must('POST', `/v1/terminals/${t1.terminalId}/credentials`, 'operator')) as { token: string };
    expect(await t1.readBack({ url: gateway.url, token: t1Credential.token })).toBe(0);
    expect(t1.batches()[0]?.counts).toMatchObject({ settled: 1 });

    const payment = async (id: string): Promise<unknown> => ((await api.must('GET', `/v1/payments/${id}`, 'auditor')) as { payment: unknown }).payment;
    expect(await payment(`${t1.terminalId}:1`)).toMatchObject({ code: 'settled', edge: 'approved' });
    expect(await payment(`${forger.terminalId}:1`)).toMatchObject({ edge: 'invalid' });
    expect(await payment(`${forger.terminalId}:2`)).toMatchObject({ edge: 'invalid' });
    expect(await payment(`${forger.terminalId}:3`)).toMatchObject({ edge: 'unreachable' });
    expect(await payment(`${forger.terminalId}:4`)).toMatchObject({ edge: 'invalid' });
    // The batch outcome names the flag; the site's edge may read its terminals' outcomes, another site's may not.
    const receipt = t1.receipts()[0] ?? '';
    const asEdge = async (token: string): Promise<Response> => fetch(`${gateway?.url ?? ''}/v1/batches/${receipt}`, { headers: { authorization: `Bearer ${token}` } });
    const read = (await (await asEdge(e1.centre.token)).json()) as { result: { outcomes: { flags: string[] }[] } };
    expect(read.result.outcomes[0]?.flags).toContain('edge-approved');
    expect((await asEdge(e2.centre.token)).status).toBe(403);
    // A new grant counts nothing as pending any more: that approval settled.
    await syncWithCentre(e1.node, e1.centre);
    // The ledger charged 500 and the forger's four 300s (flagged, still settled): what is left, split again.
    expect(e1.node.store.remaining(account)).toBe((3500n - 500n - 1200n) / BigInt(sync.sites));

    // Only its site's terminals are heard: a genuine terminal of the other merchant, signing with its registered key, is refused.
    const other = Terminal.generate(`pos-x-${tag}`, 'EdDSA');
    await api.must('POST', '/v1/terminals', 'operator', { terminalId: other.terminalId, merchantId: m2, publicKey: other.key.jwk });
    const ask = async (body: unknown): Promise<{ status: number; body: unknown }> => {
      const res = await fetch(`${e1.url}/v1/approvals`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    };
    const sale = { terminalId: other.terminalId, medium: 'code', payer: wallet.fields.mediaId, account, ctr: 60, amount: Amount.parse('300'), at: AT } as const;
    expect(await ask({ request: signApprovalRequest(other.key, sale) })).toMatchObject({ status: 403, body: { code: 'NOT_SITE_TERMINAL' } });
    // A forged call in a site terminal's name, and one that signs nothing, get nothing either.
    expect(await ask({ request: signApprovalRequest(other.key, { ...sale, terminalId: t1.terminalId }) })).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(await ask({ ...sale, terminalId: t1.terminalId, amount: '300' })).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });

    // The operator sees each edge's last contact (its last sync) and status.
    type Listed = { edges: { edgeId: string; merchantId: string; status: string; retiredAt: number | null; lastContact: string | null }[] };
    const listed = (await api.must('GET', '/v1/edges', 'auditor')) as Listed;
    const first = listed.edges.find((e) => e.edgeId === e1.edgeId);
    expect(first).toMatchObject({ merchantId: m1, status: 'active', retiredAt: null });
    expect(Date.parse(first?.lastContact ?? '')).toBeGreaterThan(Date.now() - 600_000);
    // Retiring: a terminal that is no edge is refused clearly; the edge retired leaves the slices of the others.
    expect(await api.request('POST', `/v1/edges/${t1.terminalId}/retire`, 'operator')).toMatchObject({ status: 400, body: { code: 'INVALID_FIELD' } });
    const retired = (await api.must('POST', `/v1/edges/${e2.edgeId}/retire`, 'operator')) as { result: { retiredAt: number } };
    const retiredAt = retired.result.retiredAt;
    expect((await syncWithCentre(e1.node, e1.centre)).sites).toBe(sync.sites - 1);
    // Its approvals arriving after it retired: one of a sale before its retirement counts, one of a sale after does not.
    const approvedBy = (ctr: number, at: number): { status: 'approved'; approval: string } => ({
      status: 'approved', approval: signJws(e2.key, { typ: 'edge-approval', v: 1, edgeId: e2.edgeId, terminalId: other.terminalId, payer: wallet.fields.mediaId, ctr, amount: '300', iat: at, withinSlice: true }, { kid: e2.edgeId }),
    });
    const late = retiredAt + 1000;
    await api.must('POST', '/v1/batches', undefined, { batch: other.batch([
      other.record(AT + 5, '300', 'code', wallet.payCode(AT, 60_000, 61), 0, approvedBy(61, AT + 5)),
      other.record(late, '300', 'code', wallet.payCode(late - 1000, 60_000, 62), 0, approvedBy(62, late)),
    ]) });
    await settled();
    expect(await payment(`${other.terminalId}:1`)).toMatchObject({ code: 'settled', edge: 'approved' });
    expect(await payment(`${other.terminalId}:2`)).toMatchObject({ code: 'settled', edge: 'invalid' });
    await expect(syncWithCentre(e2.node, e2.centre)).rejects.toThrow(/TERMINAL_REVOKED/);
    // The retired edge stops approving at once: no slices and no site terminals left to hear.
    expect(e2.node.siteTerminals()).toBe(0);
    const after = ((await api.must('GET', '/v1/edges', 'operator')) as Listed).edges.find((e) => e.edgeId === e2.edgeId);
    expect(after).toMatchObject({ status: 'retired', retiredAt: expect.any(Number) as unknown });
    // A retired edge is not brought back: what it approved while retired would count after the fact.
    expect(await api.request('PUT', `/v1/terminals/${e2.edgeId}/status`, 'operator', { status: 'active' })).toMatchObject({ status: 409, body: { code: 'WRONG_ACCOUNT_STATE' } });
    expect(((await api.must('GET', '/v1/edges', 'operator')) as Listed).edges.find((e) => e.edgeId === e2.edgeId)).toMatchObject({ status: 'retired' });
  });
});
