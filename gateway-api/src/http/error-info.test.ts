import { z } from 'zod';
import { errorInfo } from './error-info';

/** The code and detail errorInfo gives a body that fails this schema, parsed as app.ts parses bodies. */
function fault(schema: z.ZodType, body: unknown): { code: string; detail: string } | undefined {
  const parsed = schema.safeParse(body, { reportInput: true });
  const info = parsed.success ? undefined : errorInfo(parsed.error);
  return info === undefined ? undefined : { code: info.code, detail: info.detail };
}

describe('errorInfo of a field limited to a set of values', () => {
  const enumBody = z.strictObject({ status: z.enum(['active', 'revoked']) });
  const literalBody = z.strictObject({ kind: z.union([z.literal('a'), z.literal('b')]) });

  it.each([
    ['missing', {}, 'MISSING_FIELD'], ['a number', { status: 1 }, 'WRONG_TYPE'], ['an array', { status: ['active'] }, 'WRONG_TYPE'],
    ['null', { status: null }, 'WRONG_TYPE'], ['a string outside the set', { status: 'paused' }, 'INVALID_FIELD'],
  ])('gives an enum field sent as %s the code %s, as every other field', (_sent, body, code) => {
    expect(fault(enumBody, body)?.code).toBe(code);
  });

  it.each([['missing', {}, 'MISSING_FIELD'], ['a number', { kind: 3 }, 'WRONG_TYPE'], ['a string outside the set', { kind: 'c' }, 'INVALID_FIELD']])(
    'gives a union of literals sent as %s the code %s', (_sent, body, code) => {
      expect(fault(literalBody, body)?.code).toBe(code);
    },
  );

  it('says in the detail which fault it is and the values allowed, never the code', () => {
    expect(fault(enumBody, {})?.detail).toBe('status: missing; expected one of "active", "revoked"');
    expect(fault(enumBody, { status: 1 })?.detail).toBe('status: expected one of "active", "revoked", received number');
    expect(fault(enumBody, { status: 'paused' })?.detail).toBe('status: expected one of "active", "revoked"');
  });

  it('keeps INVALID_FIELD when the parse did not report its input (the fault cannot be told apart)', () => {
    const parsed = enumBody.safeParse({ status: 1 });
    expect(parsed.success ? undefined : errorInfo(parsed.error)?.code).toBe('INVALID_FIELD');
  });

  it('still gives other fields their codes: a missing string MISSING_FIELD, a number for a string WRONG_TYPE', () => {
    const named = z.strictObject({ name: z.string() });
    expect([fault(named, {})?.code, fault(named, { name: 5 })?.code, fault(named, { name: 'x', extra: 1 })?.code]).toEqual(['MISSING_FIELD', 'WRONG_TYPE', 'UNKNOWN_FIELD']);
  });
});
