import { domainCodeOf, refusalDetail } from './ledger-port';

/** The messages as Fabric v2.5's gateway service builds them (internal/pkg/gateway/api.go). */
describe('domainCodeOf: the contract code inside a Fabric error', () => {
  it.each([
    ['an endorsement refused by the contract (error detail)', 'chaincode response 500, INVALID_FIELD: amount must be a decimal string', 'INVALID_FIELD'],
    ['an evaluation refused by the contract (status message)', '2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, NOT_FOUND: account a-1 is not on the ledger', 'NOT_FOUND'],
    ['status message and details joined', '10 ABORTED: failed to endorse transaction, see attached details for more info | chaincode response 500, ACCESS_DENIED: role auditor may not call TopUp', 'ACCESS_DENIED'],
    ['the contract message alone', 'INSUFFICIENT_FUNDS: wallet 10 < 20', 'INSUFFICIENT_FUNDS'],
  ])('%s', (_what, message, code) => {
    expect(domainCodeOf(message)).toBe(code);
  });

  it.each([
    ['gRPC status names are not contract codes', '10 ABORTED: failed to endorse transaction, see attached details for more info'],
    ['an unreachable peer', '14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:7051'],
    ['a chaincode failure without a code', 'chaincode response 500, TypeError: Cannot read properties of undefined'],
    ['a peer-side 500 without a chaincode payload', '10 ABORTED: failed to endorse transaction | error in simulation: failed to execute transaction: timeout expired'],
    ['a deadline', '4 DEADLINE_EXCEEDED: Deadline exceeded after 5.001s'],
  ])('none in %s', (_what, message) => {
    expect(domainCodeOf(message)).toBeUndefined();
  });
});

describe('refusalDetail: the contract\'s words for the API caller', () => {
  it('drops the transport prefix, the wrapper and the second endorser\'s copy', () => {
    const m = '10 ABORTED: failed to endorse transaction, see attached details for more info | chaincode response 500, INVALID_AMOUNT: amount must be positive | chaincode response 500, INVALID_AMOUNT: amount must be positive';
    expect(refusalDetail(m, 'INVALID_AMOUNT')).toBe('INVALID_AMOUNT: amount must be positive');
  });

  it('an evaluation refusal and the stub\'s form', () => {
    expect(refusalDetail('2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, NOT_FOUND: account x is not on the ledger', 'NOT_FOUND')).toBe('NOT_FOUND: account x is not on the ledger');
    expect(refusalDetail('chaincode response 500, ACCESS_DENIED: role auditor may not call TopUp', 'ACCESS_DENIED')).toBe('ACCESS_DENIED: role auditor may not call TopUp');
  });
});
