import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FieldReader } from '@dol/chaincode';
import { generateSigningKey, privateJwkOf, signingKeyFromJwk, type SigningKey } from '@dol/terminal';

/** The edge's signing key: made once (Ed25519) in its store folder, readable by its owner only. */
export function loadOrCreateEdgeKey(dir: string): SigningKey {
  const file = join(dir, 'edge-key.json');
  if (existsSync(file)) {
    const r = FieldReader.of(JSON.parse(readFileSync(file, 'utf8')), 'edgeKey', ['kty', 'crv', 'x', 'd'], ['y']);
    const text = (k: string): string => r.string(k, /^[A-Za-z0-9_-]+$/, 'base64url text');
    return signingKeyFromJwk({ kty: text('kty'), crv: text('crv'), x: text('x'), d: text('d'), ...(r.has('y') ? { y: text('y') } : {}) });
  }
  const key = generateSigningKey('EdDSA');
  writeFileSync(file, `${JSON.stringify(privateJwkOf(key))}\n`, { mode: 0o600 });
  return key;
}

/** The public JWK the operator registers on the ledger for the edge (role `edge`). */
export function edgeKeyOf(key: SigningKey): Record<string, string> {
  return { ...key.jwk };
}
