import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Binaries } from './binaries';
import { ORGS, PEER_ORGS, dial, listenOn, ordererName, orgOf, paths, peerName, type Layout, type OrgKey } from './layout';

/**
 * Fabric's configuration files, written for this network from scratch (our own values, only the
 * keys the processes read). Every listener is on its organisation's host address (127.0.0.1 unless a
 * topology says otherwise) with TLS; others reach it by the host's name.
 */

const sig = (rule: string): string => `{ Type: Signature, Rule: "${rule}" }`;
const meta = (rule: string): string => `{ Type: ImplicitMeta, Rule: "${rule}" }`;

/** Block cutting, tuned for settlement batches of hundreds of payments (≈3 KB each) arriving in bursts. */
export interface BlockCutting {
  readonly batchTimeout: string;
  readonly maxMessageCount: number;
  readonly preferredMaxBytes: string;
}
export const DEFAULT_BLOCK_CUTTING: BlockCutting = { batchTimeout: '250ms', maxMessageCount: 50, preferredMaxBytes: '8 MB' };

/** One application organisation as configtx.yaml declares it: its MSP from its bundle, its policies, its anchor peer. */
export function applicationOrgYaml(l: Layout, key: OrgKey): string {
  const o = orgOf(key);
  const id = o.mspId;
  return `  - &${o.name}
    Name: ${id}
    ID: ${id}
    MSPDir: ${paths(l).bundleMsp(key)}
    Policies:
      Readers: ${sig(`OR('${id}.admin', '${id}.peer', '${id}.client')`)}
      Writers: ${sig(`OR('${id}.admin', '${id}.client')`)}
      Admins: ${sig(`OR('${id}.admin')`)}
      Endorsement: ${sig(`OR('${id}.peer')`)}
    AnchorPeers:
      - Host: ${dial(l, key)}
        Port: ${l.ports.peer(key)}
`;
}

/** configtx.yaml: the orderer organisation and the three application organisations, one Raft cluster, channel `campus`. */
export function configtx(l: Layout, cutting: BlockCutting = DEFAULT_BLOCK_CUTTING): string {
  const p = paths(l);
  const orderers = Array.from({ length: l.orderers }, (_, i) => i);
  const org = (key: OrgKey): string => {
    const o = ORGS.find((x) => x.key === key);
    if (o === undefined) throw new Error(key);
    const id = o.mspId;
    if (key === 'orderer') {
      return `  - &${o.name}
    Name: ${id}
    ID: ${id}
    MSPDir: ${p.bundleMsp(key)}
    Policies:
      Readers: ${sig(`OR('${id}.member')`)}
      Writers: ${sig(`OR('${id}.member')`)}
      Admins: ${sig(`OR('${id}.admin')`)}
    OrdererEndpoints:
${orderers.map((i) => `      - ${dial(l, 'orderer')}:${l.ports.orderer(i)}`).join('\n')}
`;
    }
    return applicationOrgYaml(l, key);
  };
  const tlsCert = (i: number): string => join(p.node('orderer', ordererName(i)), 'tls', 'signcerts', 'cert.pem');
  return `# Written by network/src/configs.ts for this network; regenerated on every clean start.
Organizations:
${ORGS.map((o) => org(o.key)).join('')}
Capabilities:
  Channel: &ChannelCapabilities
    V2_0: true
  Orderer: &OrdererCapabilities
    V2_0: true
  Application: &ApplicationCapabilities
    V2_5: true

Application: &ApplicationDefaults
  Organizations:
  Policies:
    Readers: ${meta('ANY Readers')}
    Writers: ${meta('ANY Writers')}
    Admins: ${meta('MAJORITY Admins')}
    LifecycleEndorsement: ${meta('MAJORITY Endorsement')}
    Endorsement: ${meta('MAJORITY Endorsement')}
  Capabilities:
    <<: *ApplicationCapabilities

Orderer: &OrdererDefaults
  OrdererType: etcdraft
  Addresses:
  BatchTimeout: ${cutting.batchTimeout}
  BatchSize:
    MaxMessageCount: ${cutting.maxMessageCount}
    AbsoluteMaxBytes: 64 MB
    PreferredMaxBytes: ${cutting.preferredMaxBytes}
  EtcdRaft:
    Consenters:
${orderers.map((i) => `      - Host: ${dial(l, 'orderer')}
        Port: ${l.ports.orderer(i)}
        ClientTLSCert: ${tlsCert(i)}
        ServerTLSCert: ${tlsCert(i)}`).join('\n')}
    Options:
      TickInterval: 500ms
      ElectionTick: 10
      HeartbeatTick: 1
      MaxInflightBlocks: 5
      SnapshotIntervalSize: 16 MB
  Organizations:
  Policies:
    Readers: ${meta('ANY Readers')}
    Writers: ${meta('ANY Writers')}
    Admins: ${meta('MAJORITY Admins')}
    BlockValidation: ${meta('ANY Writers')}
  Capabilities:
    <<: *OrdererCapabilities

Channel: &ChannelDefaults
  Policies:
    Readers: ${meta('ANY Readers')}
    Writers: ${meta('ANY Writers')}
    Admins: ${meta('MAJORITY Admins')}
  Capabilities:
    <<: *ChannelCapabilities

Profiles:
  CampusChannel:
    <<: *ChannelDefaults
    Orderer:
      <<: *OrdererDefaults
      Organizations:
        - *OrdererOrg
    Application:
      <<: *ApplicationDefaults
      Organizations:
${PEER_ORGS.map((o) => `        - *${o.name}`).join('\n')}
`;
}

