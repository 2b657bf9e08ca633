/** The site edge node (docs/edge.md). */
export { EdgeStore, type OutboxEntry, type StoredApproval } from './edge-store';
export { EdgeNode, parseApprovalRequest, type ApprovalAnswer, type SiteDenyList } from './edge-node';
export { forwardToCentre, siteConfig, syncWithCentre, type Centre, type SyncReport } from './centre-link';
export { createEdgeServer } from './edge-server';
export { edgeKeyOf, loadOrCreateEdgeKey } from './edge-key';
