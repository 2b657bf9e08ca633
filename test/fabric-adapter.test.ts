import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { common, gateway, google, peer } from '@hyperledger/fabric-protos';

/**
 * The Fabric adapter (gateway-api/src/ledger/fabric-ledger.ts) over the real fabric-gateway client
 * and gRPC with TLS, against a scripted Gateway service on 127.0.0.1 that answers the way Fabric
 * v2.5's gateway does (status codes, messages and ErrorDetail trailers as in its
 * internal/pkg/gateway/api.go). This is a unit test of the adapter's wire handling and error
 * classification, NOT a Fabric test: the peer is a script. The adapter runs in its own process
 * (bench/dist/fabric-ledger-driver.js), since fabric-gateway cannot load under jest.
 */
const DRIVER = join(__dirname, '..', 'bench', 'dist', 'fabric-ledger-driver.js');
const HOST = 'peer0.operator.campus';
const PEER = { address: `${HOST}:7051`, mspId: 'OperatorMSP' };
const PREVIOUS_HASH = createHash('sha256').update('prev-7').digest();
const DATA_HASH = createHash('sha256').update('data-7').digest();

interface Invocation { readonly chaincode: string; readonly fn: string; readonly args: string[]; readonly header: common.Header; readonly txId: string }

function invocationOf(signed: peer.SignedProposal | undefined): Invocation {
  const proposal = peer.Proposal.deserializeBinary(signed?.getProposalBytes_asU8() ?? new Uint8Array());
  const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
  const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  const payload = peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
  const spec = peer.ChaincodeInvocationSpec.deserializeBinary(payload.getInput_asU8()).getChaincodeSpec();
  const [fn = '', ...args] = (spec?.getInput()?.getArgsList_asU8() ?? []).map((a) => Buffer.from(a).toString('utf8'));
  return { chaincode: spec?.getChaincodeId()?.getName() ?? '', fn, args, header, txId: channelHeader.getTxId() };
}

/** An error as Fabric's gateway sends it: status, message, and ErrorDetail entries in grpc-status-details-bin. */
function fabricError(code: grpc.status, message: string, details: readonly string[]): Partial<grpc.StatusObject> {
  const status = new google.rpc.Status();
  status.setCode(code);
  status.setMessage(message);
  for (const m of details) {
    const detail = new gateway.ErrorDetail();
    detail.setAddress(PEER.address);
    detail.setMspId(PEER.mspId);
    detail.setMessage(m);
    const any = status.addDetails(); // a new google.protobuf.Any in the list
    any.setTypeUrl('type.googleapis.com/gateway.ErrorDetail');
    any.setValue(detail.serializeBinary());
  }
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(status.serializeBinary()));
  return { code, details: message, metadata };
}

