/**
 * FOR THE ADAPTER'S TESTS: runs the real FabricLedger (fabric-gateway over one gRPC client with
 * TLS) against the endpoint given, one call after another, and prints what each returned or how
 * it failed, as JSON. It runs in its own Node process because fabric-gateway loads ESM-only
 * crypto that jest's CommonJS runtime cannot.
 * Usage: node fabric-ledger-driver.js '<plan JSON>'
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { FabricLedger, LedgerError, type LedgerRole } from '@dol/gateway-api';

interface Plan {
  readonly peerEndpoint: string;
  readonly peerHostAlias: string;
  readonly tlsCaFile: string;
  readonly deadlineMs: number;
  readonly calls: readonly { op: 'submit' | 'evaluate' | 'commitOf' | 'ping'; role: LedgerRole; fn?: string; args?: string[]; txId?: string }[];
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2] ?? '{}') as Plan;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const identity = { mspId: 'OperatorMSP', certificatePem: '-----BEGIN CERTIFICATE-----\nnot parsed by the client\n-----END CERTIFICATE-----\n', privateKeyPem: pem };
  const ledger = new FabricLedger({
    peerEndpoint: plan.peerEndpoint, peerHostAlias: plan.peerHostAlias, tlsRootCertPem: readFileSync(plan.tlsCaFile, 'utf8'), channel: 'campus', chaincode: 'settlement',
    identities: { gateway: identity, auditor: { ...identity, mspId: 'AuditMSP' } },
    evaluateMs: plan.deadlineMs, endorseMs: plan.deadlineMs, submitMs: plan.deadlineMs, commitMs: plan.deadlineMs,
  });
  const results: unknown[] = [];
  for (const c of plan.calls) {
    try {
      const value = c.op === 'submit' ? await ledger.submit(c.role, c.fn ?? '', c.args ?? [])
        : c.op === 'evaluate' ? await ledger.evaluate(c.role, c.fn ?? '', c.args ?? [])
          : c.op === 'commitOf' ? await ledger.commitOf(c.role, c.txId ?? '')
            : await ledger.ping();
      results.push({ ok: value });
    } catch (error) {
      results.push(error instanceof LedgerError ? { error: { failure: error.failure, code: error.reported ?? null, message: error.message } } : { thrown: String(error) });
    }
  }
  ledger.close();
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`driver failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
