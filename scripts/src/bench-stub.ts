import { SettlementContract } from '@dol/chaincode/contract';
import { MemoryStub, TestIdentity, testContext } from '@dol/chaincode/testing';
import { Issuer, Terminal } from './signer';

/** The identities the contract benchmarks act as. */
export const BENCH_IDS = {
  operator: new TestIdentity('OperatorMSP', 'operator'),
  finance: new TestIdentity('CampusMSP', 'finance'),
  gateway: new TestIdentity('OperatorMSP', 'gateway'),
};

/** The risk policy the contract benchmarks settle under. */
export const BENCH_POLICY = { maxClockSkewMs: 300000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900 };

/** A contract on a fresh in-memory stub, one transaction at a time committed at `now`. */
export interface BenchLedger {
  readonly stub: MemoryStub;
  readonly contract: SettlementContract;
  readonly issuer: Issuer;
  readonly pos: Terminal;
  readonly run: (who: TestIdentity, fn: (ctx: ReturnType<typeof testContext>) => Promise<unknown>) => Promise<unknown>;
}

/**
 * The world the contract benchmarks start from (bench:settle, bench:purse): an issuer key, a
 * merchant `m` with one terminal, the risk policy; the benchmark opens its accounts itself.
 */
export async function benchLedger(now: number, issuerId: string, terminalId: string): Promise<BenchLedger> {
  const stub = new MemoryStub();
  const contract = new SettlementContract();
  let n = 0;
  const run = async (who: TestIdentity, fn: (ctx: ReturnType<typeof testContext>) => Promise<unknown>): Promise<unknown> => {
    stub.begin(`tx${++n}`, now);
    const out = await fn(testContext(stub, who));
    stub.commit();
    return out;
  };
  const issuer = Issuer.generate(issuerId, 'EdDSA', now - 1e10, now + 1e10);
  const pos = Terminal.generate(terminalId, 'EdDSA');
  const { operator } = BENCH_IDS;
  await run(operator, (ctx) => contract.RegisterIssuerKey(ctx, JSON.stringify(issuer.registration())));
  await run(operator, (ctx) => contract.RegisterMerchant(ctx, JSON.stringify({ merchantId: 'm', name: 'm' })));
  await run(operator, (ctx) => contract.RegisterTerminal(ctx, JSON.stringify({ terminalId, merchantId: 'm', publicKey: pos.key.jwk })));
  await run(operator, (ctx) => contract.SetRiskPolicy(ctx, JSON.stringify(BENCH_POLICY)));
  return { stub, contract, issuer, pos, run };
}
