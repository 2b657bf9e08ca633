import { createHash } from 'node:crypto';

/** DER length and TLV, enough for the block header's ASN.1 (Fabric's BlockHeader.Hash). */
function der(tag: number, body: Buffer): Buffer {
  const len = body.length < 0x80 ? Buffer.from([body.length]) : (() => {
    const bytes = Buffer.from(body.length.toString(16).padStart(body.length > 0xff ? 4 : 2, '0'), 'hex');
    return Buffer.concat([Buffer.from([0x80 | bytes.length]), bytes]);
  })();
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

/** SHA-256 over ASN.1 SEQUENCE { INTEGER number, OCTET STRING previousHash, OCTET STRING dataHash }. */
export function blockHeaderHash(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array): string {
  let hex = number.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let int = Buffer.from(hex, 'hex');
  if (int.length === 0 || (int[0] ?? 0) >= 0x80) int = Buffer.concat([Buffer.from([0]), int]);
  const seq = der(0x30, Buffer.concat([der(0x02, int), der(0x04, Buffer.from(previousHash)), der(0x04, Buffer.from(dataHash))]));
  return createHash('sha256').update(seq).digest('hex');
}
