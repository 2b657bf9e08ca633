/**
 * The morning refresh (issue: the issuing side) on the EMBEDDED LEDGER: N students with money and
 * an accepted agreement, then every wallet asks for a new certificate at once through the real
 * gateway (HTTP, proof of possession, the issuer service's groups, the contract's limits), every
 * certificate recorded on the ledger; checked: each answered, ranges as quoted, the exposure total.
 * Usage: npm run bench:issuance [-- --wallets 30000 --concurrency 1000 --ledger embedded|fabric --store postgres|memory --groups-in-flight 3 --group-size 500 --fill-ms 500 --log-level debug]
 * With --ledger fabric: a network of its own started by the project's scripts (network/bench-run), removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { Pool } from 'pg';
import { join, resolve } from 'node:path';
import { DEFAULT_ISSUER_OPTIONS, EmbeddedLedger, MemoryBlockStore, PostgresBlockStore, type IssuerOptions, type LedgerPort } from '@dol/gateway-api';
import { down, findBinaries, layout, up } from '@dol/network';
import { benchLedger } from './bench-setup';
import { generateSigningKey, positiveIntOption, progressBar, signJws } from '@dol/scripts';
import { givenArguments, textOption } from './options';
import { callAll, type ClientAnswer, type ClientCall } from './http-clients';
import { startTestGateway } from './test-gateway';

/** What one morning refresh measured. */
export interface RefreshFigures {
  readonly wallets: number;
  readonly onboardS: number;
  /** The first certificate of each new medium (its medium claimed on the ledger too). */
  readonly firstS: number;
  readonly refreshS: number;
  readonly perSecond: number;
  readonly exposureTotal: string;
  readonly expectedTotal: string;
  readonly liveCertificates: number;
  /** Calls a phone made again on a new connection after the gateway closed a kept-alive one under it. */
  readonly resetsRetried: number;
}

