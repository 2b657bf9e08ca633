import { z } from 'zod';
import type { LedgerPort } from '../ledger/ledger-port';
import { route, type Call, type Deps } from './route-kit';

describe('route(): a handler receives its body typed from the route schema', () => {
  const body = z.strictObject({ account: z.string(), amounts: z.array(z.string()).min(1) });
  const r = route({ id: 'example', method: 'post', path: '/v1/example', roles: ['operator'], ok: [200], summary: 'an example', body,
    handle: (call) => Promise.resolve({ status: 200, body: { account: call.body.account, first: call.body.amounts[0] ?? null } }) });
  const call = (b: unknown): Call => ({ caller: undefined, params: {}, query: {}, body: b, deps: { ledger: { kind: 'embedded' } as LedgerPort } as Deps });

  it('keeps the route table shape the OpenAPI and role-table generators read', () => {
    expect(r).toMatchObject({ id: 'example', method: 'post', path: '/v1/example', roles: ['operator'], ok: [200], summary: 'an example' });
    expect(r.body).toBe(body);
  });

  it('hands the parsed body to the handler', async () => {
    await expect(r.handle(call({ account: 'a-1', amounts: ['5'] }))).resolves.toEqual({ status: 200, body: { account: 'a-1', first: '5' } });
  });

  it('refuses a body its schema refuses, should the app ever pass one on', () => {
    expect(() => r.handle(call({ account: 'a-1', amounts: [] }))).toThrow(z.ZodError);
  });
});
