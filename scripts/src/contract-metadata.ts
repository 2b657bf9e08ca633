/**
 * The contract metadata exactly as fabric-shim derives it from the decorators (what a client gets
 * from org.hyperledger.fabric:GetMetadata), and its committed snapshot.
 * Usage: npm run metadata   (rewrites chaincode/contract-metadata.json)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contracts } from '@dol/chaincode/contract';
import { JSONSerializer } from 'fabric-contract-api';
import ChaincodeFromContract from 'fabric-shim/lib/contract-spi/chaincodefromcontract';

export const METADATA_FILE = join(__dirname, '..', '..', 'chaincode', 'contract-metadata.json');

/** Metadata generated from the code now. */
export function contractMetadata(): unknown {
  const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
  const chaincode = new ChaincodeFromContract([...contracts], serializers, {}, 'dual-offline-settlement', '0.1.0');
  return JSON.parse(JSON.stringify(chaincode.metadata)) as unknown;
}

/** The committed snapshot. */
export function committedMetadata(): unknown {
  return JSON.parse(readFileSync(METADATA_FILE, 'utf8')) as unknown;
}

if (require.main === module) {
  writeFileSync(METADATA_FILE, `${JSON.stringify(contractMetadata(), null, 2)}\n`);
  process.stdout.write(`wrote ${METADATA_FILE}\n`);
}