/** The transaction envelope an endorsement returns, carrying the chaincode's result. */
function preparedTransaction(header: common.Header, result: string): common.Envelope {
  const response = new peer.Response();
  response.setStatus(200);
  response.setPayload(Buffer.from(result));
  const action = new peer.ChaincodeAction();
  action.setResponse(response);
  const responsePayload = new peer.ProposalResponsePayload();
  responsePayload.setExtension$(action.serializeBinary());
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(responsePayload.serializeBinary());
  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setAction(endorsed);
  const txAction = new peer.TransactionAction();
  txAction.setPayload(actionPayload.serializeBinary());
  const tx = new peer.Transaction();
  tx.addActions(txAction);
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(tx.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  return envelope;
}

const chaincodeRefusal = (message: string): string => `chaincode response 500, ${message}`;
/** OpenAccount arguments whose first endorsement already met a lagging peer. */
const lagged = new Set<string>();

/** What the scripted peer does per transaction name. */
const committed = new Map<string, { code: number; block: number }>();

const service: grpc.UntypedServiceImplementation = {
  endorse: (call: grpc.ServerUnaryCall<gateway.EndorseRequest, gateway.EndorseResponse>, callback: grpc.sendUnaryData<gateway.EndorseResponse>) => {
    const inv = invocationOf(call.request.getProposedTransaction());
    if (inv.fn === 'TopUp') {
      callback(fabricError(grpc.status.ABORTED, 'failed to endorse transaction, see attached details for more info', [chaincodeRefusal('INVALID_AMOUNT: amount must be a positive decimal string')]));
      return;
    }
    if (inv.fn === 'OpenAccount' && inv.args[0] !== undefined && !lagged.has(inv.args[0])) {
      // Another org's peer has not committed the previous block yet: it refuses, the gateway's own peer endorsed.
      lagged.add(inv.args[0]);
      callback(fabricError(grpc.status.ABORTED, 'failed to collect enough transaction endorsements, see attached details for more info',
        [chaincodeRefusal(`NOT_FOUND: account ${inv.args[0]} does not exist`)]));
      return;
    }
    if (inv.fn === 'RegisterMerchant') {
      callback(fabricError(grpc.status.ABORTED, 'failed to collect enough transaction endorsements, see attached details for more info',
        ['rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:9051: connect: connection refused"']));
      return;
    }
    committed.set(inv.txId, inv.fn === 'SubmitBatch' && inv.args[0] === 'conflict' ? { code: peer.TxValidationCode.MVCC_READ_CONFLICT, block: 8 } : { code: peer.TxValidationCode.VALID, block: 7 });
    const response = new gateway.EndorseResponse();
    response.setPreparedTransaction(preparedTransaction(inv.header, JSON.stringify({ settled: inv.args[0] })));
    callback(null, response);
  },
  submit: (_call: grpc.ServerUnaryCall<gateway.SubmitRequest, gateway.SubmitResponse>, callback: grpc.sendUnaryData<gateway.SubmitResponse>) => {
    callback(null, new gateway.SubmitResponse());
  },
  commitStatus: (call: grpc.ServerUnaryCall<gateway.SignedCommitStatusRequest, gateway.CommitStatusResponse>, callback: grpc.sendUnaryData<gateway.CommitStatusResponse>) => {
    const txId = gateway.CommitStatusRequest.deserializeBinary(call.request.getRequest_asU8()).getTransactionId();
    const c = committed.get(txId);
    if (c === undefined) {
      callback(fabricError(grpc.status.NOT_FOUND, `transaction ${txId} not found`, []));
      return;
    }
    const response = new gateway.CommitStatusResponse();
    response.setResult(c.code as peer.TxValidationCodeMap[keyof peer.TxValidationCodeMap]);
    response.setBlockNumber(c.block);
    callback(null, response);
  },
  evaluate: (call: grpc.ServerUnaryCall<gateway.EvaluateRequest, gateway.EvaluateResponse>, callback: grpc.sendUnaryData<gateway.EvaluateResponse>) => {
    const inv = invocationOf(call.request.getProposedTransaction());
    const answer = (bytes: Uint8Array): void => {
      const response = new peer.Response();
      response.setStatus(200);
      response.setPayload(bytes);
      const result = new gateway.EvaluateResponse();
      result.setResult(response);
      callback(null, result);
    };
    if (inv.chaincode === 'qscc' && inv.fn === 'GetTransactionByID') {
      if (inv.args[1] === 'unknown-tx') {
        callback(fabricError(grpc.status.UNKNOWN, `evaluate call to endorser returned error: chaincode response 500, Failed to get transaction with id ${inv.args[1]}, error no such transaction ID [${inv.args[1]}] in index`, [`chaincode response 500, Failed to get transaction with id ${inv.args[1]}, error no such transaction ID [${inv.args[1]}] in index`]));
        return;
      }
      const processed = new peer.ProcessedTransaction();
      processed.setValidationcode(peer.TxValidationCode.VALID);
      answer(processed.serializeBinary());
      return;
    }
    if (inv.chaincode === 'qscc' && inv.fn === 'GetBlockByTxID') {
      const header = new common.BlockHeader();
      header.setNumber(7);
      header.setPreviousHash(PREVIOUS_HASH);
      header.setDataHash(DATA_HASH);
      const block = new common.Block();
      block.setHeader(header);
      answer(block.serializeBinary());
      return;
    }
    if (inv.fn === 'GetAccount' && inv.args[0] === 'missing') {
      const m = chaincodeRefusal('NOT_FOUND: account missing is not on the ledger');
      callback(fabricError(grpc.status.UNKNOWN, `evaluate call to endorser returned error: ${m}`, [m]));
      return;
    }
    if (inv.fn === 'GetAccount' && inv.args[0] === 'crash') {
      const m = chaincodeRefusal("TypeError: Cannot read properties of undefined (reading 'wallet')");
      callback(fabricError(grpc.status.UNKNOWN, `evaluate call to endorser returned error: ${m}`, [m]));
      return;
    }
    if (inv.fn === 'GetAccount' && inv.args[0] === 'slow') return; // never answers: the deadline must end it
    answer(Buffer.from(JSON.stringify({ id: inv.args[0], asked: call.request.getChannelId() })));
  },
};

interface Outcome { ok?: unknown; error?: { failure: string; code: string | null; message: string } }

describe('Fabric adapter against a scripted Gateway service (gRPC + TLS)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dol-fabric-adapter-'));
  const server = new grpc.Server();
  let port = 0;

  const drive = async (calls: readonly object[], target = `127.0.0.1:${port}`): Promise<Outcome[]> => {
    const plan = JSON.stringify({ peerEndpoint: target, peerHostAlias: HOST, tlsCaFile: join(dir, 'cert.pem'), deadlineMs: 1500, calls });
    const child = spawn(process.execPath, [DRIVER, plan], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`driver exited ${String(code)}: ${err}`);
    return JSON.parse(out) as Outcome[];
  };

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`], { stdio: 'ignore' });
    server.addService(gateway.GatewayService, service);
    const credentials = grpc.ServerCredentials.createSsl(null, [{ private_key: readFileSync(join(dir, 'key.pem')), cert_chain: readFileSync(join(dir, 'cert.pem')) }]);
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', credentials, (error, p) => {
        if (error === null) resolve(p);
        else reject(error);
      });
    });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.tryShutdown(() => {
        resolve();
      });
    });
    rmSync(dir, { recursive: true, force: true });
  });

  it('submits and evaluates through the real client: result, transaction id, block and validation code', async () => {
    const [submitted, evaluated, ready] = await drive([
      { op: 'submit', role: 'gateway', fn: 'SubmitBatch', args: ['jws-1'] },
      { op: 'evaluate', role: 'auditor', fn: 'GetAccount', args: ['a-1'] },
      { op: 'ping', role: 'gateway' },
    ]);
    expect(submitted?.ok).toMatchObject({ blockNumber: '7', validationCode: 'VALID', result: JSON.stringify({ settled: 'jws-1' }) });
    expect((submitted?.ok as { txId: string }).txId).toMatch(/^[0-9a-f]{64}$/);
    expect(committed.has((submitted?.ok as { txId: string }).txId)).toBe(true);
    expect(JSON.parse(String(evaluated?.ok))).toEqual({ id: 'a-1', asked: 'campus' });
    expect(ready?.ok).toBe(true);
  });

  it('classifies every failure the way the worker and the API need it', async () => {
    const outcomes = await drive([
      { op: 'submit', role: 'operator', fn: 'TopUp', args: ['{}'] }, // no operator identity in this deployment
      { op: 'submit', role: 'gateway', fn: 'TopUp', args: ['{}'] }, // refused by the contract while endorsing
      { op: 'evaluate', role: 'auditor', fn: 'GetAccount', args: ['missing'] }, // refused while evaluating
      { op: 'evaluate', role: 'auditor', fn: 'GetAccount', args: ['crash'] }, // chaincode failed without a code
      { op: 'submit', role: 'gateway', fn: 'RegisterMerchant', args: ['{}'] }, // an endorser unreachable
      { op: 'submit', role: 'gateway', fn: 'SubmitBatch', args: ['conflict'] }, // invalidated at commit
      { op: 'evaluate', role: 'auditor', fn: 'GetAccount', args: ['slow'] }, // no answer before the deadline
    ]);
    expect(outcomes.map((o) => [o.error?.failure, o.error?.code])).toEqual([
      ['refused', 'ACCESS_DENIED'],
      ['refused', 'INVALID_AMOUNT'],
      ['refused', 'NOT_FOUND'],
      ['retryable', null],
      ['retryable', null],
      ['retryable', 'MVCC_READ_CONFLICT'],
      ['unavailable', null],
    ]);
  });

  it('re-endorses when another org\'s peer refuses what the gateway\'s own peer endorsed (it lags a block), and succeeds', async () => {
    const [lagging] = await drive([{ op: 'submit', role: 'gateway', fn: 'OpenAccount', args: ['acc-lag'] }]);
    expect(lagging?.ok).toMatchObject({ validationCode: 'VALID' });
    expect(lagged.has('acc-lag')).toBe(true);
  });

  it('proves a transaction from qscc: block number, validation code and the header hash Fabric computes', async () => {
    const [proof, unknown] = await drive([{ op: 'commitOf', role: 'auditor', txId: 'a'.repeat(64) }, { op: 'commitOf', role: 'auditor', txId: 'unknown-tx' }]);
    // The hash of block 7 with these hashes, by Go's encoding/asn1 (gateway-api/src/ledger/block-header.vectors.json).
    const vectors = JSON.parse(readFileSync(join(__dirname, '..', 'gateway-api', 'src', 'ledger', 'block-header.vectors.json'), 'utf8')) as { number: string; hash: string }[];
    expect(proof?.ok).toEqual({ txId: 'a'.repeat(64), blockNumber: '7', validationCode: 'VALID', blockHash: vectors.find((v) => v.number === '7')?.hash });
    expect(unknown?.error).toMatchObject({ failure: 'refused', code: 'NOT_FOUND' });
  });

  it('no peer listening: calls are unavailable and readiness is false', async () => {
    const probe = new grpc.Server();
    const closedPort = await new Promise<number>((resolve) => {
      probe.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (_e, p) => {
        resolve(p);
      });
    });
    probe.forceShutdown();
    const [evaluated, ready] = await drive([{ op: 'evaluate', role: 'auditor', fn: 'GetAccount', args: ['a-1'] }, { op: 'ping', role: 'gateway' }], `127.0.0.1:${closedPort}`);
    expect(evaluated?.error?.failure).toBe('unavailable');
    expect(ready?.ok).toBe(false);
  });
});
