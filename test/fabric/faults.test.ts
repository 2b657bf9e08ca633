import { join } from 'node:path';
import { burstWithFault, sleep, type BurstOptions, type FaultKind } from '@dol/bench';
import { down, findBinaries, layout, type Layout } from '@dol/network';
import { formatReport } from '@dol/scripts';

/**
 * Faults on a network with three Raft orderers (its own, network/fault-run, ports 28000+), each
 * injected a third of the way into a canteen burst uploaded through the real gateway PROCESS
 * (gateway-api/dist/main.js over Fabric). Afterwards the ledger must reconcile exactly with the
 * simulator's model: every acknowledged batch settled once, nobody charged twice, books balanced.
 * Outage lengths are part of each fault's design; every wait for recovery waits for a condition.
 */
const l: Layout = layout(join(__dirname, '..', '..', 'network', 'fault-run'), 28000, 3);
const binaries = findBinaries();

async function survives(kind: FaultKind, options: BurstOptions = {}): Promise<void> {
  const { report, acknowledged } = await burstWithFault(l, binaries, kind, options);
  process.stdout.write(`\n[fault: ${kind}] ${acknowledged} batches acknowledged\n${formatReport(report)}\n`);
  expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  expect(report.ok).toBe(true);
}

describe('faults on a three-orderer network, each over a canteen burst through the gateway process', () => {
  afterAll(async () => {
    await down(l);
  });

  it('the gateway killed with SIGKILL while transactions are in flight, restarted: everything settles exactly once', async () => {
    await survives('gateway-sigkill');
  });

  it('one of two OperatorOrg gateways over one intake queue killed with SIGKILL mid-burst, never restarted: the other takes its batches over, everything settles exactly once', async () => {
    await survives('one-of-two-gateways');
  });

  it('the Raft leader killed mid-burst, restarted later and caught up: everything settles exactly once', async () => {
    await survives('raft-leader');
  });

  it('the CampusOrg peer killed mid-burst: the gateway keeps acknowledging and /readyz says why; restarted, everything settles', async () => {
    const reasons: string[] = [];
    await survives('campus-peer', {
      during: async (gateway) => {
        for (let i = 0; i < 600 && reasons.length === 0; i++) {
          const r = await gateway.readyz();
          if (r.status === 503) reasons.push(String((r.body as { detail?: string }).detail));
          else await sleep(250);
        }
      },
    });
    expect(reasons[0]).toMatch(/not settling/);
  });

  it('a contract server killed mid-batch and restarted: everything settles exactly once', async () => {
    await survives('contract-server');
  });

  it('every orderer stopped for 30 s and restarted: everything settles exactly once', async () => {
    await survives('all-orderers', { outageMs: 30_000 });
  });
});
