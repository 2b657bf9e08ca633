/** The simulator's view of the gateway API: plain HTTP, as a terminal fleet and the back office see it. */
export interface HttpResult {
  readonly status: number;
  readonly body: unknown;
}

/** Talks to one gateway over HTTP with role tokens. */
export class GatewayClient {
  constructor(
    readonly baseUrl: string,
    private readonly tokens: Readonly<Record<'operator' | 'finance' | 'registrar' | 'auditor', string>>,
  ) {}

  async request(method: string, path: string, as: keyof GatewayClient['tokens'] | undefined, body?: unknown): Promise<HttpResult> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...(as === undefined ? {} : { authorization: `Bearer ${this.tokens[as]}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
  }

  /** A call that must succeed; anything else stops the run with the problem. */
  async must(method: string, path: string, as: keyof GatewayClient['tokens'] | undefined, body?: unknown): Promise<unknown> {
    const r = await this.request(method, path, as, body);
    if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }
}
