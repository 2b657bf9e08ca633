import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import pino from 'pino';
import { parsePublicJwk, type PublicJwk } from '@dol/chaincode';
import type { LedgerPort, Submitted } from '../ledger/ledger-port';
import { KeyFileSigner } from './issuer-keyring';
import { IssuerService, type IssuerOptions } from './issuer-service';

/**
 * How the issuer service groups requests (docs/wallet.md, "The issuer service"): a lone request
 * goes after the linger, a partial group waits beside one in flight until it fills or fillMs has
 * passed, a full group goes whenever a slot is free.
 */
const NOW = Date.now();
const signer = KeyFileSigner.create('issuer-svc-test', join(mkdtempSync(join(tmpdir(), 'dol-issuer-svc-')), 'k.pem'));
const phoneKey = (): PublicJwk => parsePublicJwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }));

/** A ledger that quotes every request and holds each RecordIssuances until the test releases it. */
class HeldLedger {
  readonly groups: number[] = [];
  private readonly held: (() => void)[] = [];
  readonly port: LedgerPort = {
    kind: 'embedded',
    evaluate: (_role, fn, args) => {
      if (fn === 'issuance:ListIssuerKeys') return Promise.resolve(JSON.stringify([{ keyId: signer.keyId, alg: 'ES256', validFrom: NOW - 1e9, validTo: NOW + 1e9, status: 'active' }]));
      const requests = JSON.parse(args[0] ?? '[]') as { account: string; mediaId: string }[];
      return Promise.resolve(JSON.stringify(requests.map((r) => ({ ...r, group: 'g', capTotal: '100', capPerPayment: '50', ctrFrom: 1, ctrTo: 10, nbf: NOW, exp: NOW + 3_600_000 }))));
    },
    submit: (_role, _fn, args) => {
      const entries = JSON.parse(args[0] ?? '[]') as unknown[];
      this.groups.push(entries.length);
      return new Promise<Submitted>((resolve) => {
        this.held.push(() => {
          resolve({ txId: `tx${this.groups.length}`, blockNumber: '1', validationCode: 'VALID', result: JSON.stringify({ entries: entries.map(() => ({ recorded: 'certificate' })) }) });
        });
      });
    },
    commitOf: () => Promise.reject(new Error('unused')),
    ping: () => Promise.resolve(true),
    close: () => undefined,
  };

  release(): void {
    this.held.shift()?.();
  }
}

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
};

describe('issuer service grouping', () => {
  const options: IssuerOptions = { groupSize: 5, lingerMs: 10, fillMs: 60_000, concurrency: 3, keysTtlMs: 60_000 };
  const service = (ledger: HeldLedger): IssuerService => new IssuerService(ledger.port, [signer], pino({ level: 'silent' }), options);

  it('beside a group in flight, a partial group waits to fill; a full one starts at once; the partial starts when the slot frees', async () => {
    const ledger = new HeldLedger();
    const s = service(ledger);
    const answers: Promise<unknown>[] = [s.certify('a0', phoneKey(), 'wallet')];
    await until(() => ledger.groups.length === 1);
    // Three more arrive while the first is in flight: they wait (fillMs is a minute here).
    for (let i = 1; i <= 3; i++) answers.push(s.certify(`a${i}`, phoneKey(), 'wallet'));
    await new Promise((r) => setTimeout(r, 100));
    expect(ledger.groups).toEqual([1]);
    // Two more fill a group of five: it starts beside the first.
    for (let i = 4; i <= 5; i++) answers.push(s.certify(`a${i}`, phoneKey(), 'wallet'));
    await until(() => ledger.groups.length === 2);
    expect(ledger.groups).toEqual([1, 5]);
    answers.push(s.certify('a6', phoneKey(), 'wallet'));
    ledger.release();
    ledger.release();
    // Nothing in flight: the one left goes alone, without waiting to fill.
    await until(() => ledger.groups.length === 3);
    ledger.release();
    expect(ledger.groups).toEqual([1, 5, 1]);
    expect((await Promise.all(answers)).length).toBe(7);
  });
});
