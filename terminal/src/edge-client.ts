import { isJsonObject, type Amount, type Medium } from '@dol/chaincode';
import { signJws } from './jws-signer';
import { refusalOf, refusalText, type Refusal } from './refusal';
import type { SigningKey } from './signing-key';

/** What a terminal asks its edge before confirming a sale: write off (payer, ctr) for this amount. */
export interface ApprovalRequest {
  readonly terminalId: string;
  readonly medium: Medium;
  readonly payer: string;
  readonly account: string;
  readonly ctr: number;
  readonly amount: Amount;
  readonly at: number;
}

/**
 * The edge's answer: approved (the approval JWS goes into the record), refused on the spot (the
 * edge's code, and its detail as `message`), or no answer in time. An edge that answered with a
 * problem the terminal treats as no answer (401, 403, 5xx) is `unreachable` with that problem as
 * `refusal`, its code and detail kept.
 */
export type EdgeAnswer =
  | { readonly kind: 'approved'; readonly approval: string; readonly withinSlice: boolean }
  | { readonly kind: 'refused'; readonly code: 'ALREADY_USED' | 'OVER_SLICE' | 'DENY_LISTED' | 'INVALID_REQUEST'; readonly message: string }
  | { readonly kind: 'unreachable'; readonly reason: string; readonly refusal?: Refusal };

const REFUSALS = ['ALREADY_USED', 'OVER_SLICE', 'DENY_LISTED', 'INVALID_REQUEST'] as const;

/** What the terminal signs to ask its edge (docs/edge.md, "Who may ask"): the request, with `kid` = its id. */
export function signApprovalRequest(key: SigningKey, req: ApprovalRequest): string {
  return signJws(key, {
    typ: 'edge-approval-request', v: 1, terminalId: req.terminalId, medium: req.medium, payer: req.payer, account: req.account, ctr: req.ctr,
    amount: req.amount.toString(), at: req.at,
  }, { kid: req.terminalId });
}

/**
 * The terminal's side of the edge protocol (docs/edge.md): one POST per sale over the canteen's
 * local network, signed with the terminal's registered key. No answer within the policy's
 * `edgeTimeoutMs` (edge down, network cut, a 5xx), or an edge that does not know this terminal
 * (401, 403: not yet synced since it was registered), is `unreachable`: the terminal then decides
 * alone and marks the record so.
 */
export class EdgeClient {
  constructor(
    readonly edgeId: string,
    private readonly url: string,
  ) {}

  /** Asks the edge to approve one sale. */
  async approve(req: ApprovalRequest, timeoutMs: number, key: SigningKey): Promise<EdgeAnswer> {
    let response: Response;
    let body: unknown;
    try {
      response = await fetch(`${this.url}/v1/approvals`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(timeoutMs),
        body: JSON.stringify({ request: signApprovalRequest(key, req) }),
      });
      body = await response.json();
    } catch (error) {
      return { kind: 'unreachable', reason: error instanceof Error ? error.message : String(error) };
    }
    if (response.status === 200 && isJsonObject(body) && typeof body.approval === 'string' && typeof body.withinSlice === 'boolean') {
      return { kind: 'approved', approval: body.approval, withinSlice: body.withinSlice };
    }
    const refusal = refusalOf(response.status, body);
    const code = REFUSALS.find((c) => c === refusal.code);
    if ((response.status === 409 || response.status === 400) && code !== undefined) return { kind: 'refused', code, message: refusal.detail === '' ? code : refusal.detail };
    return { kind: 'unreachable', reason: `edge answered ${refusalText(refusal)}`, refusal };
  }
}