/** orderer.yaml of orderer i: no system channel, channel participation API on its admin port. */
export function ordererYaml(l: Layout, i: number): string {
  const p = paths(l);
  const node = p.node('orderer', ordererName(i));
  const tls = join(node, 'tls');
  const data = p.nodeData(ordererName(i));
  const admin = join(p.admin('orderer'), 'tls');
  return `General:
  ListenAddress: ${listenOn(l, 'orderer')}
  ListenPort: ${l.ports.orderer(i)}
  TLS:
    Enabled: true
    PrivateKey: ${tls}/keystore/key.pem
    Certificate: ${tls}/signcerts/cert.pem
    RootCAs: [${tls}/ca.pem]
    ClientAuthRequired: false
    ClientRootCAs: []
  Keepalive:
    # Peers ping their deliver streams every 10 s (core.yaml below): allow it.
    ServerMinInterval: 5s
    ServerInterval: 7200s
    ServerTimeout: 20s
  MaxRecvMsgSize: 104857600
  MaxSendMsgSize: 104857600
  Cluster:
    SendBufferSize: 100
    ClientCertificate: ${tls}/signcerts/cert.pem
    ClientPrivateKey: ${tls}/keystore/key.pem
    ListenPort:
    ListenAddress:
    ServerCertificate:
    ServerPrivateKey:
  BootstrapMethod: none
  LocalMSPDir: ${node}/msp
  LocalMSPID: OrdererMSP
  Profile:
    Enabled: false
  BCCSP:
    Default: SW
    SW:
      Hash: SHA2
      Security: 256
  Authentication:
    TimeWindow: 15m
FileLedger:
  Location: ${data}
Operations:
  ListenAddress: ${listenOn(l, 'orderer')}:${l.ports.ordererOperations(i)}
  TLS:
    Enabled: false
Metrics:
  Provider: prometheus
Admin:
  ListenAddress: ${listenOn(l, 'orderer')}:${l.ports.ordererAdmin(i)}
  TLS:
    Enabled: true
    Certificate: ${tls}/signcerts/cert.pem
    PrivateKey: ${tls}/keystore/key.pem
    ClientAuthRequired: true
    ClientRootCAs: [${admin}/ca.pem]
ChannelParticipation:
  Enabled: true
  MaxRequestBodySize: 16 MB
Consensus:
  WALDir: ${data}/etcdraft/wal
  SnapDir: ${data}/etcdraft/snapshot
  EvictionSuspicion: 10m
`;
}

