/** The fabric-shim internal the embedded ledger runs the contract through (what a contract server's bootstrap builds). */
declare module 'fabric-shim/lib/contract-spi/chaincodefromcontract' {
  import type { ChaincodeStub } from 'fabric-shim-api';
  class ChaincodeFromContract {
    constructor(
      contracts: (new () => object)[],
      serializers: { transaction: string; serializers: Record<string, unknown> },
      metadata: object,
      title: string,
      version: string,
    );
    readonly metadata: unknown;
    Invoke(stub: ChaincodeStub): Promise<{ status: number; message?: string; payload?: Uint8Array }>;
  }
  export = ChaincodeFromContract;
}

/** The shim's winston loggers, by name. */
declare module 'fabric-shim/lib/logger' {
  export function getLogger(name: string): { silent: boolean };
}
