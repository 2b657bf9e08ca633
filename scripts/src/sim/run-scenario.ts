import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POINTS_RATE_PER_MILLE, POINTS_REDEEM_PER_MILLE, POINTS_SETUP_MEAL, certifiedMedium, makeCredentials, merchantOfTerminal, type Sale, type Scenario, type Student } from './scenario';
import { PurseCard } from '../signer';
import { signJws } from '../signer';
import type { GatewayClient } from './gateway-client';
import { playRush, type StallReport } from './rush';
import { dailyClose } from './daily-close';
import { SiteEdges } from './site-edges';
import { decodeJws, isJsonObject, parsePublicJwk, parsePursePurchase } from '@dol/chaincode';

/** One line of the reconciliation report. */
export interface Check {
  readonly name: string;
  readonly expected: string;
  readonly ledger: string;
  readonly ok: boolean;
}

/** What a run produced: the report and a few figures. */
export interface RunReport {
  readonly checks: readonly Check[];
  readonly ok: boolean;
  readonly sales: number;
  readonly uploads: number;
  readonly firstUploadMs: number;
  readonly lastSettledMs: number;
  /** When no charge awaited funding any more (the folds done). */
  readonly lastFundedMs: number;
  /** What the stalls did (the terminals' and edges' own decisions). */
  readonly stall: StallReport;
  /** Outcomes of the hour's batches by code, and the advances (minor units) the operator fronted in them. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly advanced: bigint;
  /** With edges: the active edges each student's allowance was divided among at the start of the hour. */
  readonly edgeSites?: number;
}

type Progress = (label: string, done: number, total: number) => void;

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : JSON.stringify(v));

async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>, progress?: (done: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      const item = items[i];
      if (item !== undefined) await fn(item, i);
      done += 1;
      progress?.(done);
    }
  }));
}

/**
 * The canteen hour through the gateway API: register everything, settle the setup, begin one
 * clearance, upload every terminal's batches with the injected misbehaviour, wait for the ledger,
 * then compare the ledger (read through the auditor's endpoints) with the simulator's own model.
 */