/** core.yaml of one organisation's peer: gateway on, TLS, gossip to itself (one peer per org; anchors in the channel), CCaaS builder. */
export function coreYaml(l: Layout, b: Binaries, org: OrgKey): string {
  const p = paths(l);
  const name = peerName(org);
  const node = p.node(org, name);
  const tls = join(node, 'tls');
  const address = `${dial(l, org)}:${l.ports.peer(org)}`;
  const listen = `${listenOn(l, org)}:${l.ports.peer(org)}`;
  const mspId = orgOf(org).mspId;
  return `peer:
  id: ${name}
  networkId: campus
  listenAddress: ${listen}
  chaincodeListenAddress: ${listenOn(l, org)}:${l.ports.peerChaincode(org)}
  address: ${address}
  addressAutoDetect: false
  gateway:
    enabled: true
    endorsementTimeout: 30s
    broadcastTimeout: 30s
    dialTimeout: 2m
  keepalive:
    interval: 7200s
    timeout: 20s
    minInterval: 60s
    client:
      interval: 60s
      timeout: 20s
    deliveryClient:
      # A deliver stream that a cut link killed is found within 15 s and dialled again, not after
      # the 60 s default (AuditOrg's peer resumed 29 s after a 30 s cut healed; docs/reliability.md).
      interval: 10s
      timeout: 5s
  gossip:
    bootstrap: ${address}
    useLeaderElection: false
    orgLeader: true
    membershipTrackerInterval: 5s
    endpoint: ${address}
    externalEndpoint: ${address}
    maxBlockCountToStore: 10
    maxPropagationBurstLatency: 10ms
    maxPropagationBurstSize: 10
    propagateIterations: 1
    propagatePeerNum: 3
    pullInterval: 4s
    pullPeerNum: 3
    requestStateInfoInterval: 4s
    publishStateInfoInterval: 4s
    publishCertPeriod: 10s
    skipBlockVerification: false
    dialTimeout: 3s
    connTimeout: 2s
    recvBuffSize: 20
    sendBuffSize: 200
    digestWaitTime: 1s
    requestWaitTime: 1500ms
    responseWaitTime: 2s
    aliveTimeInterval: 1s
    aliveExpirationTimeout: 25s
    reconnectInterval: 5s
    maxConnectionAttempts: 120
    msgExpirationFactor: 20
    election:
      startupGracePeriod: 15s
      membershipSampleInterval: 1s
      leaderAliveThreshold: 10s
      leaderElectionDuration: 5s
    pvtData:
      pullRetryThreshold: 60s
      transientstoreMaxBlockRetention: 1000
      pushAckTimeout: 3s
      btlPullMargin: 10
      reconcileBatchSize: 10
      reconcileSleepInterval: 1m
      reconciliationEnabled: true
      skipPullingInvalidTransactionsDuringCommit: false
      implicitCollectionDisseminationPolicy:
        requiredPeerCount: 0
        maxPeerCount: 1
    state:
      enabled: false
      checkInterval: 10s
      responseTimeout: 3s
      batchSize: 10
      blockBufferSize: 20
      maxRetries: 3
  tls:
    enabled: true
    clientAuthRequired: false
    cert:
      file: ${tls}/signcerts/cert.pem
    key:
      file: ${tls}/keystore/key.pem
    rootcert:
      file: ${tls}/ca.pem
    clientRootCAs:
      files: [${tls}/ca.pem]
  authentication:
    timewindow: 15m
  fileSystemPath: ${p.nodeData(name)}
  BCCSP:
    Default: SW
    SW:
      Hash: SHA2
      Security: 256
  mspConfigPath: ${node}/msp
  localMspId: ${mspId}
  client:
    connTimeout: 3s
  deliveryclient:
    blockGossipEnabled: false
    reconnectTotalTimeThreshold: 3600s
    connTimeout: 3s
    reConnectBackoffThreshold: 10s
  localMspType: bccsp
  profile:
    enabled: false
  handlers:
    authFilters:
      - name: DefaultAuth
      - name: ExpirationCheck
    decorators:
      - name: DefaultDecorator
    endorsers:
      escc:
        name: DefaultEndorsement
    validators:
      vscc:
        name: DefaultValidation
  validatorPoolSize:
  discovery:
    enabled: true
    authCacheEnabled: true
    authCacheMaxSize: 1000
    authCachePurgeRetentionRatio: 0.75
    orgMembersAllowedAccess: false
  limits:
    concurrency:
      endorserService: 2500
      deliverService: 2500
      gatewayService: 500
  maxRecvMsgSize: 104857600
  maxSendMsgSize: 104857600
vm:
  endpoint: ""
chaincode:
  externalBuilders:
    - name: ccaas
      path: ${b.ccaasBuilder}
      propagateEnvironment: []
  installTimeout: 300s
  startuptimeout: 300s
  executetimeout: 60s
  mode: net
  keepalive: 0
  system:
    _lifecycle: enable
    cscc: enable
    lscc: enable
    qscc: enable
  logging:
    level: info
    shim: warning
    format: '%{time:2006-01-02 15:04:05.000 MST} [%{module}] %{shortfunc} -> %{level:.4s} %{message}'
ledger:
  state:
    stateDatabase: goleveldb
    totalQueryLimit: 100000
  history:
    enableHistoryDatabase: true
  pvtdataStore:
    collElgProcMaxDbBatchSize: 5000
    collElgProcDbBatchesInterval: 1000
    deprioritizedDataReconcilerInterval: 60m
    purgeInterval: 100
    purgedKeyAuditLogging: true
  snapshots:
    rootDir: ${p.nodeData(name)}/snapshots
operations:
  listenAddress: ${listenOn(l, org)}:${l.ports.peerOperations(org)}
  tls:
    enabled: false
metrics:
  provider: prometheus
`;
}

/** Writes a config file into the node's own config folder (FABRIC_CFG_PATH). */
export function writeConfig(l: Layout, node: string, file: string, text: string): string {
  const dir = paths(l).nodeConfig(node);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), text);
  return dir;
}
