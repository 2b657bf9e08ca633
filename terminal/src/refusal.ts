import { CodedError, isJsonObject } from '@dol/chaincode';

/**
 * A refusal as the centre's gateway or the site's edge answers it: an RFC 9457 problem with the
 * catalogue's code for programs and a detail for people (docs/errors.md; the edge's in docs/edge.md).
 */
export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
}

/** The refusal an answer carries: its code and detail (`UNKNOWN` and empty when the body has none). */
export function refusalOf(status: number, body: unknown): Refusal {
  const code = isJsonObject(body) && typeof body.code === 'string' ? body.code : 'UNKNOWN';
  const detail = isJsonObject(body) && typeof body.detail === 'string' ? body.detail : '';
  return { status, code, detail };
}

/** A refusal in words: `HTTP 409 ALREADY_USED: counter 4 was used at pos-2`. */
export function refusalText(r: Refusal): string {
  return `HTTP ${String(r.status)} ${r.code}${r.detail === '' ? '' : `: ${r.detail}`}`;
}

/**
 * A request of the terminal that failed, as its caller catches it: the terminal's member of the
 * error family (CodedError), with the code and detail of the last answer (`refusal`), or
 * `UNREACHABLE` when nothing answered.
 */
export class TerminalRequestError extends CodedError {
  override readonly name = 'TerminalRequestError';
  constructor(
    message: string,
    readonly refusal?: Refusal,
  ) {
    super(refusal?.code ?? 'UNREACHABLE', message);
  }
}