export async function runScenario(sc: Scenario, api: GatewayClient, settle: (receipts: readonly string[]) => Promise<void>, progress: Progress = () => undefined, concurrency = 8): Promise<RunReport> {
  const { students, terminals, merchants } = sc;
  // Points are one supply for the whole ledger: this run's are what it adds to the supply before it.
  const supplyBefore = await api.must('GET', '/v1/points/supply', 'auditor');
  const issuedBefore = BigInt(isJsonObject(supplyBefore) ? str(supplyBefore.issued) : '0');
  // The points roll-forward over days around the run (sales are dated up to two hours before now): what this run adds to it.
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  const period = `from=${day(sc.options.now - 2 * 86_400_000)}&to=${day(Date.now() + 2 * 86_400_000)}`;
  const rollBefore = await api.must('GET', `/v1/points/roll-forward?${period}`, 'auditor');
  // ---- registries and accounts ----
  for (const m of merchants) await api.must('POST', '/v1/merchants', 'operator', { merchantId: m, name: m });
  await inParallel(terminals, concurrency, async (t, i) => {
    await api.must('POST', '/v1/terminals', 'operator', { terminalId: t.terminalId, merchantId: merchantOfTerminal(sc, i), publicKey: t.key.jwk });
  });
  // A generous edge timeout: on a loaded machine an edge that answers late is not an edge that is down.
  // Certificates start 3 hours before their issue: the simulated hour (and the setup before it) lies before the reconnect.
  await api.must('PUT', '/v1/risk-policy', 'operator', {
    maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900, edgeTimeoutMs: 2000, edgeOverflow: sc.options.edgeOverflow ?? 'advance',
    certBackdateMs: 3 * 3_600_000, certCapTotal: '20000', certCounters: 1000,
  });
  await api.must('PUT', '/v1/points-policy', 'finance', { ratePerMille: POINTS_RATE_PER_MILLE, multipliers: {}, dailyCap: '1000000', redeemPointsPerMille: POINTS_REDEEM_PER_MILLE });
  // Enrolment and the first top-ups in bulk, as finance and the bank's settlement file bring them: 500 per transaction.
  const chunks: (typeof students)[] = [];
  for (let i = 0; i < students.length; i += 500) chunks.push(students.slice(i, i + 500));
  let opened = 0;
  await inParallel(chunks, Math.min(concurrency, 4), async (chunk) => {
    await visibleToOperator(api, await api.must('POST', '/v1/accounts/import', 'finance', { accounts: chunk.map((s) => ({ account: s.account, group: 'ug-2026', creditLine: s.creditLine.toString() })) }));
    await api.must('POST', '/v1/top-ups/import', 'operator', { topUps: chunk.map((s) => ({ topUpId: `seed-${s.account}`, account: s.account, amount: s.topUp.toString() })) });
    opened += chunk.length;
    progress('accounts', opened, students.length);
  });

  // ---- the students' media from the issuer service: sign-in, agreement, certificates ----
  await certifyMedia(sc, api, concurrency, progress);
  makeCredentials(sc);
  const setupBatch = sc.setupBatch;
  if (setupBatch === undefined) throw new Error('no setup batch');

  // ---- before the hour: a card double-spends and is deny-listed; then a clearance begins ----
  const setupReceipts: string[] = [];
  for (const jws of setupBatch.jws) {
    const setup = await api.must('POST', '/v1/batches', undefined, { batch: jws });
    setupReceipts.push(str(isJsonObject(setup) ? setup.receipt : ''));
  }
  await settle(setupReceipts);
  // The double spend's denial takes its deny-list version when the gateway publishes it (PublishDenials,
  // moments after the group): the hour's terminals are told denyBase + 1, so wait until the card has it,
  // before anything else (the clearance below) can take a version.
  const cardId = sc.deniedCard.media?.fields.mediaId;
  for (;;) {
    const deny = await api.must('GET', `/v1/deny-list?since=${String(sc.options.denyBase ?? 0)}`, 'operator');
    const entries = isJsonObject(deny) && Array.isArray(deny.entries) ? deny.entries : [];
    if (entries.some((e) => isJsonObject(e) && e.id === cardId)) break;
    await new Promise((r) => setTimeout(r, 50));
  }

  // ---- the hour at the stalls, the centre unreachable: terminals (and the canteens' edges) decide alone ----
  const edgeDir = sc.options.edges === true ? mkdtempSync(join(tmpdir(), 'dol-edges-')) : undefined;
  const edges = edgeDir === undefined ? undefined : await SiteEdges.start(api, merchants, edgeDir, sc.options.edgeOverflow ?? 'advance');
  let rush;
  try {
    rush = await playRush(sc, api, edges, sc.options.batchSize);
  } finally {
    edges?.close();
    if (edgeDir !== undefined) rmSync(edgeDir, { recursive: true, force: true });
  }
  // The site closes with the hour: its edges retire, so the next cohort's slices are not divided by them.
  await edges?.retire(api);
  const uploadsAll = rush.uploads;
  await visibleToOperator(api, await api.must('POST', `/v1/clearances/${sc.clearing.account}/begin`, 'registrar'));

  // ---- reconnect: every terminal uploads at once, its own batches in order ----
  const receipts: string[] = [];
  let tamperedRefused = 0;
  let duplicateAcks = 0;
  let uploaded = 0;
  const firstUpload = Date.now();
  progress('uploads', 0, uploadsAll.length);
  const byTerminal = terminals.map((_, t) => uploadsAll.filter((u) => u.terminal === t));
  await inParallel(byTerminal, 32, async (list) => {
    for (const u of list) {
      if (u.skipped) continue;
      if (u.tamperedFirst) {
        const [h, p, s] = u.jws.split('.');
        const payload = JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as { records: { amount: string }[] };
        if (payload.records[0] !== undefined) payload.records[0].amount = '1';
        const r = await api.request('POST', '/v1/batches', undefined, { batch: `${h ?? ''}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s ?? ''}` });
        if (r.status === 422) tamperedRefused += 1;
      }
      for (let c = 0; c < u.copies; c++) {
        const r = await api.request('POST', '/v1/batches', undefined, { batch: u.jws });
        if (r.status === 202 && isJsonObject(r.body)) receipts.push(str(r.body.receipt));
        else if (r.status === 200) duplicateAcks += 1;
        else throw new Error(`upload refused: ${r.status} ${JSON.stringify(r.body)}`);
      }
      uploaded += 1;
      progress('uploads', uploaded, uploadsAll.length);
    }
  });
  await settle(receipts);
  const lastSettled = Date.now();
  // Who paid for each sale is decided at the fold, which the gateway runs as soon as batches settle:
  // wait until no charge awaits funding, then read the books.
  for (;;) {
    const page = await api.must('GET', '/v1/pending-charges?limit=1', 'auditor');
    if (isJsonObject(page) && Array.isArray(page.charges) && page.charges.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const lastFunded = Date.now();
  progress('funded', 1, 1);

  // ---- the model: what must be true ----
  const all = uploadsAll.flatMap((u) => u.sales);
  const charged = (e: string): boolean => e === 'paid' || e === 'double-spend-pair';
  // Campus value: a purse purchase is paid from the card (the ledger's shadow), a meal paid in points
  // from the student's points (earned by the meal before the hour); neither charges the wallet nor earns points.
  const fromPurse = (s: Sale): boolean => s.record.medium === 'purse';
  const inPoints = (s: Sale): boolean => s.record.tender === 'points';
  const pointsDue = (amount: bigint): bigint => (amount * BigInt(POINTS_REDEEM_PER_MILLE) + 999n) / 1000n;
  const spent = new Map<string, bigint>();
  const paidInPoints = new Map<string, bigint>();
  const merchantTotal = new Map<string, bigint>();
  const pointsPayers = students.filter((s) => s.paysInPoints);
  // The setup tap's first use (300 × 10 / 1000), and each points payer's meal before the hour.
  let points = 3n + BigInt(pointsPayers.length) * (POINTS_SETUP_MEAL * BigInt(POINTS_RATE_PER_MILLE)) / 1000n;
  for (const s of pointsPayers) spent.set(s.account, POINTS_SETUP_MEAL);
  let redeemed = 0n;
  let paid = 0;
  let pairs = 0;
  let denied = 0;
  for (const s of all) {
    if (s.expect === 'deny-listed' || s.expect === 'over-cap') denied += 1;
    if (!charged(s.expect)) continue;
    if (s.expect === 'paid') paid += 1;
    else pairs += 1;
    const m = merchantOfTerminal(sc, s.terminal);
    merchantTotal.set(m, (merchantTotal.get(m) ?? 0n) + s.amount);
    if (fromPurse(s)) continue;
    if (inPoints(s)) {
      redeemed += pointsDue(s.amount);
      paidInPoints.set(s.account, (paidInPoints.get(s.account) ?? 0n) + s.amount);
      continue;
    }
    spent.set(s.account, (spent.get(s.account) ?? 0n) + s.amount);
    if (s.account !== sc.clearing.account && (s.expect === 'paid')) points += (s.amount * BigInt(POINTS_RATE_PER_MILLE)) / 1000n;
  }
  // Each replay pair earns points once (its first use); amounts within a pair are equal.
  const pairPoints = all.filter((s) => s.expect === 'double-spend-pair').reduce((sum, s) => sum + (s.amount * BigInt(POINTS_RATE_PER_MILLE)) / 1000n, 0n) / 2n;
  points += pairPoints;
  spent.set(sc.deniedCard.account, (spent.get(sc.deniedCard.account) ?? 0n) + 600n);
  const setupMerchant = merchantOfTerminal(sc, setupBatch.terminal);
  merchantTotal.set(setupMerchant, (merchantTotal.get(setupMerchant) ?? 0n) + 600n + BigInt(pointsPayers.length) * POINTS_SETUP_MEAL);

  // ---- the ledger, through the auditor's endpoints ----
  const counts: Record<string, number> = {};
  const flags: Record<string, number> = {};
  let advanced = 0n;
  let pending = 0;
  let refused = 0;
  for (const r of receipts) {
    const b = await api.must('GET', `/v1/batches/${r}`, 'auditor');
    if (!isJsonObject(b)) continue;
    if (b.status === 'pending') pending += 1;
    if (b.status === 'refused') refused += 1;
    const c = isJsonObject(b.result) && isJsonObject(b.result.counts) ? b.result.counts : {};
    for (const [k, v] of Object.entries(c)) counts[k] = (counts[k] ?? 0) + (typeof v === 'number' ? v : 0);
    const outcomes = isJsonObject(b.result) && Array.isArray(b.result.outcomes) ? b.result.outcomes : [];
    for (const o of outcomes) {
      if (isJsonObject(o) && Array.isArray(o.flags)) for (const f of o.flags) flags[str(f)] = (flags[str(f)] ?? 0) + 1;
    }
  }
  // What the operator fronted for this run's students: their advance books.
  const runAccounts = new Set(students.map((st) => st.account));
  const books = await api.must('GET', '/v1/advances', 'auditor');
  if (Array.isArray(books)) for (const b of books) if (isJsonObject(b) && runAccounts.has(str(b.account))) advanced += BigInt(str(b.advanced));
  const checks: Check[] = [];
  const check = (name: string, expected: unknown, ledger: unknown): void => {
    checks.push({ name, expected: str(expected), ledger: str(ledger), ok: str(expected) === str(ledger) });
  };
  check('batches settled (none pending or refused)', `${receipts.length}/0/0`, `${receipts.length - pending - refused}/${pending}/${refused}`);
  check('payments paid (settled)', paid + pairs / 2, counts.settled ?? 0);
  check("double spends in the hour's batches", pairs / 2, counts['double-spend'] ?? 0);
  // The cases an auditor sees (the console's list): the hour's, and the one that deny-listed the setup's card before it.
  const ours = new Set(students.map((s) => s.account));
  const cases = await api.must('GET', '/v1/fraud-cases', 'auditor');
  check("double-spend cases of this run's students (the hour's + the setup card's)", pairs / 2 + 1, Array.isArray(cases) ? cases.filter((c) => isJsonObject(c) && ours.has(str(c.account))).length : '?');
  check('rejected (deny-listed or over the per-payment cap: the terminal knew)', denied, counts.rejected ?? 0);
  check('duplicates reaching the ledger', 0, (counts.duplicate ?? 0) + (counts.conflict ?? 0));
  if (edges !== undefined) {
    const { stall } = rush;
    // Sales in the skipped batch never reach the ledger: they are not flagged there.
    const lost = (edge: Sale['edge']): number => all.filter((s) => s.expect === 'lost' && s.edge === edge).length;
    check('screenshot replays stopped at the stall (all whose first use an edge that was up approved)', stall.replaysStoppable, stall.replaysStopped);
    check("sales the edge approved within the slice: flagged edge-approved on the ledger", stall.edge.approved - lost('approved'), flags['edge-approved'] ?? 0);
    check("sales the edge approved over the slice: flagged edge-over-slice", stall.edge.overSlice - lost('over-slice'), flags['edge-over-slice'] ?? 0);
    check('sales made while the edge was down: flagged edge-unreachable', stall.edge.unreachable - lost('unreachable'), flags['edge-unreachable'] ?? 0);
    check('approvals whose evidence did not verify', 0, flags['edge-approval-invalid'] ?? 0);
    const listed = await api.must('GET', '/v1/edges', 'auditor');
    const ids = new Set(edges.ids());
    const retired = isJsonObject(listed) && Array.isArray(listed.edges) ? listed.edges.filter((e) => isJsonObject(e) && ids.has(str(e.edgeId)) && e.status === 'retired').length : -1;
    check("this run's edges retired after the hour (out of the next run's slices)", ids.size, retired);
    const o = stall.outage;
    check('edge restarted with every approval it gave before the kill', o === undefined ? '?' : `>= ${o.approvalsBefore}`, o === undefined ? '?' : o.approvalsAfterRestart >= o.approvalsBefore ? `>= ${o.approvalsBefore}` : String(o.approvalsAfterRestart));
  }
  const tripleUploads = (byTerminal[sc.injected.tripleTerminal] ?? []).filter((u) => !u.skipped).length;
  check('repeat uploads answered with the same receipt', tripleUploads * 2, duplicateAcks);
  check('tampered batch refused at intake', 1, tamperedRefused);

  let balanceMismatches = 0;
  let firstMismatch = '';
  let statementMismatches = 0;
  let firstStatementMismatch = '';
  await inParallel(students, concurrency, async (s) => {
    const a = await api.must('GET', `/v1/accounts/${s.account}`, 'auditor');
    const S = spent.get(s.account) ?? 0n;
    // What was loaded onto a purse card left the wallet before the hour.
    const money = s.topUp - s.load;
    const over = S - money;
    const want = {
      wallet: (money > S ? money - S : 0n).toString(),
      creditUsed: (over > 0n ? (over < s.creditLine ? over : s.creditLine) : 0n).toString(),
      advance: (over > s.creditLine ? over - s.creditLine : 0n).toString(),
    };
    const got = isJsonObject(a) ? { wallet: str(a.wallet), creditUsed: str(a.creditUsed), advance: str(a.advance) } : {};
    if (JSON.stringify(want) !== JSON.stringify(got)) {
      balanceMismatches += 1;
      firstMismatch ||= `${s.account}: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`;
    }
    // The statement must prove the balances from postings, and charge exactly the student's sales.
    const st = await api.must('GET', `/v1/accounts/${s.account}/statement`, 'auditor');
    const postings = isJsonObject(st) && Array.isArray(st.postings) ? st.postings : [];
    // A sale leaves the student's books for the fold's suspense book (charges-awaiting-funding), once folded.
    // A meal paid in points shows too: the points fund paid its price into the same book.
    const charged = postings.reduce((sum: bigint, p: unknown) => (isJsonObject(p) && str(p.to) === 'charges-awaiting-funding' ? sum + BigInt(str(p.amount)) : sum), 0n);
    if (!isJsonObject(st) || st.consistent !== true || charged !== S + (paidInPoints.get(s.account) ?? 0n)) {
      statementMismatches += 1;
      firstStatementMismatch ||= `${s.account}: consistent ${isJsonObject(st) ? str(st.consistent) : '?'}, charged ${charged} of ${S}`;
    }
  }, (d) => {
    progress('reconcile', d, students.length);
  });
  check('student balances and debts (wallet, credit, advance)', `${students.length} match`, balanceMismatches === 0 ? `${students.length} match` : `${balanceMismatches} differ, e.g. ${firstMismatch}`);
  check('student statements (postings prove balances, sales charged)', `${students.length} match`,
    statementMismatches === 0 ? `${students.length} match` : `${statementMismatches} differ, e.g. ${firstStatementMismatch}`);

  for (const m of merchants) {
    const list = await api.must('GET', `/v1/payments?merchantId=${m}`, 'auditor');
    const total = Array.isArray(list) ? list.reduce((sum: bigint, p: unknown) => (isJsonObject(p) && ['settled', 'double-spend'].includes(str(p.code)) ? sum + BigInt(str(p.amount)) : sum), 0n) : -1n;
    check(`merchant ${m} credited`, merchantTotal.get(m) ?? 0n, total);
  }
  const supply = await api.must('GET', '/v1/points/supply', 'auditor');
  check('points issued', points, isJsonObject(supply) ? BigInt(str(supply.issued)) - issuedBefore : '?');
  const rollAfter = await api.must('GET', `/v1/points/roll-forward?${period}`, 'auditor');
  const rolled = (k: string): string => (isJsonObject(rollAfter) && isJsonObject(rollBefore) ? (BigInt(str(rollAfter[k])) - BigInt(str(rollBefore[k]))).toString() : '?');
  check('points roll-forward: issued, redeemed (meals paid in points), expired; reconciled to the ledger', `${points}/${redeemed}/0/reconciled`,
    `${rolled('issued')}/${rolled('redeemed')}/${rolled('expired')}/${isJsonObject(rollAfter) && rollAfter.reconciled === true ? 'reconciled' : 'NOT reconciled'}`);
  await checkPurses(sc, api, all, check);

  const gaps: string[] = [];
  for (const t of terminals) {
    const batches = await api.must('GET', `/v1/terminals/${t.terminalId}/batches`, 'auditor');
    if (!Array.isArray(batches)) continue;
    for (const b of batches) if (isJsonObject(b) && Array.isArray(b.anomalies) && b.anomalies.some((a) => isJsonObject(a) && a.kind === 'gap')) gaps.push(t.terminalId);
  }
  const skipping = terminals[sc.injected.skippingTerminal]?.terminalId ?? '?';
  const skippedAny = uploadsAll.some((u) => u.skipped);
  check('terminals with gaps found', skippedAny ? skipping : '', [...new Set(gaps)].join(','));
  if (sc.options.dailyClose !== false) await dailyClose(api, `close-${sc.options.cohort ?? ''}-${sc.options.now}`.replace('--', '-'), merchants, merchantTotal, check);
  const invariant = await api.must('GET', '/v1/invariant', 'auditor');
  check("books' invariant", 'ok, sum 0', isJsonObject(invariant) && invariant.ok === true ? `ok, sum ${str(invariant.sum)}` : JSON.stringify(invariant));

  return { checks, ok: checks.every((c) => c.ok), sales: all.length, uploads: receipts.length, firstUploadMs: firstUpload, lastSettledMs: lastSettled, lastFundedMs: lastFunded, stall: rush.stall, outcomes: counts, advanced, ...(edges === undefined ? {} : { edgeSites: edges.sites }) };
}

/** The report as a table. */
export function formatReport(report: RunReport): string {
  const w1 = Math.max(...report.checks.map((c) => c.name.length), 5);
  const w2 = Math.max(...report.checks.map((c) => c.expected.length), 8);
  const lines = [`${'check'.padEnd(w1)}  ${'expected'.padEnd(w2)}  ledger`, `${'-'.repeat(w1)}  ${'-'.repeat(w2)}  ------`];
  for (const c of report.checks) lines.push(`${c.name.padEnd(w1)}  ${c.expected.padEnd(w2)}  ${c.ledger}${c.ok ? '' : '   <-- MISMATCH'}`);
  lines.push('', report.ok ? `RECONCILED: ${report.sales} sales in ${report.uploads} batches` : 'NOT RECONCILED');
  return lines.join('\n');
}

/** Students onboarded at once: the issuer service groups what arrives together into one transaction. */
const ONBOARDING_CONCURRENCY = 256;

/**
 * Every student's medium from the issuer service, as a campus would have it before the hour
 * (docs/wallet.md): finance's sign-in codes for the cohort (500 per transaction), each student signs
 * in and accepts the agreement with their phone's key; phones get their certificate themselves, cards
 * come from the operator's personalisation run (500 per call).
 */
async function certifyMedia(sc: Scenario, api: GatewayClient, concurrency: number, progress: Progress): Promise<void> {
  const { students } = sc;
  const found = await api.request('GET', '/v1/agreement', undefined);
  if (found.status === 404) await api.must('PUT', '/v1/agreement', 'operator', { text: 'Sales I make offline are charged to my account; an advance is recovered from my next top-up.' });
  const agreement = (found.status === 200 ? found.body : await api.must('GET', '/v1/agreement', undefined)) as { version: number; textHash: string };
  const codes = new Map<string, string>();
  for (let i = 0; i < students.length; i += 500) {
    const answer = await api.must('POST', '/v1/activation-codes', 'finance', { accounts: students.slice(i, i + 500).map((s) => s.account) }) as { codes: { account: string; code: string }[]; txId?: string };
    await visibleToOperator(api, answer);
    for (const c of answer.codes) codes.set(c.account, c.code);
  }
  const cards: Student[] = [];
  let done = 0;
  await inParallel(students, Math.max(concurrency, ONBOARDING_CONCURRENCY), async (s) => {
    const session = await api.asStudent('POST', '/v1/student-activations', undefined, { account: s.account, code: codes.get(s.account) }) as { token: string };
    const iat = Date.now();
    await api.asStudent('POST', '/v1/me/agreement', session.token, { acceptance: signJws(s.key, { typ: 'agreement', v: 1, account: s.account, version: agreement.version, textHash: agreement.textHash, jwk: s.key.jwk, iat }) });
    if (s.medium === 'code') {
      const cert = await api.asStudent('POST', '/v1/me/certificates', session.token, { request: signJws(s.key, { typ: 'cert-request', v: 1, account: s.account, jwk: s.key.jwk, iat }) });
      s.media = certifiedMedium(s.key, cert as Parameters<typeof certifiedMedium>[1], 'ug-2026');
    } else if (s.medium === 'tap' || s.medium === 'purse') cards.push(s);
    progress('media', ++done, students.length);
  });
  for (let i = 0; i < cards.length; i += 500) {
    const part = cards.slice(i, i + 500);
    const run = await api.must('POST', '/v1/cards/certificates', 'operator', { cards: part.map((c) => ({ account: c.account, publicKey: c.key.jwk, kind: c.medium === 'purse' ? 'purse' : 'card' })) }) as { certificates: Parameters<typeof certifiedMedium>[1][]; refused: unknown[] };
    if (run.refused.length > 0) throw new Error(`card personalisation refused ${run.refused.length}: ${JSON.stringify(run.refused[0])}`);
    const byAccount = new Map(run.certificates.map((c) => [c.account, c]));
    for (const c of part) {
      const cert = byAccount.get(c.account);
      if (cert === undefined) throw new Error(`no card certificate for ${c.account}`);
      if (c.medium === 'purse') {
        const { certificate, ...fields } = cert;
        c.purse = PurseCard.fromCertificate({ ...fields, group: 'ug-2026' }, c.key, certificate);
      } else c.media = certifiedMedium(c.key, cert, 'ug-2026');
    }
  }
  await loadPurses(sc, api, concurrency, progress);
}

/** Each purse card loaded from its wallet at a load machine (online, before the hour): the card checks the issuer's authorisation. */
async function loadPurses(sc: Scenario, api: GatewayClient, concurrency: number, progress: Progress): Promise<void> {
  const purses = sc.students.filter((s) => s.purse !== undefined);
  if (purses.length === 0) return;
  const anyTerminal = sc.terminals[0]?.terminalId ?? '';
  const config = await api.must('GET', `/v1/terminals/${anyTerminal}/offline-config`, 'operator');
  const keys = isJsonObject(config) && Array.isArray(config.issuerKeys) ? config.issuerKeys : [];
  let done = 0;
  await inParallel(purses, concurrency, async (s) => {
    const card = s.purse;
    if (card === undefined) return;
    const answer = await api.must('POST', '/v1/purse-loads', 'operator', { loadId: `load-${s.account}`, certificate: card.cert, amount: s.load.toString() });
    const authorisation = isJsonObject(answer) ? str(answer.authorisation) : '';
    const kid = decodeJws(authorisation).kid;
    const key = keys.find((k) => isJsonObject(k) && k.keyId === kid);
    if (!isJsonObject(key)) throw new Error(`the load's issuer key ${String(kid)} is not in the terminals' configuration`);
    card.load(authorisation, parsePublicJwk(key.publicKey));
    progress('purse loads', ++done, purses.length);
  });
}

/**
 * Each purse card's shadow against the model: the card's purchases in counter order; the ledger
 * applies them up to the first that never arrived (in a skipped batch, or refused at the stall after
 * the card had signed) and holds the rest; its balance is the load less what it applied.
 */
async function checkPurses(sc: Scenario, api: GatewayClient, all: readonly Sale[], check: (name: string, expected: unknown, ledger: unknown) => void): Promise<void> {
  const purses = sc.students.filter((s) => s.purse !== undefined);
  const arrived = new Set(all.filter((s) => s.record.medium === 'purse' && s.expect !== 'lost').map((s) => String(s.record.credential)));
  let differ = 0;
  let first = '';
  let held = 0;
  for (const s of purses) {
    const card = s.purse;
    if (card === undefined) continue;
    let applied = 0n;
    let next = 1;
    let waiting = 0;
    let gap = false;
    for (const credential of card.history()) {
      const p = parsePursePurchase(decodeJws(credential.split('~')[1] ?? '').payload);
      if (!arrived.has(credential)) gap = true;
      else if (gap) waiting += 1;
      else {
        applied += BigInt(p.amount.toString());
        next = p.ctr + 1;
      }
    }
    held += waiting;
    const want = `${(s.load - applied).toString()}/${next}/${waiting}`;
    const view = await api.must('GET', `/v1/purses/${card.mediaId}`, 'auditor');
    const got = isJsonObject(view) ? `${str(view.balance)}/${str(view.nextCtr)}/${Array.isArray(view.held) ? view.held.length : '?'}` : '?';
    if (want !== got) {
      differ += 1;
      first ||= `${card.mediaId}: want ${want} got ${got}`;
    }
  }
  check(`purse shadows (balance/next counter/held; ${held} held behind a gap, ${sc.purseRefused ?? 0} purchases the cards refused)`, `${purses.length} match`, differ === 0 ? `${purses.length} match` : `${differ} differ, e.g. ${first}`);
}

/**
 * Waits until the operator's gateway's own peer holds a write another organisation's gateway
 * answered (`txId`): a gateway answers once its own organisation's peer committed the block, and
 * where each organisation runs on its own host the operator's peer may commit it a moment later.
 * The operator's gateway then endorses (top-ups) and reads (activations, settlement) what followed.
 */
async function visibleToOperator(api: GatewayClient, answer: unknown): Promise<void> {
  const txId = isJsonObject(answer) && typeof answer.txId === 'string' ? answer.txId : undefined;
  if (txId === undefined) throw new Error(`a write answered without its transaction id: ${JSON.stringify(answer).slice(0, 200)}`);
  while ((await api.request('GET', `/v1/proofs/${txId}`, 'operator')).status === 404) await new Promise((r) => setTimeout(r, 100));
}
