import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blockHeaderHash } from './block-header';

const vectors = JSON.parse(readFileSync(join(__dirname, 'block-header.vectors.json'), 'utf8')) as { number: string; previousHash: string; dataHash: string; hash: string }[];

/** Vectors from Go's encoding/asn1, as Fabric hashes block headers (scripts/go/block-header-vectors). */
describe('blockHeaderHash', () => {
  it.each(vectors)('block $number', (v) => {
    expect(blockHeaderHash(BigInt(v.number), Buffer.from(v.previousHash, 'hex'), Buffer.from(v.dataHash, 'hex'))).toBe(v.hash);
  });
});
