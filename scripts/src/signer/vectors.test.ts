import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordDigest } from '@dol/chaincode';
import { signJwsRaw } from '@dol/terminal';
import { signingKeyFromJwk, type PrivateJwk } from '@dol/terminal';

interface Vectors {
  records: { name: string; record: { credential: unknown }; digest: string }[];
  batches: { name: string; jws: string }[];
  privateKeys: Record<string, PrivateJwk>;
  terminals: { terminalId: string; publicKey: unknown }[];
}
const vectors = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'chaincode', 'test-vectors', 'protocol-v1.json'), 'utf8')) as Vectors;

/** Re-signs a compact JWS's exact header and payload; Ed25519 (RFC 8032) is deterministic, so the result must match. */
function resign(jws: string, keyName: string): string {
  const key = vectors.privateKeys[keyName];
  if (key === undefined) throw new Error(`no private key ${keyName}`);
  const [h = '', p = ''] = jws.split('.');
  return signJwsRaw(signingKeyFromJwk(key), Buffer.from(h, 'base64url').toString('utf8'), Buffer.from(p, 'base64url'));
}

describe('signing side reproduces the committed vectors', () => {
  it('computes every record digest the vectors list', () => {
    for (const c of vectors.records) expect([c.name, recordDigest(c.record)]).toEqual([c.name, c.digest]);
  });

  it('re-signs the Ed25519 tap credential byte for byte', () => {
    const tap = vectors.records.find((c) => c.name === 'tap-valid-eddsa');
    const [cert = '', auth = ''] = String(tap?.record.credential).split('~');
    expect(resign(cert, 'issuer-ed25519')).toBe(cert);
    expect(resign(auth, 'card-0001')).toBe(auth);
  });

  it('re-seals the Ed25519 terminal batch byte for byte', () => {
    const batch = vectors.batches.find((b) => b.name === 'batch-eddsa');
    expect(batch).toBeDefined();
    expect(resign(batch?.jws ?? '', 'pos-canteen1-03')).toBe(batch?.jws);
  });

  it('derives the public JWK the vectors register from each private key', () => {
    const terminal = vectors.terminals.find((t) => t.terminalId === 'pos-canteen1-03');
    const key = vectors.privateKeys['pos-canteen1-03'];
    expect(key && signingKeyFromJwk(key).jwk).toEqual(terminal?.publicKey);
  });
});
