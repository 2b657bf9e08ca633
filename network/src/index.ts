/** The native Fabric network: layout, binaries, lifecycle, and clients for tests and the gateway. */
export { FABRIC_VERSION, FABRIC_CA_VERSION, MissingBinaries, binariesFound, findBinaries, type Binaries } from './binaries';
export { CHAINCODE, CHANNEL, ENDORSEMENT_POLICY, ORGS, PEER_ORGS, layout, paths, peerName, contractName, ordererName, caName, LOOPBACK_HOSTS, type Layout, type OrgHost, type OrgKey } from './layout';
export { up, down, status, stopProcess, deploy, readState, restartContracts, type NetworkState, type Progress } from './network';
export { connectAs, peerEndpoint, waitForEndorsement } from './client';
export { allRoleIdentities, clientIdentity, identitiesFile, type IdentityFileEntry } from './identity-files';
export { peerCli, peerAdminEnv, ordererFlags, ordered, blockHeight } from './admin';
export { issueClientIdentity } from './identities';
export { isPrivateIpv4, readTopology, topologyProblems, type Topology } from './topology';
export { capLink, existingNamespaces, hostsFile, inNamespace, makeHosts, namespacesUnavailable, removeHosts, setLink, switchNamespace } from './netns';
export { keysOutOfPlace, orgFolders, writeBundle } from './bundle';
export { API_ROLES, gatewayPort, gatewayUrl, intakeUrl, SOCKET_DATABASE_URL, startGateways, stopGateways, type GatewayPlan } from './gateways';
