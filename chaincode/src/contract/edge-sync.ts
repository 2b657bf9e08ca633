import { Amount } from '../core/amount';
import { DomainError } from '../core/errors';
import { parseTerminalId } from '../core/ids';
import { parseIssuerKey } from '../core/issuer-key';
import { riskPolicyToJson } from '../core/risk-policy';
import type { JsonValue } from '../core/strict-json';
import { offlineAvailable, siteSlice } from '../settlement/allowance';
import { terminalFromJson, terminalToJson } from './codec';
import { K } from './keys';
import { txTime, type Ledger } from './ledger-records';

/**
 * What a terminal (or an edge) fetches when it syncs: the risk policy with its offline limits, the
 * issuer keys that certify media, the deny-list version, and the edges of its site (docs/terminal.md).
 */
export async function offlineConfig(ledger: Ledger, terminalId: string): Promise<JsonValue> {
  const terminal = await ledger.terminal(parseTerminalId(terminalId));
  const [policy, issuers, denyListVersion, terminals] = await Promise.all([
    ledger.riskPolicy(), ledger.all(K.issuer, [], parseIssuerKey), ledger.denyVersion(), ledger.all(K.terminal, [], terminalFromJson),
  ]);
  return {
    terminalId: terminal.terminalId, merchantId: terminal.merchantId, role: terminal.role ?? 'terminal', status: terminal.status, asOf: txTime(ledger.ctx),
    policy: riskPolicyToJson(policy), denyListVersion,
    issuerKeys: issuers.map((k) => ({ keyId: k.keyId, alg: k.alg, publicKey: { ...k.publicKey }, validFrom: k.validFrom, validTo: k.validTo, status: k.status })),
    edges: terminals.filter((t) => t.role === 'edge' && t.status === 'active' && t.merchantId === terminal.merchantId).map((t) => ({ edgeId: t.terminalId, publicKey: { ...t.publicKey } })),
  };
}

/**
 * One edge's escrowed slices: every account's offline allowance divided by the number of active
 * edges, so the slices of all sites never exceed what the account can cover (docs/edge.md); and the
 * active terminals of its site with their keys, so that it approves only for them (each signs its
 * approval request with its registered key).
 */
export async function edgeAllowances(ledger: Ledger, edgeId: string): Promise<JsonValue> {
  const edge = await ledger.terminal(parseTerminalId(edgeId));
  if (edge.role !== 'edge') throw new DomainError('INVALID_FIELD', `terminal ${edge.terminalId} is not an edge`, { field: 'edgeId' });
  if (edge.status !== 'active') throw new DomainError('TERMINAL_REVOKED', `edge ${edge.terminalId} is ${edge.status}: it holds no slices`);
  const [terminals, accounts] = await Promise.all([ledger.all(K.terminal, [], terminalFromJson), ledger.accountViews()]);
  const sites = terminals.filter((t) => t.role === 'edge' && t.status === 'active').length;
  const allowances: JsonValue[] = [];
  for (const a of accounts) {
    const slice = siteSlice(offlineAvailable(a), sites);
    if (slice.gt(Amount.ZERO)) allowances.push([a.id, slice.toString()]);
  }
  const site = terminals.filter((t) => t.role === undefined && t.status === 'active' && t.merchantId === edge.merchantId)
    .map((t) => ({ terminalId: t.terminalId, publicKey: { ...t.publicKey } }));
  return { edgeId: edge.terminalId, sites, asOf: txTime(ledger.ctx), allowances, terminals: site };
}

/**
 * Retires an edge (docs/edge.md): it leaves the slices at once (every other edge's slice is computed
 * again over the remaining active edges at its next sync) and gets no more slices; its approvals of
 * sales up to now still count when their batches arrive later; those of later sales do not. Retiring
 * a retired edge again answers as the first time. A revoked edge stays revoked: its key is distrusted.
 */
export async function retireEdge(ledger: Ledger, edgeId: string): Promise<JsonValue> {
  const edge = await ledger.terminal(parseTerminalId(edgeId));
  if (edge.role !== 'edge') throw new DomainError('INVALID_FIELD', `terminal ${edge.terminalId} is not an edge: only an edge is retired (revoke a terminal instead)`, { field: 'edgeId' });
  if (edge.status === 'revoked') throw new DomainError('TERMINAL_REVOKED', `edge ${edge.terminalId} is revoked: its approvals already count for nothing`);
  const retiredAt = edge.status === 'retired' && edge.retiredAt !== undefined ? edge.retiredAt : txTime(ledger.ctx);
  if (edge.status !== 'retired') {
    await ledger.write(K.terminal, [edge.terminalId], terminalToJson({ ...edge, status: 'retired', retiredAt }));
    await ledger.history('terminal', edge.terminalId, 'retired', { merchantId: edge.merchantId, publicKey: { ...edge.publicKey }, retiredAt });
  }
  const terminals = await ledger.all(K.terminal, [], terminalFromJson);
  const sites = terminals.filter((t) => t.role === 'edge' && t.status === 'active' && t.terminalId !== edge.terminalId).length;
  return { edgeId: edge.terminalId, merchantId: edge.merchantId, status: 'retired', retiredAt, activeEdges: sites };
}
