import { z } from 'zod';
import { CodedError, DomainError, LEDGER_CODES, STRUCTURAL_CODES } from '@dol/chaincode';
import { ApiError } from '../errors';
import { PROBLEM_CODES, isCatalogued, type ProblemCode } from '../error-catalogue';
import { LedgerError } from '../ledger/ledger-port';
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

describe('errorInfo of the error family (one base, CodedError; the status only from the catalogue)', () => {
  it('gives each layer\'s error its code, and the status the catalogue gives that code', () => {
    const cases: [unknown, string][] = [
      [new ApiError('CONTENTION', 'held', 1), 'CONTENTION'],
      [new ApiError('UNKNOWN_TERMINAL', 'terminal t is not registered'), 'UNKNOWN_TERMINAL'],
      [new DomainError('BAD_SIGNATURE', 'does not verify'), 'BAD_SIGNATURE'],
      [new LedgerError('refused', 'chaincode response 500, FOUR_EYES_REQUIRED: a second registrar', 'FOUR_EYES_REQUIRED'), 'FOUR_EYES_REQUIRED'],
      [new LedgerError('refused', 'an entry is not an object'), 'REFUSED'],
      [new LedgerError('retryable', 'transaction x invalid: MVCC_READ_CONFLICT', 'MVCC_READ_CONFLICT'), 'CONTENTION'],
      [new LedgerError('retryable', 'endorsers disagree'), 'LEDGER_UNAVAILABLE'],
      [new LedgerError('unavailable', '14 UNAVAILABLE'), 'LEDGER_UNAVAILABLE'],
    ];
    for (const [error, code] of cases) {
      expect(error).toBeInstanceOf(CodedError);
      expect(errorInfo(error)).toMatchObject({ code, status: PROBLEM_CODES[code as ProblemCode].status });
    }
    expect(errorInfo(new ApiError('CONTENTION', 'held', 1))).toMatchObject({ status: 409, retryAfterSeconds: 1 });
    expect(errorInfo(new LedgerError('retryable', 'invalid', 'PHANTOM_READ_CONFLICT'))).toMatchObject({ status: 409, code: 'CONTENTION', retryAfterSeconds: 1 });
    expect(errorInfo(new DomainError('BAD_SIGNATURE', 'does not verify'))).toEqual({ status: 422, code: 'BAD_SIGNATURE', detail: 'does not verify' });
  });

  it('gives every code of the domain core its catalogue status: none falls outside the catalogue', () => {
    for (const code of [...STRUCTURAL_CODES, ...LEDGER_CODES]) {
      expect({ code, catalogued: isCatalogued(code) }).toEqual({ code, catalogued: true });
      expect(errorInfo(new DomainError(code, 'x'))?.status).toBe(PROBLEM_CODES[code].status);
    }
  });

  it('answers a code outside the catalogue 500: a defect the catalogue test catches at its source', () => {
    expect(isCatalogued('NOT_A_CODE')).toBe(false);
    expect(errorInfo(new LedgerError('refused', 'chaincode response 500, NOT_A_CODE: x', 'NOT_A_CODE'))).toMatchObject({ status: 500, code: 'NOT_A_CODE' });
  });

  it('has no status of its own: ApiError reads the catalogue\'s', () => {
    expect(new ApiError('TERMINAL_REVOKED', 'revoked').status).toBe(PROBLEM_CODES.TERMINAL_REVOKED.status);
  });
});
