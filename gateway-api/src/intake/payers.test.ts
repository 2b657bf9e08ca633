import { decodeBatch } from '@dol/chaincode';
import { Issuer, PayerMedium, Terminal, faceCredential } from '@dol/scripts';
import { payerAccounts } from './payers';

const NOW = Date.now();

describe('payerAccounts', () => {
  it('reads the payer accounts of a decoded batch from face credentials and media certificates, ignoring what does not parse', () => {
    const issuer = Issuer.generate('i', 'EdDSA', NOW - 1e9, NOW + 1e9);
    const wallet = PayerMedium.issue(issuer, { mediaId: 'w-1', kind: 'wallet', account: 'carol', group: 'g', capPerPayment: '100', capTotal: '1000', ctrFrom: 1, ctrTo: 9, nbf: NOW - 1e6, exp: NOW + 1e6 }, 'EdDSA');
    const t = Terminal.generate('pos-1', 'EdDSA');
    const jws = t.batch([
      t.record(NOW, '10', 'face', faceCredential('alice', 990)),
      t.record(NOW + 1, '10', 'code', wallet.payCode(NOW)),
      t.record(NOW + 2, '10', 'face', faceCredential('alice', 990)),
      t.record(NOW + 3, '10', 'code', 'not-a-credential'),
    ]);
    expect(payerAccounts(decodeBatch(jws))).toEqual(['alice', 'carol']);
  });
});
