import { DomainError, FieldReader, MEDIA, decodeJws, parseAccountId, parsePublicJwk, parseTerminalId, verifyJws, verifyKeyOf, type PublicJwk, type VerifyKey } from '@dol/chaincode';
import type { ApprovalRequest } from '@dol/terminal';

/** Why the edge would not open a request: not signed by a known key, not a terminal of this site, or malformed. */
export type RequestRefusal = 'UNAUTHENTICATED' | 'NOT_SITE_TERMINAL' | 'INVALID_REQUEST';

/** A request opened, or why not. */
export type OpenedRequest =
  | { readonly ok: true; readonly req: ApprovalRequest }
  | { readonly ok: false; readonly code: RequestRefusal; readonly message: string };

/** A terminal of the site as the centre lists it to the edge (GET /v1/edges/{edgeId}/allowances, `terminals`). */
export interface SiteTerminal {
  readonly terminalId: string;
  readonly publicKey: PublicJwk;
}

/** Largest signed request the edge reads: a few hundred characters in practice. */
const MAX_REQUEST_CHARS = 4096;

/** Parses the centre's list of the site's terminals; anything malformed throws. */
export function parseSiteTerminals(value: unknown): SiteTerminal[] {
  if (!Array.isArray(value)) throw new DomainError('INVALID_FIELD', 'terminals must be an array', { field: 'terminals' });
  return value.map((t) => {
    const r = FieldReader.of(t, 'terminal', ['terminalId', 'publicKey']);
    return { terminalId: r.parsed('terminalId', parseTerminalId), publicKey: r.parsed('publicKey', parsePublicJwk) };
  });
}

/** The request's fields, after its signature was checked. */
function parsePayload(value: unknown): ApprovalRequest {
  const r = FieldReader.of(value, 'approvalRequest', ['typ', 'v', 'terminalId', 'medium', 'payer', 'account', 'ctr', 'amount', 'at']);
  r.typ('edge-approval-request');
  r.version();
  return {
    terminalId: r.parsed('terminalId', parseTerminalId), medium: r.oneOf('medium', MEDIA), payer: r.parsed('payer', parseAccountId),
    account: r.parsed('account', parseAccountId), ctr: r.int('ctr'), amount: r.positiveAmount('amount'), at: r.int('at'),
  };
}

/**
 * The terminals of the edge's site (docs/edge.md, "Who may ask"): learnt at each sync with the
 * centre, with their registered keys. The edge opens an approval request only when one of them
 * signed it (a compact JWS, `kid` = the terminal's id) and it names that same terminal; a
 * terminal of another merchant, an unknown or revoked one, or a forged signature gets nothing.
 */
export class SiteTerminals {
  private readonly keys: Map<string, VerifyKey>;

  constructor(readonly list: readonly SiteTerminal[]) {
    this.keys = new Map(list.map((t) => [t.terminalId, verifyKeyOf(t.publicKey)]));
  }

  /** How many terminals the site has. */
  get size(): number {
    return this.keys.size;
  }

  /** Opens a request body `{request: "<JWS>"}`: checked signature first, then its fields. */
  open(body: unknown): OpenedRequest {
    const compact = typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 1 && 'request' in body ? body.request : undefined;
    if (typeof compact !== 'string') return { ok: false, code: 'UNAUTHENTICATED', message: 'an approval request is {"request": "<JWS>"}, signed with the terminal\'s registered key' };
    let jws;
    try {
      jws = decodeJws(compact, MAX_REQUEST_CHARS);
    } catch (error) {
      if (error instanceof DomainError) return { ok: false, code: 'UNAUTHENTICATED', message: `the request is not a signed request: ${error.message}` };
      throw error;
    }
    const key = jws.kid === undefined ? undefined : this.keys.get(jws.kid);
    if (key === undefined) {
      return { ok: false, code: 'NOT_SITE_TERMINAL', message: `${jws.kid ?? 'a request without kid'} is not an active terminal of this edge's site (as of its last sync; ${this.keys.size} known)` };
    }
    if (!verifyJws(jws, key)) return { ok: false, code: 'UNAUTHENTICATED', message: `the signature does not verify with ${jws.kid ?? ''}'s registered key` };
    try {
      const req = parsePayload(jws.payload);
      if (req.terminalId !== jws.kid) return { ok: false, code: 'UNAUTHENTICATED', message: `signed by ${jws.kid ?? ''} for another terminal (${req.terminalId})` };
      return { ok: true, req };
    } catch (error) {
      if (error instanceof DomainError) return { ok: false, code: 'INVALID_REQUEST', message: error.message };
      throw error;
    }
  }
}
