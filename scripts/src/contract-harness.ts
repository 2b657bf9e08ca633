import { MemoryStub, TestIdentity, testContext } from '@dol/chaincode/testing';

/**
 * What the contract tests on the memory stub share (test support, not the product): an identity
 * per role as each organisation's CA issues it, and a runner that plays one transaction at a time
 * the way a peer commits it, its writes kept only if it succeeds.
 */
export const ROLE_IDENTITIES = {
  operator: new TestIdentity('OperatorMSP', 'operator'),
  gateway: new TestIdentity('OperatorMSP', 'gateway'),
  finance: new TestIdentity('CampusMSP', 'finance'),
  registrar: new TestIdentity('CampusMSP', 'registrar'),
  auditor: new TestIdentity('AuditMSP', 'auditor'),
  // A role attribute issued by the wrong organisation's CA, and a caller with no role at all.
  fakeGateway: new TestIdentity('CampusMSP', 'gateway'),
  nobody: new TestIdentity('OperatorMSP', null),
};
export type Who = keyof typeof ROLE_IDENTITIES;
export type Ctx = ReturnType<typeof testContext>;

/** Starts transaction number `n` on the stub (its id and time, what the proposal carries) and answers its id. */
export type Begin<S extends MemoryStub> = (stub: S, n: number, as: Who) => string;

export class StubRunner<S extends MemoryStub = MemoryStub> {
  private n = 0;
  /** The id of the last transaction run. */
  lastTxId = '';

  constructor(readonly stub: S, private readonly begin: Begin<S>) {}

  /** How many transactions were run so far. */
  get count(): number {
    return this.n;
  }

  /** Runs one transaction as `as`; commits its writes only if it succeeds, as a peer would. The answer, or '' for none. */
  async call(as: Who, fn: (ctx: Ctx) => Promise<unknown>): Promise<string> {
    this.n += 1;
    this.lastTxId = this.begin(this.stub, this.n, as);
    try {
      const out = await fn(testContext(this.stub, ROLE_IDENTITIES[as]));
      this.stub.commit();
      return typeof out === 'string' ? out : '';
    } catch (error) {
      this.stub.abort();
      throw error;
    }
  }
}
