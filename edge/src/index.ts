/** The site edge node (docs/edge.md). */
export { EdgeStore, type OutboxEntry, type StoredApproval } from './edge-store';
export { EdgeNode, type ApprovalAnswer, type SiteDenyList } from './edge-node';
export { SiteTerminals, parseSiteTerminals, type OpenedRequest, type RequestRefusal, type SiteTerminal } from './site-terminals';
export { forwardToCentre, siteConfig, syncWithCentre, type Centre, type SyncReport } from './centre-link';
export { EDGE_PROBLEMS, EdgeFault, edgeStatusOf, type EdgeCode, type EdgeProblem } from './edge-problems';
export { createEdgeServer, type EdgeServer, type EdgeTls } from './edge-server';
export { edgeKeyOf, loadOrCreateEdgeKey } from './edge-key';
