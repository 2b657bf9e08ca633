import { committedMetadata, contractMetadata } from './contract-metadata';

describe('contract metadata', () => {
  it('matches the committed snapshot (regenerate with `npm run metadata` when the contract changes on purpose)', () => {
    expect(contractMetadata()).toEqual(committedMetadata());
  });

  it('marks every query as EVALUATE and every write as SUBMIT', () => {
    const meta = contractMetadata() as { contracts: { settlement: { transactions: { name: string; tag: string[] }[] } } };
    const tags = Object.fromEntries(meta.contracts.settlement.transactions.map((t) => [t.name, t.tag[0]]));
    for (const [name, tag] of Object.entries(tags)) expect([name, tag]).toEqual([name, /^(Get|List|Check)/.test(name) ? 'EVALUATE' : 'SUBMIT']);
  });
});