async function json(res: Response, what: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Opens `wallets` accounts with 100.00 each, signs each student in and has them accept the agreement; then times every wallet's refresh. */
export async function morningRefresh(options: { wallets: number; concurrency: number; store: 'postgres' | 'memory'; pool: Pool; quiet?: boolean; ledger?: LedgerPort; issuerOptions?: IssuerOptions; logLevel?: string }): Promise<RefreshFigures> {
  const now = Date.now();
  const schema = `bench_issuance_${randomBytes(4).toString('hex')}`;
  const ledger = options.ledger ?? await EmbeddedLedger.open({ store: options.store === 'postgres' ? new PostgresBlockStore(options.pool, `${schema}_ledger`) : new MemoryBlockStore(), clock: () => now });
  const gw = await startTestGateway({ pool: options.pool, schema, now, ledger, ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }), ...(options.issuerOptions === undefined ? {} : { issuerOptions: options.issuerOptions }) });
  const busyMs = (): ReadonlyMap<string, number> => (ledger instanceof EmbeddedLedger ? ledger.busyMs : new Map());
  const show = (label: string) => (d: number): void => {
    if (options.quiet !== true) progressBar(label, d, options.wallets);
  };
  const call = async (method: string, path: string, token: string, body?: unknown): Promise<Record<string, unknown>> => json(await fetch(`${gw.url}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }), `${method} ${path}`);
  try {
    await call('PUT', '/v1/risk-policy', gw.tokens.operator, { maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900, certCapTotal: '5000' });
    const text = await call('PUT', '/v1/agreement', gw.tokens.operator, { text: 'Sales made offline are charged to my account.' });
    const agreement = text.result as { version: number; textHash: string };
    const accounts = Array.from({ length: options.wallets }, (_, i) => `m${schema.slice(-8)}-${String(i).padStart(6, '0')}`);
    for (let i = 0; i < accounts.length; i += 500) {
      const part = accounts.slice(i, i + 500);
      await call('POST', '/v1/accounts/import', gw.tokens.finance, { accounts: part.map((account) => ({ account, group: 'g', creditLine: '0' })) });
      await call('POST', '/v1/top-ups/import', gw.tokens.operator, { topUps: part.map((account) => ({ topUpId: `t-${account}`, account, amount: '10000' })) });
    }
    const wallets = await Promise.all(accounts.map(async (account) => ({ account, key: generateSigningKey('ES256'), token: (await gw.store.students.openSession(account)).token })));
    const acceptances = new Map(wallets.map((w) => [w.account, signJws(w.key, { typ: 'agreement', v: 1, account: w.account, version: agreement.version, textHash: agreement.textHash, jwk: w.key.jwk, iat: Date.now() })]));
    // The phones run in a thread of their own (bench/src/http-clients.ts): the gateway's thread is the centre's alone.
    let resetsRetried = 0;
    const phones = async (label: string, calls: ClientCall[]): Promise<ClientAnswer[]> => {
      const { answers, resets } = await callAll(gw.url, calls, options.concurrency, show(label)).catch((error: unknown) => {
        // Said at once: tearing the gateway down after a failed phase can take a while.
        process.stderr.write(`\n${label}: the phones failed: ${error instanceof Error ? error.message : String(error)}\n`);
        throw error;
      });
      resetsRetried += resets;
      const failed = answers.findIndex((a) => a.status >= 300);
      if (failed >= 0) throw new Error(`${label}: ${calls[failed]?.method ?? ''} ${calls[failed]?.path ?? ''} answered ${answers[failed]?.status ?? 0} ${JSON.stringify(answers[failed]?.body)}`);
      return answers;
    };
    const onboard = performance.now();
    await phones('agreements', wallets.map((w) => ({ method: 'POST', path: '/v1/me/agreement', token: w.token, body: { acceptance: acceptances.get(w.account) } })));
    const onboardS = (performance.now() - onboard) / 1000;
    // The wallets sign on their phones: their requests are made before the clock starts, so the figure is the centre's work.
    const sign = (w: (typeof wallets)[number]): ClientCall => ({
      method: 'POST', path: '/v1/me/certificates', token: w.token, body: { request: signJws(w.key, { typ: 'cert-request', v: 1, account: w.account, jwk: w.key.jwk, iat: Date.now() }) },
    });
    // Yesterday's certificates: each medium is known to the ledger before the morning refresh.
    const first = wallets.map(sign);
    const firstStarted = performance.now();
    await phones('first certificates', first);
    const firstS = (performance.now() - firstStarted) / 1000;
    const requests = wallets.map(sign);
    const started = performance.now();
    const refreshed = await phones('refresh', requests);
    const refreshS = (performance.now() - started) / 1000;
    const wrongCap = refreshed.find((a) => (a.body as { capTotal?: unknown }).capTotal !== '5000');
    if (wrongCap !== undefined) throw new Error(`unexpected certificate ${JSON.stringify(wrongCap.body)}`);
    const exposure = await call('GET', '/v1/exposure', gw.tokens.auditor);
    if (options.quiet !== true) {
      const busy = [...busyMs().entries()].filter(([fn]) => fn.startsWith('issuance:')).map(([fn, ms]) => `${fn} ${(ms / 1000).toFixed(1)} s`);
      process.stderr.write(`\nledger time inside the contract: ${busy.join(', ')}\n`);
    }
    return {
      wallets: options.wallets, onboardS, firstS, refreshS, perSecond: options.wallets / refreshS, exposureTotal: String(exposure.total),
      expectedTotal: (5000n * BigInt(options.wallets)).toString(), liveCertificates: Number(exposure.liveCertificates), resetsRetried,
    };
  } finally {
    await gw.close();
    await gw.store.close();
    await options.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await options.pool.query(`DROP SCHEMA IF EXISTS ${schema}_ledger CASCADE`);
  }
}

async function main(): Promise<void> {
  const wallets = positiveIntOption('wallets', 30000);
  const concurrency = positiveIntOption('concurrency', 128);
  const store = textOption('store', 'postgres');
  const ledgerKind = textOption('ledger', 'embedded');
  const issuerOptions: IssuerOptions = {
    ...DEFAULT_ISSUER_OPTIONS, concurrency: positiveIntOption('groups-in-flight', DEFAULT_ISSUER_OPTIONS.concurrency), groupSize: positiveIntOption('group-size', DEFAULT_ISSUER_OPTIONS.groupSize), fillMs: positiveIntOption('fill-ms', DEFAULT_ISSUER_OPTIONS.fillMs),
  };
  if (store !== 'postgres' && store !== 'memory') throw new Error('--store must be postgres or memory');
  if (ledgerKind !== 'embedded' && ledgerKind !== 'fabric') throw new Error('--ledger must be embedded or fabric');
  const pool = new Pool({ connectionString: process.env.DOL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 16 });
  const l = layout(join(resolve(__dirname, '..', '..'), 'network', 'bench-run'), 29000, 1);
  const fabric = ledgerKind === 'fabric' ? benchLedger(await upNetwork(l)) : undefined;
  try {
    const f = await morningRefresh({ wallets, concurrency, store, pool, issuerOptions, logLevel: textOption('log-level', 'silent'), ...(fabric === undefined ? {} : { ledger: fabric }) });
    const ok = f.exposureTotal === f.expectedTotal && f.liveCertificates === f.wallets;
    process.stdout.write([
      '', `command: npm run bench:issuance -- ${givenArguments().join(' ')}`.trimEnd(),
      `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}; ${fabric === undefined ? `EMBEDDED LEDGER (${store}), not Fabric` : 'a Fabric network (Raft orderer, 3 peers, chaincode as a service), the gateway on OperatorOrg\'s peer'}`,
      `issuer service: groups of up to ${issuerOptions.groupSize}, ${issuerOptions.concurrency} in flight, ${issuerOptions.lingerMs} ms linger, a partial group waits up to ${issuerOptions.fillMs} ms beside one in flight`,
      `agreements of ${f.wallets} students recorded: ${f.onboardS.toFixed(1)} s`,
      `first certificates of ${f.wallets} new media: ${f.firstS.toFixed(1)} s`,
      `morning refresh: ${f.wallets} certificates issued and recorded in ${f.refreshS.toFixed(1)} s (${f.perSecond.toFixed(0)}/s)`,
      `connections closed under a phone's call and retried: ${f.resetsRetried}`,
      `exposure on the ledger: ${f.exposureTotal} (expected ${f.expectedTotal}), live certificates ${f.liveCertificates}: ${ok ? 'RECONCILED' : 'MISMATCH'}`, '',
    ].join('\n'));
    if (!ok) process.exitCode = 1;
  } finally {
    fabric?.close();
    if (fabric !== undefined) await down(l);
    await pool.end();
  }
}

/** A Fabric network of the benchmark's own, from nothing. */
async function upNetwork(l: ReturnType<typeof layout>): Promise<ReturnType<typeof layout>> {
  const created = await up(l, { purge: true, binaries: findBinaries(), progress: (line: string) => process.stderr.write(`[bench:issuance] ${line}\n`) });
  process.stderr.write(`[bench:issuance] network up in ${created.seconds.toFixed(1)} s\n`);
  return l;
}

if (require.main === module) {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write('usage: npm run bench:issuance [-- --wallets 30000 --concurrency 128 --ledger embedded|fabric --store postgres|memory --groups-in-flight 3 --group-size 500 --fill-ms 500 --log-level silent|debug]\n  The morning refresh through the real gateway: on the embedded ledger, or with --ledger fabric on a Fabric network of its own.\n  --concurrency: phones calling at once; --groups-in-flight, --group-size: the issuer service\'s grouping.\n');
    process.exit(0);
  }
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  });
}
