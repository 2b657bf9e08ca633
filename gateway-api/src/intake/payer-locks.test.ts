import { Issuer, PayerMedium, Terminal, faceCredential } from '@dol/scripts';
import { PayerLocks, payerAccounts } from './payer-locks';

const NOW = Date.now();

describe('payer locks', () => {
  it('reads the payer accounts of a batch from face credentials and media certificates, ignoring what does not parse', () => {
    const issuer = Issuer.generate('i', 'EdDSA', NOW - 1e9, NOW + 1e9);
    const wallet = PayerMedium.issue(issuer, { mediaId: 'w-1', kind: 'wallet', account: 'carol', group: 'g', capPerPayment: '100', capTotal: '1000', ctrFrom: 1, ctrTo: 9, nbf: NOW - 1e6, exp: NOW + 1e6 }, 'EdDSA');
    const t = Terminal.generate('pos-1', 'EdDSA');
    const jws = t.batch([
      t.record(NOW, '10', 'face', faceCredential('alice', 990)),
      t.record(NOW + 1, '10', 'code', wallet.payCode(NOW)),
      t.record(NOW + 2, '10', 'face', faceCredential('alice', 990)),
      t.record(NOW + 3, '10', 'code', 'not-a-credential'),
    ]);
    expect(payerAccounts(jws).sort()).toEqual(['alice', 'carol']);
    expect(payerAccounts('garbage')).toEqual([]);
  });

  it('holds a batch back while another in flight holds one of its accounts, takes all at once, never deadlocks', async () => {
    const locks = new PayerLocks();
    const order: string[] = [];
    const releaseA = await locks.acquire(['x', 'y']);
    const b = locks.acquire(['y', 'z']).then((release) => {
      order.push('b');
      return release;
    });
    const c = locks.acquire(['w']).then((release) => {
      order.push('c');
      return release;
    });
    (await c)();
    expect(order).toEqual(['c']); // disjoint: not held back
    expect(locks.size).toBe(2);
    releaseA();
    const releaseB = await b;
    expect(order).toEqual(['c', 'b']);
    expect(locks.size).toBe(2);
    releaseB();
    releaseB(); // twice is harmless
    expect(locks.size).toBe(0);
  });
});
