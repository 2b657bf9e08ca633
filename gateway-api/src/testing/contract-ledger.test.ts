import { ContractLedger } from './contract-ledger';

describe('ContractLedger (the contract on the stub behind the ledger port)', () => {
  it('runs concurrent calls one at a time: each commit gets its own transaction and nothing interleaves', async () => {
    const ledger = new ContractLedger();
    const accounts = Array.from({ length: 20 }, (_, i) => `acc-${i}`);
    const submits = accounts.map((account) => ledger.submit('finance', 'OpenAccount', [JSON.stringify({ account, group: 'g', creditLine: '0' })]));
    const reads = accounts.map((account) => ledger.evaluate('auditor', 'GetAccount', [account]).catch((e: unknown) => e));
    const commits = await Promise.all(submits);
    expect(new Set(commits.map((c) => c.txId)).size).toBe(accounts.length);
    await Promise.all(reads);
    for (const account of accounts) {
      const held = JSON.parse(await ledger.evaluate('auditor', 'GetAccount', [account])) as { id: string; status: string };
      expect(held).toMatchObject({ id: account, status: 'active' });
    }
  });

  it('a refused call does not stop the ones queued behind it', async () => {
    const ledger = new ContractLedger();
    const bad = ledger.submit('finance', 'OpenAccount', ['{not json']);
    const good = ledger.submit('finance', 'OpenAccount', [JSON.stringify({ account: 'ok-1', group: 'g', creditLine: '0' })]);
    await expect(bad).rejects.toMatchObject({ failure: 'refused' });
    await expect(good).resolves.toMatchObject({ validationCode: 'VALID' });
  });
});
