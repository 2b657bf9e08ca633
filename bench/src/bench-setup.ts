import { FabricLedger } from '@dol/gateway-api';
import { allRoleIdentities, peerEndpoint, type Layout } from '@dol/network';
import { Issuer, PayerMedium, Terminal, progressBar } from '@dol/scripts';
import { readFileSync } from 'node:fs';

/**
 * The settlement benchmarks' shared set-up on a running network: one issuer, one merchant, the
 * terminals, and their students (disjoint per terminal, so that no two terminals' batches touch
 * one key), each with a wallet medium; and batches of any size signed before any clock starts.
 */
export interface BenchWorld {
  readonly now: number;
  readonly issuer: Issuer;
  readonly terminals: readonly Terminal[];
  readonly students: readonly (readonly string[])[];
  readonly wallets: ReadonlyMap<string, PayerMedium>;
  readonly setupSeconds: number;
  readonly setupTransactions: number;
}

/** The product's own Fabric adapter on the OperatorOrg peer, with every role's identity. */
export function benchLedger(l: Layout): FabricLedger {
  const peer = peerEndpoint(l, 'operator');
  return new FabricLedger({
    peerEndpoint: peer.endpoint, peerHostAlias: peer.hostAlias, tlsRootCertPem: readFileSync(peer.tlsRootCert, 'utf8'), channel: 'campus', chaincode: 'settlement',
    identities: allRoleIdentities(l), evaluateMs: 60_000, endorseMs: 120_000, submitMs: 60_000, commitMs: 300_000,
  });
}

export async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await fn(item);
    }
  }));
}

export async function setUpBenchWorld(ledger: FabricLedger, terminalCount: number, studentsPerTerminal: number): Promise<BenchWorld> {
  const now = Date.now();
  const issuer = Issuer.generate('issuer-bench', 'ES256', now - 86_400_000, now + 30 * 86_400_000);
  await ledger.submit('operator', 'RegisterIssuerKey', [JSON.stringify(issuer.registration())]);
  await ledger.submit('operator', 'RegisterMerchant', [JSON.stringify({ merchantId: 'canteen-bench', name: 'Bench canteen' })]);
  await ledger.submit('operator', 'SetRiskPolicy', [JSON.stringify({ maxClockSkewMs: 3_600_000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900 })]);
  const terminals = Array.from({ length: terminalCount }, (_, i) => Terminal.generate(`pos-b${String(i).padStart(3, '0')}`, 'ES256'));
  await inParallel(terminals, 16, async (t) => {
    await ledger.submit('operator', 'RegisterTerminal', [JSON.stringify({ terminalId: t.terminalId, merchantId: 'canteen-bench', publicKey: t.key.jwk })]);
  });
  const students = terminals.map((_, ti) => Array.from({ length: studentsPerTerminal }, (_, si) => `b${ti}-${si}`));
  const flat = students.flat();
  const started = Date.now();
  let opened = 0;
  await inParallel(flat, 64, async (account) => {
    await ledger.submit('finance', 'OpenAccount', [JSON.stringify({ account, group: 'g-bench', creditLine: '0' })]);
    await ledger.submit('operator', 'TopUp', [JSON.stringify({ topUpId: `seed-${account}`, account, amount: '100000000' })]);
    progressBar('accounts', ++opened, flat.length);
  });
  const wallets = new Map(flat.map((account) => [account, PayerMedium.issue(issuer, {
    mediaId: `w-${account}`, kind: 'wallet', account, group: 'g-bench', capPerPayment: '5000', capTotal: '100000000', ctrFrom: 1, ctrTo: 1_000_000,
    nbf: now - 86_400_000, exp: now + 86_400_000,
  }, 'ES256')]));
  return { now, issuer, terminals, students, wallets, setupSeconds: (Date.now() - started) / 1000, setupTransactions: flat.length * 2 };
}

/** `perTerminal` batches of `size` code payments of 100 per terminal, chained in order, signed now. */
export function signBatches(w: BenchWorld, size: number, perTerminal: number): string[][] {
  const at = Date.now() - 60_000;
  return w.terminals.map((t, ti) => Array.from({ length: perTerminal }, (_, b) => t.batch(Array.from({ length: size }, (_, r) => {
    const students = w.students[ti] ?? [];
    const account = students[(b * size + r) % students.length] ?? '';
    const wallet = w.wallets.get(account);
    if (wallet === undefined) throw new Error(`no wallet for ${account}`);
    return t.record(at + b * size + r, '100', 'code', wallet.payCode(at - 1000, 600_000));
  }))));
}

/**
 * Like signBatches, but every record's payer is drawn (deterministically) from all students, so
 * that batches of different terminals in flight together charge some of the same students, as in
 * a canteen where students pay wherever the queue is short.
 */
export function signSharedBatches(w: BenchWorld, size: number, perTerminal: number): string[][] {
  const at = Date.now() - 60_000;
  const all = w.students.flat();
  let x = 2026;
  const pick = (): string => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return all[x % all.length] ?? '';
  };
  return w.terminals.map((t) => Array.from({ length: perTerminal }, (_, b) => t.batch(Array.from({ length: size }, (_, r) => {
    const wallet = w.wallets.get(pick());
    if (wallet === undefined) throw new Error('no wallet');
    return t.record(at + b * size + r, '100', 'code', wallet.payCode(at - 1000, 600_000));
  }))));
}
