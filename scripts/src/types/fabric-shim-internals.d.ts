/** The one fabric-shim internal the metadata snapshot uses: how the shim turns contract classes into metadata. */
declare module 'fabric-shim/lib/contract-spi/chaincodefromcontract' {
  class ChaincodeFromContract {
    constructor(
      contracts: (new () => object)[],
      serializers: { transaction: string; serializers: Record<string, unknown> },
      metadata: object,
      title: string,
      version: string,
    );
    readonly metadata: unknown;
  }
  export = ChaincodeFromContract;
}
