import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { DENY_LIST } from './deny-list-transactions';
import { ISSUANCE } from './issuance-transactions';
import { PAYOUTS } from './payout-transactions';
import { FOLD_LIMITS, FUNDING, MAX_PENDING_PAGE } from './funding-transactions';
import { SETTLEMENT } from './settlement-transactions';
import type { AnyTransaction, ContractName } from './transaction';

const ROOT = join(__dirname, '..', '..', '..');
const METADATA = z.object({
  contracts: z.record(z.string(), z.object({
    contractInstance: z.object({ default: z.boolean().optional() }),
    transactions: z.array(z.object({ name: z.string(), tag: z.array(z.string()).optional() })),
  })),
});
const SRC = join(ROOT, 'gateway-api', 'src');

/** The contracts' transactions as fabric-shim describes them (chaincode/contract-metadata.json, kept current by `npm run metadata`). */
function metadataTransactions(): Map<string, { contract: string; name: string; tags: readonly string[] }> {
  const { contracts } = METADATA.parse(JSON.parse(readFileSync(join(ROOT, 'chaincode', 'contract-metadata.json'), 'utf8')));
  const out = new Map<string, { contract: string; name: string; tags: readonly string[] }>();
  for (const [contract, c] of Object.entries(contracts)) {
    for (const t of c.transactions) out.set(c.contractInstance.default === true ? t.name : `${contract}:${t.name}`, { contract, name: t.name, tags: t.tag ?? [] });
  }
  return out;
}

const TABLES: readonly [ContractName, Readonly<Record<string, AnyTransaction>>][] = [['settlement', SETTLEMENT], ['issuance', ISSUANCE], ['payouts', PAYOUTS], ['denylist', DENY_LIST], ['funding', FUNDING]];
const KNOWN = TABLES.flatMap(([contract, table]) => Object.entries(table).map(([key, t]) => ({ contract, key, t })));

