import { contracts } from '../contract';
import { JSONSerializer } from 'fabric-contract-api';
import ChaincodeFromContract from 'fabric-shim/lib/contract-spi/chaincodefromcontract';
import { getLogger } from 'fabric-shim/lib/logger';
import type { ChaincodeStub } from 'fabric-shim-api';

/** A chaincode's answer to one invocation, as the shim hands it to a peer. */
export interface ChaincodeAnswer {
  readonly status: number;
  readonly message: string;
  readonly payload: Buffer;
}

/**
 * The settlement contract behind fabric-contract-api's own dispatch, exactly as a contract server
 * runs it for a peer: function routing, parameter marshalling from the metadata, the transaction
 * context with the caller's ClientIdentity parsed from the creator certificate, before/after hooks
 * and the 200/500 response. Only the transport differs: a call instead of gRPC.
 */
export class ContractHost {
  private readonly chaincode = new ChaincodeFromContract(contracts, { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } }, {}, 'dual-offline-settlement', '0.1.0');

  constructor() {
    // The dispatcher logs every refusal at error level; here a refusal is an answer the gateway
    // turns into a problem detail and logs itself.
    getLogger('contracts-spi/chaincodefromcontract.js').silent = true;
  }

  /** The contract metadata as fabric-shim derives it from the decorators (org.hyperledger.fabric:GetMetadata). */
  get metadata(): unknown {
    return JSON.parse(JSON.stringify(this.chaincode.metadata)) as unknown;
  }

  async invoke(stub: ChaincodeStub): Promise<ChaincodeAnswer> {
    const answer = await this.chaincode.Invoke(stub);
    return { status: answer.status, message: answer.message ?? '', payload: Buffer.from(answer.payload ?? new Uint8Array()) };
  }
}
