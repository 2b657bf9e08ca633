import { findBinaries, up } from '@dol/network';
import { testLayout } from './test-network';

/** Creates the test network from nothing (a clean start every run). */
export default async function globalSetup(): Promise<void> {
  const binaries = findBinaries();
  const l = testLayout();
  process.stderr.write(`\n[fabric tests] Fabric ${binaries.fabricVersion}, fabric-ca ${binaries.caVersion}: creating a network in ${l.dir}\n`);
  const result = await up(l, { purge: true, binaries, progress: (line) => process.stderr.write(`[fabric tests] ${line}\n`) });
  process.stderr.write(`[fabric tests] network up from nothing in ${result.seconds.toFixed(1)} s\n`);
}
