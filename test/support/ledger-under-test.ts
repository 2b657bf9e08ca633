import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Pool } from 'pg';
import { EmbeddedLedger, FabricLedger, PostgresBlockStore, verifyLedger, type Actor, type Commit, type LedgerPort, type LedgerRole, type Submitted, type VerifyReport } from '@dol/gateway-api';
import { allRoleIdentities, blockHeight, findBinaries, peerEndpoint, stopProcess, up, waitForEndorsement } from '@dol/network';
import { testLayout } from '../fabric/test-network';

/**
 * The ledger a shared test runs against, chosen by configuration: DOL_TEST_LEDGER=fabric (set by
 * the jest project `fabric`) is the real network started by test/fabric/global-setup.ts; anything
 * else is the embedded ledger over PostgreSQL (its own schema, dropped at close). The same test
 * file runs in both projects.
 */
export type LedgerKind = 'embedded' | 'fabric';
export const LEDGER_KIND: LedgerKind = process.env.DOL_TEST_LEDGER === 'fabric' ? 'fabric' : 'embedded';

export interface LedgerUnderTest {
  readonly kind: LedgerKind;
  readonly ledger: LedgerPort;
  /**
   * The ledger as AuditOrg's gateway reads it: on Fabric through AuditOrg's own peer (which endorses
   * no writes) with its auditor identity; the embedded ledger has one copy, so itself.
   */
  auditOrgLedger(): LedgerPort;
  /** Intake worker loops. */
  readonly workers: number;
  /** How proofs name the orderer and the gateway's peer for Fabric's CLI. */
  readonly cli: { readonly ordererAddress: string; readonly peerAddress: string };
  /** Makes the ledger unreachable: the embedded ledger taken offline, or the gateway's own peer stopped for real. */
  takeDown(): Promise<void>;
  bringBack(): Promise<void>;
  /** Blocks on the ledger now (the gateway's peer's height on Fabric). */
  height(): Promise<number | undefined>;
  /** Verifies the embedded ledger's store from genesis (undefined on Fabric, which verifies itself). */
  verify(): Promise<VerifyReport | undefined>;
  close(): Promise<void>;
}

function fabricLedger(): LedgerUnderTest {
  const l = testLayout();
  const peer = peerEndpoint(l, 'operator');
  const identities = allRoleIdentities(l);
  const ledger = new FabricLedger({
    peerEndpoint: peer.endpoint, peerHostAlias: peer.hostAlias, tlsRootCertPem: readFileSync(peer.tlsRootCert, 'utf8'), channel: 'campus', chaincode: 'settlement',
    identities, evaluateMs: 30_000, endorseMs: 60_000, submitMs: 30_000, commitMs: 120_000,
  });
  const audits: FabricLedger[] = [];
  return {
    kind: 'fabric', ledger, workers: 8,
    auditOrgLedger: () => {
      const auditPeer = peerEndpoint(l, 'audit');
      const audit = new FabricLedger({
        peerEndpoint: auditPeer.endpoint, peerHostAlias: auditPeer.hostAlias, tlsRootCertPem: readFileSync(auditPeer.tlsRootCert, 'utf8'), channel: 'campus', chaincode: 'settlement',
        identities: { auditor: identities.auditor }, evaluateMs: 30_000, endorseMs: 60_000, submitMs: 30_000, commitMs: 120_000,
      });
      audits.push(audit);
      return audit;
    },
    cli: { ordererAddress: `127.0.0.1:${l.ports.orderer(0)}`, peerAddress: peer.endpoint },
    takeDown: () => stopProcess(l, 'peer0.operator'),
    bringBack: async () => {
      await up(l);
      await waitForEndorsement(l);
    },
    verify: () => Promise.resolve(undefined),
    height: () => blockHeight(l, findBinaries(), 'operator'),
    close: () => {
      ledger.close();
      for (const a of audits) a.close();
      return Promise.resolve();
    },
  };
}

/** The embedded ledger, opened on first use (test files build their gateway before any await). */
class LazyEmbeddedLedger implements LedgerPort {
  readonly kind = 'embedded' as const;
  private opened: Promise<EmbeddedLedger> | undefined;
  constructor(private readonly open: () => Promise<EmbeddedLedger>) {}
  get ledger(): Promise<EmbeddedLedger> {
    this.opened ??= this.open();
    return this.opened;
  }
  async submit(role: LedgerRole, fn: string, args: readonly string[], actor?: Actor): Promise<Submitted> {
    return (await this.ledger).submit(role, fn, args, actor);
  }
  async evaluate(role: LedgerRole, fn: string, args: readonly string[]): Promise<string> {
    return (await this.ledger).evaluate(role, fn, args);
  }
  async commitOf(role: LedgerRole, txId: string): Promise<Commit & { readonly blockHash: string }> {
    return (await this.ledger).commitOf(role, txId);
  }
  async ping(): Promise<boolean> {
    return (await this.ledger).ping();
  }
  close(): void {
    void this.opened?.then((l) => {
      l.close();
    });
  }
}

function embeddedLedger(now: number): LedgerUnderTest {
  const pool = new Pool({ connectionString: process.env.DOL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 4 });
  const store = new PostgresBlockStore(pool, `t_ledger_${randomBytes(4).toString('hex')}`);
  // Ledger time starts at `now` and moves on with the wall clock, never twice the same millisecond,
  // as a peer's timestamps do.
  const started = Date.now();
  let last = now - 1;
  const clock = (): number => (last = Math.max(last + 1, now + Date.now() - started));
  const ledger = new LazyEmbeddedLedger(() => EmbeddedLedger.open({ store, clock }));
  const setOffline = async (offline: boolean): Promise<void> => {
    (await ledger.ledger).offline = offline;
  };
  return {
    kind: 'embedded', ledger, workers: 4, cli: { ordererAddress: '-', peerAddress: '-' },
    auditOrgLedger: () => ledger,
    takeDown: () => setOffline(true),
    bringBack: () => setOffline(false),
    verify: () => verifyLedger(store),
    height: async () => (await ledger.ledger).height,
    close: async () => {
      ledger.close();
      await store.purge();
      await pool.end();
    },
  };
}

/** The ledger for this run; `now` is the embedded ledger's time (Fabric keeps its own clock). */
export const ledgerUnderTest = (now: number): LedgerUnderTest => (LEDGER_KIND === 'fabric' ? fabricLedger() : embeddedLedger(now));
