/**
 * The contract metadata exactly as fabric-shim derives it from the decorators (what a client gets
 * from org.hyperledger.fabric:GetMetadata), and its committed snapshot.
 * Usage: npm run metadata   (rewrites chaincode/contract-metadata.json)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContractHost } from '@dol/chaincode/embedded';

const USAGE = `usage: npm run metadata
  Rewrites chaincode/contract-metadata.json, the contract metadata as fabric-shim derives it from
  the decorators; commit the result. No options.
`;
if (require.main === module && (process.argv.includes('--help') || process.argv.includes('-h'))) {
  process.stdout.write(USAGE);
  process.exit(0);
}

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
