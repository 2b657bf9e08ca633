/** The simulator's view of the gateway API: plain HTTP, as a terminal fleet and the back office see it. */
export interface HttpResult {
  readonly status: number;
  readonly body: unknown;
}

/** Codes of a connection that closed under a call before any answer came. */
const RESET_CODES: ReadonlySet<string> = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/**
 * fetch, once more on a fresh connection when the one it took was closed under it before any
 * answer: the gateway closes a kept-alive connection after DOL_KEEP_ALIVE_TIMEOUT_MS idle, and a
 * client whose thread was busy for longer (signing an hour of sales) may still take it from its
 * pool. The gateway never read such a request, so sending it again is no second request.
 */
export async function fetchRetryingResets(url: string, init: RequestInit, onReset?: () => void): Promise<Response> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fetch(url, init);
    } catch (error) {
      const cause: unknown = error instanceof Error ? error.cause : undefined;
      const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : '';
      if (!RESET_CODES.has(code) || attempt >= 3) throw error;
      onReset?.();
      // Let the pool see the closed connections before the next try.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/**
 * Talks to one gateway over HTTP with role tokens; batch uploads may be spread, round robin, over
 * several gateway processes of the same organisation (`uploadUrls`), as a terminal fleet behind a
 * load balancer would.
 */
export class GatewayClient {
  private next = 0;

  constructor(
    readonly baseUrl: string,
    private readonly tokens: Readonly<Record<'operator' | 'finance' | 'registrar' | 'auditor', string>>,
    private readonly uploadUrls: readonly string[] = [],
    /** Where each role's calls go when the roles are served by different gateways (one per organisation on Fabric). */
    private readonly roleUrls: Readonly<Partial<Record<'operator' | 'finance' | 'registrar' | 'auditor', string>>> = {},
  ) {}

  private urlFor(method: string, path: string, as: keyof GatewayClient['tokens'] | undefined): string {
    if (as !== undefined) return this.roleUrls[as] ?? this.baseUrl;
    if (method !== 'POST' || path !== '/v1/batches' || this.uploadUrls.length === 0) return this.baseUrl;
    const url = this.uploadUrls[this.next % this.uploadUrls.length] ?? this.baseUrl;
    this.next += 1;
    return url;
  }

  /** The gateway a role's calls go to. */
  urlOf(as: keyof GatewayClient['tokens']): string {
    return this.roleUrls[as] ?? this.baseUrl;
  }

  async request(method: string, path: string, as: keyof GatewayClient['tokens'] | undefined, body?: unknown): Promise<HttpResult> {
    const res = await fetchRetryingResets(`${this.urlFor(method, path, as)}${path}`, {
      method,
      headers: { ...(as === undefined ? {} : { authorization: `Bearer ${this.tokens[as]}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
  }

  /** A student's call (their own bearer token) to the operator's gateway, where the issuer service and /v1/me live; it must succeed. */
  async asStudent(method: string, path: string, token: string | undefined, body?: unknown): Promise<unknown> {
    const res = await fetchRetryingResets(`${this.urlOf('operator')}${path}`, {
      method,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return text === '' ? null : (JSON.parse(text) as unknown);
  }

  /** A file the API serves (a CSV download); it must succeed. */
  async file(path: string, as: keyof GatewayClient['tokens']): Promise<string> {
    const res = await fetchRetryingResets(`${this.urlFor('GET', path, as)}${path}`, { headers: { authorization: `Bearer ${this.tokens[as]}` } });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`GET ${path} answered ${res.status}: ${text}`);
    return text;
  }

  /** A call that must succeed; anything else stops the run with the problem. */
  async must(method: string, path: string, as: keyof GatewayClient['tokens'] | undefined, body?: unknown): Promise<unknown> {
    const r = await this.request(method, path, as, body);
    if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }
}
