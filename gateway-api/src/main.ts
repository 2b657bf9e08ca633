/** The gateway process over Fabric: config from the environment (docs/gateway.md), then runGateway. */
import { loadConfig } from './config';
import { FabricLedger } from './ledger/fabric-ledger';
import { runGateway } from './run-gateway';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  await runGateway({ ...config, channel: config.fabric.channel, chaincode: config.fabric.chaincode }, new FabricLedger(config.fabric));
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
