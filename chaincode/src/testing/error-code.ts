import { DomainError } from '../core/errors';

/** Test support: the DomainError code `fn` throws, 'OK' when it returns; any other error is rethrown. */
export function errorCodeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return 'OK';
}
