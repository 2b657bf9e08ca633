import { join } from 'node:path';
import { TextDecoder } from 'node:util';
import type { Gateway } from '@hyperledger/fabric-gateway';
import { CHAINCODE, CHANNEL, clientIdentity, connectAs, layout, type IdentityFileEntry, type Layout, type OrgKey } from '@dol/network';

/**
 * The network the fabric tests run on: its own folder and ports (27000+), so it never touches the
 * one `npm start` brings up. global-setup.ts creates it from nothing; global-teardown.ts stops it.
 */
export const TEST_NETWORK_DIR = join(__dirname, '..', '..', 'network', 'test-run');
export const TEST_PORT_BASE = 27000;
export const TEST_ORDERERS = 1;
export const testLayout = (): Layout => layout(TEST_NETWORK_DIR, TEST_PORT_BASE, TEST_ORDERERS);

const utf8 = new TextDecoder();

/** A client of one org's peer acting as one identity, closed by `close()`. */
export class Client {
  private readonly gateway: Gateway;
  private readonly closeClient: () => void;

  constructor(l: Layout, org: OrgKey, identity: IdentityFileEntry) {
    const { gateway, client } = connectAs(l, org, identity);
    this.gateway = gateway;
    this.closeClient = () => {
      client.close();
    };
  }

  static as(l: Layout, org: OrgKey, role: string): Client {
    return new Client(l, org, clientIdentity(l, org, role));
  }

  get contract() {
    return this.gateway.getNetwork(CHANNEL).getContract(CHAINCODE);
  }

  network() {
    return this.gateway.getNetwork(CHANNEL);
  }

  async submit(fn: string, ...args: string[]): Promise<string> {
    return utf8.decode(await this.contract.submitTransaction(fn, ...args));
  }

  async evaluate(fn: string, ...args: string[]): Promise<string> {
    return utf8.decode(await this.contract.evaluateTransaction(fn, ...args));
  }

  close(): void {
    this.gateway.close();
    this.closeClient();
  }
}

/** Every message in a fabric-gateway error, details included (where the chaincode's words are). */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const details = (error as { details?: { message?: string }[] }).details ?? [];
  return [error.message, ...details.map((d) => d.message ?? '')].join(' | ');
}
