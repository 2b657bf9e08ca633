import { createPrivateKey } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  CommitError, GatewayError, StatusCode, connect, signers, type Contract, type Gateway,
} from '@hyperledger/fabric-gateway';
import { common, peer } from '@hyperledger/fabric-protos';
import { blockHeaderHash } from './block-header';
import { EndorserHeights } from './endorser-heights';
import { ACTOR_TRANSIENT, LedgerError, domainCodeOf, type Actor, type Commit, type LedgerPort, type LedgerRole, type Submitted } from './ledger-port';

/** One Fabric identity the gateway may act as (DESIGN §6: one per role it serves). */
export interface FabricIdentity {
  readonly mspId: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** Where and how to reach the organisation's peer. */
export interface FabricConfig {
  readonly peerEndpoint: string;
  readonly peerHostAlias: string;
  readonly tlsRootCertPem: string;
  readonly channel: string;
  readonly chaincode: string;
  readonly identities: Readonly<Partial<Record<LedgerRole, FabricIdentity>>>;
  /** Deadlines in ms: every gRPC call has one. */
  readonly evaluateMs: number;
  readonly endorseMs: number;
  readonly submitMs: number;
  readonly commitMs: number;
}

/** Validation code names (TxValidationCode), e.g. 11 → MVCC_READ_CONFLICT. */
const CODE_NAMES = new Map<number, string>(Object.entries(StatusCode).map(([name, code]) => [code, name]));
const codeName = (code: number): string => CODE_NAMES.get(code) ?? `CODE_${code}`;

/**
 * Nothing (or no one in time) answered. ABORTED is not here: Fabric's gateway answers it when
 * endorsements could not be collected, so nothing reached the orderer and the call is 'retryable'.
 */
const UNAVAILABLE_GRPC = new Set<number>([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED]);

const ENDORSERS_DISAGREE = /failed to collect enough transaction endorsements/;

/** Classifies a fabric-gateway error: a chaincode refusal is permanent; the rest may pass. */
export function classify(error: unknown): LedgerError {
  if (error instanceof LedgerError) return error;
  if (error instanceof CommitError) {
    // MVCC_READ_CONFLICT and friends: the proposal must be endorsed again against new state.
    return new LedgerError('retryable', `transaction ${error.transactionId} invalid: ${codeName(error.code)}`, codeName(error.code));
  }
  if (error instanceof GatewayError) {
    const messages = [error.message, ...error.details.map((d) => d.message)].join(' | ');
    // A refusal by our contract is final, whether it came from endorsing (EndorseError, status
    // ABORTED) or evaluating (GatewayError, status UNKNOWN); it names its code after
    // "chaincode response 500, ". Anything else (no peer, timeout, a chaincode crash) may pass.
    const code = domainCodeOf(messages);
    // The gateway endorses on its own peer first; "failed to collect enough transaction
    // endorsements" means its peer endorsed and another org's peer refused. Both run the same
    // deterministic contract, so they saw different state: that peer has not committed the latest
    // block yet (read-your-writes across orgs lags by a block). Re-endorsing is safe (nothing was
    // ordered) and will pass; a refusal by the gateway's own peer is final.
    if (code !== undefined && ENDORSERS_DISAGREE.test(error.message)) return new LedgerError('retryable', messages, code);
    if (code !== undefined) return new LedgerError('refused', messages, code);
    return new LedgerError(UNAVAILABLE_GRPC.has(error.code) ? 'unavailable' : 'retryable', messages);
  }
  return new LedgerError('unavailable', error instanceof Error ? error.message : String(error));
}

const DISAGREEMENT_RETRIES = 6;

/** The ledger over Fabric's Gateway service: one gRPC client per process, one Gateway per identity. */
export class FabricLedger implements LedgerPort {
  readonly kind = 'fabric' as const;
  private readonly client: grpc.Client;
  private readonly gateways = new Map<LedgerRole, Gateway>();
  /** Transactions the peer's validation marked invalid, by validation code (MVCC_READ_CONFLICT, ...), each one re-endorsed or handed back. */
  readonly invalidated = new Map<string, number>();
  /** Other organisations' endorsers that lagged behind ours, waited for before each proposal. */
  readonly heights = new EndorserHeights((org) => this.chainHeight(org));

  constructor(private readonly config: FabricConfig) {
    const credentials = grpc.credentials.createSsl(Buffer.from(config.tlsRootCertPem));
    // A group of batches is one transaction of several megabytes, and the peer's gateway answers
    // an endorsement with the whole prepared transaction: lift grpc-js's 4 MiB receive default to
    // the peer's own limit (100 MiB).
    this.client = new grpc.Client(config.peerEndpoint, credentials, {
      'grpc.ssl_target_name_override': config.peerHostAlias,
      'grpc.max_receive_message_length': 100 * 1024 * 1024,
      'grpc.max_send_message_length': 100 * 1024 * 1024,
    });
    for (const [role, id] of Object.entries(config.identities) as [LedgerRole, FabricIdentity | undefined][]) {
      if (id === undefined) continue;
      this.gateways.set(role, connect({
        client: this.client,
        identity: { mspId: id.mspId, credentials: Buffer.from(id.certificatePem) },
        signer: signers.newPrivateKeySigner(createPrivateKey(id.privateKeyPem)),
        evaluateOptions: () => ({ deadline: Date.now() + config.evaluateMs }),
        endorseOptions: () => ({ deadline: Date.now() + config.endorseMs }),
        submitOptions: () => ({ deadline: Date.now() + config.submitMs }),
        commitStatusOptions: () => ({ deadline: Date.now() + config.commitMs }),
      }));
    }
  }

