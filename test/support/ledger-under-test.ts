import { readFileSync } from 'node:fs';
import { ContractLedger, FabricLedger, type LedgerPort } from '@dol/gateway-api';
import { allRoleIdentities, peerEndpoint, stopProcess, up, waitForEndorsement } from '@dol/network';
import { testLayout } from '../fabric/test-network';

/**
 * The ledger a shared test runs against, chosen by configuration: DOL_TEST_LEDGER=fabric (set by
 * the jest project `fabric`) is the real network started by test/fabric/global-setup.ts; anything
 * else is the real contract on the in-memory stub. The same test file runs in both projects.
 */
export type LedgerKind = 'stub' | 'fabric';
export const LEDGER_KIND: LedgerKind = process.env.DOL_TEST_LEDGER === 'fabric' ? 'fabric' : 'stub';

export interface LedgerUnderTest {
  readonly kind: LedgerKind;
  readonly ledger: LedgerPort;
  /** Intake worker loops: one for the stub (one transaction at a time), several for Fabric. */
  readonly workers: number;
  /** How proofs name the orderer and the gateway's peer for Fabric's CLI. */
  readonly cli: { readonly ordererAddress: string; readonly peerAddress: string };
  /** Makes the ledger unreachable: the stub's switch, or the gateway's own peer stopped for real. */
  takeDown(): Promise<void>;
  bringBack(): Promise<void>;
  close(): void;
}

function fabricLedger(): LedgerUnderTest {
  const l = testLayout();
  const peer = peerEndpoint(l, 'operator');
  const identities = allRoleIdentities(l);
  const ledger = new FabricLedger({
    peerEndpoint: peer.endpoint, peerHostAlias: peer.hostAlias, tlsRootCertPem: readFileSync(peer.tlsRootCert, 'utf8'), channel: 'campus', chaincode: 'settlement',
    identities, evaluateMs: 30_000, endorseMs: 60_000, submitMs: 30_000, commitMs: 120_000,
  });
  return {
    kind: 'fabric', ledger, workers: 8,
    cli: { ordererAddress: `127.0.0.1:${l.ports.orderer(0)}`, peerAddress: peer.endpoint },
    takeDown: () => stopProcess(l, 'peer0.operator'),
    bringBack: async () => {
      await up(l);
      await waitForEndorsement(l);
    },
    close: () => {
      ledger.close();
    },
  };
}

function stubLedger(now: number): LedgerUnderTest {
  const ledger = new ContractLedger();
  ledger.clock = now;
  return {
    kind: 'stub', ledger, workers: 1, cli: { ordererAddress: '127.0.0.1:7050', peerAddress: '127.0.0.1:7051' },
    takeDown: () => {
      ledger.down = true;
      return Promise.resolve();
    },
    bringBack: () => {
      ledger.down = false;
      return Promise.resolve();
    },
    close: () => undefined,
  };
}

/** The ledger for this run; `now` is the stub's ledger time (Fabric keeps its own clock). */
export const ledgerUnderTest = (now: number): LedgerUnderTest => (LEDGER_KIND === 'fabric' ? fabricLedger() : stubLedger(now));
