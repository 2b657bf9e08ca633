import type express from 'express';
import type { Logger } from 'pino';
import type { Credential } from './config';
import { createApp } from './http/app';
import type { IntakeStore } from './intake/intake-store';
import type { IssuerSigner } from './issuer/issuer-keyring';
import { IssuerService, type IssuerOptions } from './issuer/issuer-service';
import { IntakeWorker, type WorkerOptions } from './intake/intake-worker';
import type { LedgerPort } from './ledger/ledger-port';
import { SettlementClient } from './ledger/settlement-client';
import { createMetrics } from './metrics';
import type { OidcConfig } from './oidc/oidc-config';
import { OidcRelyingParty } from './oidc/relying-party';

/** What a gateway is built from, whatever ledger and process it runs in. */
export interface GatewayParts {
  readonly store: IntakeStore;
  readonly ledger: LedgerPort;
  readonly log: Logger;
  readonly worker: WorkerOptions;
  readonly credentials: readonly Credential[];
  readonly channel: string;
  readonly chaincode: string;
  readonly cli: { readonly ordererAddress: string; readonly peerAddress: string };
  readonly campusTimeZone?: string;
  readonly authFailuresPerMinute?: number;
  readonly terminalCertRequired?: boolean;
  /** Issuer keys this gateway holds: with any, it runs the issuer service (docs/wallet.md). */
  readonly issuerSigners?: readonly IssuerSigner[];
  /** How the issuer service groups requests (DEFAULT_ISSUER_OPTIONS unless given). */
  readonly issuerOptions?: IssuerOptions;
  /** The campus's OpenID Connect provider students sign in with (docs/wallet.md, "Signing in"); absent: activation codes only. */
  readonly oidc?: OidcConfig;
}

/**
 * The HTTP app and intake worker over one store and ledger, wired together: metrics read the
 * store's depth, an accepted batch wakes the worker, readiness asks the ledger and the worker's
 * last outcome. Not started.
 */
export function assembleGateway(parts: GatewayParts): { app: express.Express; worker: IntakeWorker } {
  const { store, ledger, log } = parts;
  const metrics = createMetrics(() => store.depth());
  const worker = new IntakeWorker(store, new SettlementClient(ledger), log, metrics, parts.worker);
  const issuer = new IssuerService(ledger, parts.issuerSigners ?? [], log, parts.issuerOptions);
  const app = createApp({
    ledger, store, onAccepted: () => {
      worker.nudge();
    }, issuer, channel: parts.channel, chaincode: parts.chaincode, cli: parts.cli, credentials: parts.credentials, log, metrics, ...(parts.campusTimeZone === undefined ? {} : { campusTimeZone: parts.campusTimeZone }),
    ...(parts.oidc === undefined ? {} : { oidc: new OidcRelyingParty(parts.oidc) }),
    ...(parts.authFailuresPerMinute === undefined ? {} : { authFailuresPerMinute: parts.authFailuresPerMinute }), ...(parts.terminalCertRequired === undefined ? {} : { terminalCertRequired: parts.terminalCertRequired }),
  }, async () => {
    if (!(await ledger.ping())) return ledger.unavailableBecause?.() ?? (ledger.kind === 'fabric' ? 'no Fabric peer answers' : 'the embedded ledger is not serving');
    // The peer answers, yet writes fail (another org's peer or the orderers are down): say so.
    const failing = worker.failing();
    return failing === undefined ? undefined : `batches are acknowledged and queued, but the ledger is not settling them: ${failing}`;
  });
  return { app, worker };
}
