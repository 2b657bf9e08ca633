import { DomainError } from './errors';
import { LONE_SURROGATE } from './strict-json';

/**
 * RFC 8785 (JCS) canonical JSON for the values the protocol uses: strings, safe integers,
 * booleans, null, arrays and objects. Keys sort by UTF-16 code units; strings escape as ECMAScript's
 * JSON.stringify does, which is what JCS prescribes. https://www.rfc-editor.org/rfc/rfc8785
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new DomainError('INVALID_UTF8', 'string holds a lone surrogate');
      return JSON.stringify(value);
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new DomainError('INVALID_NUMBER', 'only safe integers are canonicalised');
      }
      return Object.is(value, -0) ? '0' : String(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${canonicalJson(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new DomainError('INVALID_FIELD', `cannot canonicalise a ${typeof value}`);
  }
}
