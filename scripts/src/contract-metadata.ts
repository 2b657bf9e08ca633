/**
 * The contract metadata exactly as fabric-shim derives it from the decorators (what a client gets
 * from org.hyperledger.fabric:GetMetadata), and its committed snapshot.
 * Usage: npm run metadata   (rewrites chaincode/contract-metadata.json)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContractHost } from '@dol/chaincode/embedded';

export const METADATA_FILE = join(__dirname, '..', '..', 'chaincode', 'contract-metadata.json');

/** Metadata generated from the code now. */
export function contractMetadata(): unknown {
  return new ContractHost().metadata;
}

/** The committed snapshot. */
export function committedMetadata(): unknown {
  return JSON.parse(readFileSync(METADATA_FILE, 'utf8')) as unknown;
}

if (require.main === module) {
  writeFileSync(METADATA_FILE, `${JSON.stringify(contractMetadata(), null, 2)}\n`);
  process.stdout.write(`wrote ${METADATA_FILE}\n`);
}