  private contract(role: LedgerRole, chaincode = this.config.chaincode): Contract {
    const gateway = this.gateways.get(role);
    if (gateway === undefined) throw new LedgerError('refused', `this gateway holds no ${role} identity`, 'ACCESS_DENIED');
    return gateway.getNetwork(this.config.channel).getContract(chaincode);
  }

  async submit(role: LedgerRole, fn: string, args: readonly string[], actor?: Actor): Promise<Submitted> {
    // A transaction invalidated by a concurrent one (MVCC) passes when endorsed again on new state;
    // endorsers that disagree because one lags a block agree a moment later: wait until the lagging
    // ones have our peer's blocks. Re-endorse a few times, then hand the caller a retryable failure.
    for (let attempt = 1; ; attempt++) {
      await this.heights.caughtUp();
      try {
        return await this.submitOnce(role, fn, args, actor);
      } catch (error) {
        const again = error instanceof LedgerError && error.failure === 'retryable' && (error.reported !== undefined || ENDORSERS_DISAGREE.test(error.message));
        if (!again || attempt >= DISAGREEMENT_RETRIES) throw error;
        await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
  }

  private async submitOnce(role: LedgerRole, fn: string, args: readonly string[], actor?: Actor): Promise<Submitted> {
    try {
      // The actor travels in the transient map: every endorser sees it, the contract writes it to state.
      const transientData = actor === undefined ? undefined : { [ACTOR_TRANSIENT]: JSON.stringify(actor) };
      const submitted = await this.contract(role).submitAsync(fn, { arguments: [...args], ...(transientData === undefined ? {} : { transientData }) });
      const status = await submitted.getStatus();
      if (!status.successful) {
        this.invalidated.set(codeName(status.code), (this.invalidated.get(codeName(status.code)) ?? 0) + 1);
        throw new CommitError({ code: status.code, transactionId: status.transactionId });
      }
      return {
        txId: status.transactionId, blockNumber: status.blockNumber.toString(), validationCode: codeName(status.code),
        result: Buffer.from(submitted.getResult()).toString('utf8'),
      };
    } catch (error) {
      if (error instanceof GatewayError && ENDORSERS_DISAGREE.test(error.message)) {
        const ours = this.config.identities[role]?.mspId;
        this.heights.disagreed(error.details.map((d) => d.mspId).filter((m) => m !== '' && m !== ours));
      }
      throw classify(error);
    }
  }

  /** The ledger height of `org`'s peer (the gateway picks one), or of our own peer's when undefined. */
  private async chainHeight(org: string | undefined): Promise<bigint> {
    const role = [...this.gateways.keys()][0];
    if (role === undefined) throw new LedgerError('refused', 'this gateway holds no identity', 'ACCESS_DENIED');
    const info = await this.contract(role, 'qscc').evaluate('GetChainInfo', { arguments: [this.config.channel], ...(org === undefined ? {} : { endorsingOrganizations: [org] }) });
    return BigInt(common.BlockchainInfo.deserializeBinary(info).getHeight());
  }

  async evaluate(role: LedgerRole, fn: string, args: readonly string[]): Promise<string> {
    try {
      return Buffer.from(await this.contract(role).evaluate(fn, { arguments: [...args] })).toString('utf8');
    } catch (error) {
      throw classify(error);
    }
  }

  async commitOf(role: LedgerRole, txId: string): Promise<Commit & { blockHash: string }> {
    try {
      const qscc = this.contract(role, 'qscc');
      const [txBytes, blockBytes] = await Promise.all([
        qscc.evaluate('GetTransactionByID', { arguments: [this.config.channel, txId] }),
        qscc.evaluate('GetBlockByTxID', { arguments: [this.config.channel, txId] }),
      ]);
      const processed = peer.ProcessedTransaction.deserializeBinary(txBytes);
      const header = common.Block.deserializeBinary(blockBytes).getHeader();
      if (header === undefined) throw new LedgerError('retryable', `block of ${txId} has no header`);
      const number = BigInt(header.getNumber());
      const code = processed.getValidationcode();
      return {
        txId, blockNumber: number.toString(), validationCode: codeName(code),
        blockHash: blockHeaderHash(number, header.getPreviousHash_asU8(), header.getDataHash_asU8()),
      };
    } catch (error) {
      const e = classify(error);
      throw /not found|no such/i.test(e.message) ? new LedgerError('refused', `transaction ${txId} not found`, 'NOT_FOUND') : e;
    }
  }

  async ping(): Promise<boolean> {
    return new Promise((resolve) => {
      this.client.waitForReady(Date.now() + this.config.evaluateMs, (error) => {
        resolve(error === undefined);
      });
    });
  }

  close(): void {
    for (const g of this.gateways.values()) g.close();
    this.client.close();
  }
}
