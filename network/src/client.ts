import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, signers, type Gateway } from '@hyperledger/fabric-gateway';
import { clientIdentity, type IdentityFileEntry } from './identity-files';
import { CHAINCODE, CHANNEL, dial, paths, peerName, type Layout, type OrgKey } from './layout';
import { sleep } from './processes';

/** Where a gateway client reaches an org's peer: endpoint, TLS root and the name its certificate carries. */
export function peerEndpoint(l: Layout, org: OrgKey): { endpoint: string; hostAlias: string; tlsRootCert: string } {
  return {
    endpoint: `${dial(l, org)}:${l.ports.peer(org)}`,
    hostAlias: peerName(org),
    tlsRootCert: join(paths(l).orgMsp(org), 'tlscacerts', 'ca.pem'),
  };
}

/** A Fabric Gateway connection to `org`'s peer as the given identity; close both when done. */
export function connectAs(l: Layout, org: OrgKey, identity: IdentityFileEntry): { gateway: Gateway; client: grpc.Client } {
  const peer = peerEndpoint(l, org);
  const client = new grpc.Client(peer.endpoint, grpc.credentials.createSsl(readFileSync(peer.tlsRootCert)), { 'grpc.ssl_target_name_override': peer.hostAlias });
  const gateway = connect({
    client,
    identity: { mspId: identity.mspId, credentials: readFileSync(identity.certificate) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(identity.privateKey))),
    evaluateOptions: () => ({ deadline: Date.now() + 30_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 60_000 }),
    submitOptions: () => ({ deadline: Date.now() + 30_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 120_000 }),
  });
  return { gateway, client };
}

/**
 * Waits until the operator's gateway identity can collect endorsements from both endorsing orgs.
 * After peers start, discovery answers "no combination of peers can be derived" until gossip
 * membership has settled (seconds); a query proposal endorsed but never submitted writes nothing.
 */
export async function waitForEndorsement(l: Layout, budgetMs = 180_000): Promise<void> {
  const { gateway, client } = connectAs(l, 'operator', clientIdentity(l, 'operator', 'gateway'));
  const deadline = Date.now() + budgetMs;
  let last = '';
  try {
    const contract = gateway.getNetwork(CHANNEL).getContract(CHAINCODE);
    for (;;) {
      try {
        const proposal = contract.newProposal('GetDenyListDelta', { arguments: ['0'] });
        const tx = await proposal.endorse();
        if (tx.getResult().length > 0) return;
      } catch (error) {
        last = error instanceof Error ? `${error.message} ${JSON.stringify((error as { details?: unknown }).details ?? '')}` : String(error);
      }
      if (Date.now() > deadline) throw new Error(`no cross-organisation endorsement within ${budgetMs / 1000} s; last error: ${last}`);
      await sleep(500);
    }
  } finally {
    gateway.close();
    client.close();
  }
}
