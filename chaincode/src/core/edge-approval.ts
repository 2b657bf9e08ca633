import type { Amount } from './amount';
import { DomainError } from './errors';
import { FieldReader } from './fields';
import { parseTerminalId, type TerminalId } from './ids';
import type { VerifyKey } from './jwk';
import { decodeJws, verifyJws } from './jws';
import { MAX_EPOCH_MS, type EpochMs } from './time';

/**
 * What a sale record says of the site's edge node (protocol v1 edge extension, docs/edge.md): it
 * approved the sale (the approval JWS it signed), or the terminal could not reach it and decided
 * alone. A record without the field is a plain v1 record.
 */
export type EdgeMark =
  | { readonly status: 'approved'; readonly approval: string }
  | { readonly status: 'unreachable'; readonly edgeId: TerminalId };

/** The edge's signed approval of one sale: it wrote off (payer, ctr) for this terminal and amount. */
export interface EdgeApproval {
  readonly typ: 'edge-approval';
  readonly v: 1;
  readonly edgeId: TerminalId;
  readonly terminalId: TerminalId;
  /** The medium's id for a code or tap, the account for a face. */
  readonly payer: string;
  /** The code's or tap's counter; 0 for a face. */
  readonly ctr: number;
  readonly amount: Amount;
  readonly iat: EpochMs;
  /** True when the sale fitted the student's slice at the edge; false for an advance the policy let through. */
  readonly withinSlice: boolean;
}

/** Longest approval JWS. */
export const MAX_APPROVAL_CHARS = 2048;

/** Parses a record's `edge` field. */
export function parseEdgeMark(value: unknown): EdgeMark {
  const status = FieldReader.of(value, 'record.edge', ['status'], ['approval', 'edgeId']).oneOf('status', ['approved', 'unreachable'] as const);
  if (status === 'approved') {
    const r = FieldReader.of(value, 'record.edge', ['status', 'approval']);
    const approval = r.string('approval', /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'a compact JWS');
    if (approval.length > MAX_APPROVAL_CHARS) throw new DomainError('INVALID_FIELD', `record.edge.approval exceeds ${MAX_APPROVAL_CHARS} characters`, { field: 'approval' });
    return { status, approval };
  }
  return { status, edgeId: FieldReader.of(value, 'record.edge', ['status', 'edgeId']).parsed('edgeId', parseTerminalId) };
}

/** Parses an approval payload. */
export function parseEdgeApproval(value: unknown): EdgeApproval {
  const r = FieldReader.of(value, 'edgeApproval', ['typ', 'v', 'edgeId', 'terminalId', 'payer', 'ctr', 'amount', 'iat', 'withinSlice']);
  r.typ('edge-approval');
  const within = r.raw('withinSlice');
  if (typeof within !== 'boolean') throw new DomainError('INVALID_FIELD', 'edgeApproval.withinSlice must be a boolean', { field: 'withinSlice' });
  return {
    typ: 'edge-approval', v: r.version(), edgeId: r.parsed('edgeId', parseTerminalId), terminalId: r.parsed('terminalId', parseTerminalId),
    payer: r.string('payer', /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'an identifier'), ctr: r.int('ctr'), amount: r.positiveAmount('amount'),
    iat: r.int('iat', 0, MAX_EPOCH_MS), withinSlice: within,
  };
}

/** What the ledger found of a record's edge mark. */
export type EdgeFinding = 'approved' | 'approved-over-slice' | 'unreachable' | 'invalid';

/** The sale an approval must name. */
export interface ApprovedSale {
  readonly terminalId: TerminalId;
  readonly payer: string;
  readonly ctr: number;
  readonly amount: Amount;
  readonly at: EpochMs;
}

/** The edge that signed an approval (its header `kid`), read before the edge's key is looked up. */
export function approvalSigner(mark: EdgeMark): string | undefined {
  if (mark.status !== 'approved') return undefined;
  try {
    return decodeJws(mark.approval).kid;
  } catch (error) {
    if (error instanceof DomainError) return undefined;
    throw error;
  }
}

/**
 * Judges an edge mark: an approval counts only if the registered key of an edge that served at the
 * sale's time signed it (`edgeKey` is asked with the sale's time: a retired edge's approvals of sales
 * before its retirement still count) and it names this very sale (terminal, payer, counter, amount,
 * and a time within the skew of the sale's).
 */
export function judgeEdgeMark(mark: EdgeMark, sale: ApprovedSale, edgeKey: (edgeId: string, saleAt: EpochMs) => VerifyKey | undefined, maxSkewMs: number): EdgeFinding {
  if (mark.status === 'unreachable') return 'unreachable';
  try {
    const jws = decodeJws(mark.approval);
    const key = jws.kid === undefined ? undefined : edgeKey(jws.kid, sale.at);
    if (key === undefined || !verifyJws(jws, key)) return 'invalid';
    const a = parseEdgeApproval(jws.payload);
    const names = a.edgeId === jws.kid && a.terminalId === sale.terminalId && a.payer === sale.payer && a.ctr === sale.ctr && a.amount.equals(sale.amount);
    if (!names || Math.abs(a.iat - sale.at) > maxSkewMs) return 'invalid';
    return a.withinSlice ? 'approved' : 'approved-over-slice';
  } catch (error) {
    if (error instanceof DomainError) return 'invalid';
    throw error;
  }
}
