import { generateKeyPairSync, sign } from 'node:crypto';
import { base64UrlEncode } from './encoding';
import { decodeJws, verifyJws, verifyJwsAsync } from './jws';
import { parsePublicJwk, verifyKeyOf } from './jwk';

/** The thread-pool verification (the gateway's) answers exactly as the synchronous one (the contract's). */
describe('verifyJwsAsync', () => {
  const keys = {
    ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    EdDSA: generateKeyPairSync('ed25519'),
  };
  const compact = (alg: 'ES256' | 'EdDSA', payload: unknown, signWith: 'ES256' | 'EdDSA' = alg): string => {
    const input = `${base64UrlEncode(JSON.stringify({ alg }))}.${base64UrlEncode(JSON.stringify(payload))}`;
    const data = Buffer.from(input, 'ascii');
    const sig = signWith === 'ES256' ? sign('sha256', data, { key: keys.ES256.privateKey, dsaEncoding: 'ieee-p1363' }) : sign(null, data, keys.EdDSA.privateKey);
    return `${input}.${base64UrlEncode(sig)}`;
  };
  const keyOf = (alg: 'ES256' | 'EdDSA') => verifyKeyOf(parsePublicJwk(keys[alg].publicKey.export({ format: 'jwk' })));

  it.each(['ES256', 'EdDSA'] as const)('%s: valid, tampered and under another key, the same verdict both ways', async (alg) => {
    const good = decodeJws(compact(alg, { n: 1 }));
    const [h, , s] = compact(alg, { n: 1 }).split('.');
    const tampered = decodeJws(`${h ?? ''}.${base64UrlEncode(JSON.stringify({ n: 2 }))}.${s ?? ''}`);
    const other = alg === 'ES256' ? 'EdDSA' : 'ES256';
    for (const [jws, key, expected] of [[good, keyOf(alg), true], [tampered, keyOf(alg), false], [good, keyOf(other), false]] as const) {
      expect(verifyJws(jws, key)).toBe(expected);
      expect(await verifyJwsAsync(jws, key)).toBe(expected);
    }
  });
});
