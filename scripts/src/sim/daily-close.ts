/**
 * The operator's daily close at the end of a scenario run (docs/gateway.md, "Paying merchants"):
 * one payout run over every merchant with credits, checked as the canteen's report states it:
 * each of this run's merchants paid exactly what its sales credited it, the bank file's total the
 * ledger's, and the auditor's check of runs, payouts and credits.
 */
import { isJsonObject } from '@dol/chaincode';
import type { GatewayClient } from './gateway-client';

type Check = (name: string, expected: unknown, ledger: unknown) => void;

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : '');

/** The amounts column of a bank file (RFC 4180, no quoted amounts), summed as integers. */
function fileTotal(csv: string): { rows: number; total: bigint } {
  const [header, ...rows] = csv.split('\r\n').filter((l) => l !== '');
  const at = (header ?? '').split(',').indexOf('amount');
  if (at < 0) return { rows: 0, total: -1n };
  return { rows: rows.length, total: rows.reduce((sum, r) => sum + BigInt(r.split(',')[at] ?? '0'), 0n) };
}

export async function dailyClose(api: GatewayClient, runId: string, merchants: readonly string[], credited: ReadonlyMap<string, bigint>, check: Check): Promise<void> {
  const answer = await api.must('POST', '/v1/payout-runs', 'operator', { runId });
  const run = isJsonObject(answer) && isJsonObject(answer.result) ? answer.result : {};
  const payouts = new Map((Array.isArray(run.payouts) ? run.payouts : []).flatMap((p) => (isJsonObject(p) ? [[str(p.merchantId), BigInt(str(p.total) || '0')] as const] : [])));
  const differ = merchants.filter((m) => (payouts.get(m) ?? 0n) !== (credited.get(m) ?? 0n));
  check('daily close: each merchant paid exactly what it was credited', `${merchants.length} match`,
    differ.length === 0 ? `${merchants.length} match` : `${differ.length} differ, e.g. ${differ[0] ?? ''}: paid ${payouts.get(differ[0] ?? '') ?? 0n}, credited ${credited.get(differ[0] ?? '') ?? 0n}`);
  const file = fileTotal(await api.file(`/v1/payout-runs/${encodeURIComponent(runId)}?format=csv`, 'operator'));
  check("daily close: the bank file's total is the ledger's run", `${payouts.size} transfers, ${str(run.total)}`, `${file.rows} transfers, ${file.total}`);
  const audit = await api.must('GET', '/v1/payout-check', 'auditor');
  check('daily close: runs, payouts and merchant credits agree', 'ok', isJsonObject(audit) && audit.ok === true ? 'ok' : JSON.stringify(isJsonObject(audit) ? audit.problems : audit));
}
