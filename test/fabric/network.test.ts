import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StatusCode } from '@hyperledger/fabric-gateway';
import { deploy, down, findBinaries, issueClientIdentity, readState, up, waitForEndorsement, type Layout } from '@dol/network';
import { Issuer, PayerMedium, Terminal } from '@dol/scripts';
import { Client, errorText, testLayout } from './test-network';

/**
 * The network itself, for real: three organisations' peers, a Raft orderer, chaincode as a
 * service per org, identities from fabric-ca with role attributes. Runs in file order: the last
 * tests restart and then wipe the network.
 */
const l: Layout = testLayout();
const binaries = findBinaries();
const now = Date.now();
const issuer = Issuer.generate('issuer-net', 'ES256', now - 86_400_000, now + 30 * 86_400_000);
const terminal = Terminal.generate('pos-net-1', 'ES256');
const clients: Client[] = [];
const as = (org: 'operator' | 'campus' | 'audit', role: string): Client => {
  const c = Client.as(l, org, role);
  clients.push(c);
  return c;
};

afterAll(() => {
  for (const c of clients) c.close();
});

const wallet = (account: string): PayerMedium => PayerMedium.issue(issuer, {
  mediaId: `w-${account}`, kind: 'wallet', account, group: 'g-2026', capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 100,
  nbf: now - 86_400_000, exp: now + 86_400_000,
}, 'ES256');

interface Account { wallet: string; advance: string }
const account = async (c: Client, id: string): Promise<Account> => JSON.parse(await c.evaluate('GetAccount', id)) as Account;

describe('the Fabric network (real peers, Raft orderer, chaincode as a service)', () => {
  it('commits a SubmitBatch made by the gateway identity and the AuditOrg peer reads it back', async () => {
    const operator = as('operator', 'operator');
    const finance = as('campus', 'finance');
    await operator.submit('RegisterIssuerKey', JSON.stringify(issuer.registration()));
    await operator.submit('RegisterMerchant', JSON.stringify({ merchantId: 'canteen-net', name: 'Net canteen' }));
    await operator.submit('RegisterTerminal', JSON.stringify({ terminalId: terminal.terminalId, merchantId: 'canteen-net', publicKey: terminal.key.jwk }));
    await operator.submit('SetRiskPolicy', JSON.stringify({ maxClockSkewMs: 3_600_000, tapMaxAgeMs: 120000, faceCapPerPayment: '3000', faceMinScore: 900 }));
    await finance.submit('OpenAccount', JSON.stringify({ account: 'alice', group: 'g-2026', creditLine: '0' }));
    await operator.submit('TopUp', JSON.stringify({ topUpId: 'net-seed-alice', account: 'alice', amount: '10000' }));

    const at = Date.now() - 60_000;
    const batch = terminal.batch([terminal.record(at, '1250', 'code', wallet('alice').payCode(at - 1000))]);
    const gatewayClient = as('operator', 'gateway');
    const commit = await gatewayClient.contract.submitAsync('SubmitBatch', { arguments: [batch] });
    const result = JSON.parse(Buffer.from(commit.getResult()).toString('utf8')) as { outcomes: { code: string }[] };
    const status = await commit.getStatus();

    expect(status.code).toBe(StatusCode.VALID);
    expect(result.outcomes.map((o) => o.code)).toEqual(['settled']);
    const auditor = as('audit', 'auditor');
    expect(await account(auditor, 'alice')).toMatchObject({ wallet: '8750', advance: '0' });
    const invariant = JSON.parse(await auditor.evaluate('CheckInvariant')) as { ok: boolean };
    expect(invariant.ok).toBe(true);
  });

  it('invalidates a write endorsed by only one of the two organisations with ENDORSEMENT_POLICY_FAILURE', async () => {
    const operator = as('operator', 'operator');
    const proposal = operator.contract.newProposal('RegisterTerminal', {
      arguments: [JSON.stringify({ terminalId: 'pos-one-org', merchantId: 'canteen-net', publicKey: Terminal.generate('pos-one-org', 'ES256').key.jwk })],
      endorsingOrganizations: ['OperatorMSP'],
    });
    const commit = await (await proposal.endorse()).submit();
    const status = await commit.getStatus();

    expect(status.code).toBe(StatusCode.ENDORSEMENT_POLICY_FAILURE);
    const auditor = as('audit', 'auditor');
    expect(await auditor.evaluate('GetTerminal', 'pos-one-org').then(() => 'found', errorText)).toMatch(/UNKNOWN_TERMINAL/);
  });

  it('refuses a caller without the right role, a role issued by the wrong organisation, and no role at all', async () => {
    const merchant = JSON.stringify({ merchantId: 'canteen-refused', name: 'Refused' });
    const auditor = as('audit', 'auditor');
    const fakeOperatorMsp = await issueClientIdentity(l, binaries, 'campus', 'fake-operator', 'operator');
    const noRoleMsp = await issueClientIdentity(l, binaries, 'operator', 'no-role', undefined);
    const fromMsp = (msp: string, mspId: string): Client => {
      const c = new Client(l, mspId === 'CampusMSP' ? 'campus' : 'operator', { mspId, certificate: join(msp, 'signcerts', 'cert.pem'), privateKey: join(msp, 'keystore', 'key.pem') });
      clients.push(c);
      return c;
    };
    const refusals = await Promise.all([
      auditor.submit('RegisterMerchant', merchant).then(() => 'accepted', errorText),
      fromMsp(fakeOperatorMsp, 'CampusMSP').submit('RegisterMerchant', merchant).then(() => 'accepted', errorText),
      fromMsp(noRoleMsp, 'OperatorMSP').submit('RegisterMerchant', merchant).then(() => 'accepted', errorText),
    ]);

    expect(refusals.map((r) => /ACCESS_DENIED/.test(r))).toEqual([true, true, true]);
    expect(refusals[1]).toMatch(/caller is operator of CampusMSP/);
  });

  it('serves, through the peer, the contract metadata the repository snapshots', async () => {
    const served = JSON.parse(await as('audit', 'auditor').evaluate('org.hyperledger.fabric:GetMetadata')) as unknown;
    const snapshot = JSON.parse(readFileSync(join(__dirname, '..', '..', 'chaincode', 'contract-metadata.json'), 'utf8')) as unknown;

    expect(served).toEqual(snapshot);
  });

  it('upgrades the chaincode to sequence 2 and keeps every balance', async () => {
    const state = readState(l);
    if (state === undefined) throw new Error('no network state');
    await deploy(l, binaries, state, 2, () => undefined);
    await waitForEndorsement(l);

    const auditor = as('audit', 'auditor');
    expect(readState(l)?.deployment?.sequence).toBe(2);
    expect(await account(auditor, 'alice')).toMatchObject({ wallet: '8750' });
    expect(JSON.parse(await as('operator', 'operator').submit('TopUp', JSON.stringify({ topUpId: 'net-after-upgrade', account: 'alice', amount: '250' })))).toMatchObject({ toWallet: '250' });
  });

  it('keeps the ledger across network:down and network:up', async () => {
    for (const c of clients.splice(0)) c.close();
    await down(l);
    await up(l, { binaries });

    expect(await account(as('audit', 'auditor'), 'alice')).toMatchObject({ wallet: '9000' });
  });

  it('starts empty after network:down --purge', async () => {
    for (const c of clients.splice(0)) c.close();
    await up(l, { binaries, purge: true });

    const refusal = await account(as('audit', 'auditor'), 'alice').then(() => 'found', errorText);
    expect(refusal).toMatch(/NOT_FOUND/);
  });
});