describe('the transaction tables: every transaction the gateway calls, against the contracts', () => {
  const onLedger = metadataTransactions();

  it.each(KNOWN.map((k) => [k.t.fn, k] as const))('%s is a transaction of its contract, of the same kind', (fn, { contract, key, t }) => {
    const found = onLedger.get(fn);
    expect(found).toBeDefined();
    expect(found?.contract).toBe(contract);
    expect(t.contract).toBe(contract);
    expect(t.method).toBe(key);
    expect(found?.tags).toContain(t.kind === 'query' ? 'EVALUATE' : 'SUBMIT');
  });

  it('knows every transaction of the five contracts (the gateway may call any of them)', () => {
    const known = new Set(KNOWN.map((k) => k.t.fn));
    const missing = [...onLedger.entries()].filter(([fn, t]) => t.contract !== 'org.hyperledger.fabric' && !known.has(fn)).map(([fn]) => fn);
    expect(missing).toEqual([]);
  });

  it('writes arguments and reads answers: SubmitBatches takes one JWS a line and answers one entry per batch', () => {
    const call = SETTLEMENT.SubmitBatches(['a.b.c', 'd.e.f']);
    expect(call).toMatchObject({ fn: 'SubmitBatches', kind: 'write', args: ['a.b.c\nd.e.f'] });
    expect(call.read({ batches: [{ counts: { settled: 2 } }, { refused: { code: 'STALE_BATCH', message: 'm' } }] })).toEqual([
      { result: { counts: { settled: 2 } }, counts: { settled: 2 }, pending: [] },
      { result: { refused: { code: 'STALE_BATCH', message: 'm' } }, counts: {}, pending: [], refused: { code: 'STALE_BATCH', message: 'm' } },
    ]);
    expect(() => call.read({ batches: [{}] })).toThrow('another number of entries');
    expect(ISSUANCE.GetMedia('a-1')).toMatchObject({ fn: 'issuance:GetMedia', kind: 'query', args: ['a-1'] });
    expect(SETTLEMENT.GetPayout('m-1', 'p-1').args).toEqual(['m-1', 'p-1']);
    expect(() => PAYOUTS.GetPayoutRun('r-1').read({})).toThrow('payouts:GetPayoutRun answered without a txId');
  });

  it('reads the charges a batch left awaiting funding: records answered funding "pending", not a referred sale funded already', () => {
    const [entry] = SETTLEMENT.SubmitBatches(['a.b.c']).read({ batches: [{ counts: { settled: 2, 'double-spend': 1 }, outcomes: [
      { seq: 1, code: 'settled', paymentId: 'pos-1:1', account: 'ann', funding: 'pending' },
      { seq: 2, code: 'double-spend', paymentId: 'pos-1:2', account: 'bob', funding: 'pending' },
      { seq: 3, code: 'settled', paymentId: 'pos-1:3', account: 'cat', funding: { wallet: '0', credit: '0', advance: '0' }, flags: ['post-closure-referred'] },
      { seq: 4, code: 'rejected', paymentId: 'pos-1:4', reason: 'BAD_SIGNATURE' },
    ] }] });
    expect(entry?.pending).toEqual([['ann', 'pos-1:1'], ['bob', 'pos-1:2']]);
    expect(entry?.counts).toEqual({ settled: 2, 'double-spend': 1 });
  });

  it('writes and reads the fold\'s transactions: FoldCharges, ListPendingCharges, PublishDenials', () => {
    const fold = FUNDING.FoldCharges([['ann', 'pos-1:1'], ['ann', 'pos-1:2']]);
    expect(fold).toMatchObject({ fn: 'funding:FoldCharges', kind: 'write', args: ['[["ann","pos-1:1"],["ann","pos-1:2"]]'] });
    expect(fold.read({ folded: 2, accounts: 1, denials: 1 })).toEqual({ folded: 2, accounts: 1, denials: 1 });
    expect(() => fold.read({ folded: 2, accounts: 1 })).toThrow('FoldCharges answered without a count denials');
    expect(() => fold.read({ folded: '2' })).toThrow('FoldCharges answered without a count folded');

    const list = FUNDING.ListPendingCharges(5000);
    expect(list).toMatchObject({ fn: 'funding:ListPendingCharges', kind: 'query', args: ['5000'] });
    expect(list.read({ charges: [{ account: 'ann', paymentId: 'pos-1:1', amount: '250', at: 10, settledAt: 20 }], more: true })).toEqual({
      charges: [{ account: 'ann', paymentId: 'pos-1:1', amount: '250', at: 10, settledAt: 20 }], more: true,
    });
    expect(() => list.read({ charges: [{ paymentId: 'pos-1:1' }], more: false })).toThrow('without its account or payment');
    expect(() => FUNDING.ListPendingCharges(0)).toThrow(RangeError);
    expect(() => FUNDING.ListPendingCharges(5001)).toThrow(RangeError);

    // The limits the scheduler folds and sweeps within are the contract's own.
    const limits = readFileSync(join(ROOT, 'chaincode', 'src', 'contract', 'fold-records.ts'), 'utf8');
    const limit = (name: string): number => Number(new RegExp(`export const ${name} = ([0-9_]+);`).exec(limits)?.[1]?.replaceAll('_', ''));
    expect([limit('MAX_FOLD_CHARGES'), limit('MAX_FOLD_ACCOUNTS'), limit('MAX_PENDING_LIST')]).toEqual([FOLD_LIMITS.charges, FOLD_LIMITS.accounts, MAX_PENDING_PAGE]);

    const publish = FUNDING.PublishDenials();
    expect(publish).toMatchObject({ fn: 'funding:PublishDenials', kind: 'write', args: [] });
    expect(publish.read({ published: 2, denyListVersion: 14 })).toEqual({ published: 2, denyListVersion: 14 });
  });
});

/** Every product source file of the gateway but the transaction tables and tests. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('-transactions.ts') ? [path] : [];
  });
}

describe('transaction names live only in the tables (ledger/*-transactions.ts)', () => {
  const names = [...metadataTransactions().keys()];
  const quoted = new RegExp(`['"\`](${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})['"\`]`);

  it.each(sourceFiles(SRC).map((f) => [relative(SRC, f), f]))('%s writes no transaction name as a string', (_name, file) => {
    const hits = readFileSync(file, 'utf8').split('\n').filter((line) => quoted.test(line));
    expect(hits).toEqual([]);
  });

  it.each(sourceFiles(join(SRC, 'http')).map((f) => [relative(SRC, f), f]))('%s calls the ledger only through the contract client and casts no request body', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/\bledger\.(evaluate|submit)\(/);
    expect(text).not.toMatch(/call\.body as\b/);
  });
});
