import { DomainError } from './errors';
import { LONE_SURROGATE } from './strict-json';

/**
 * RFC 8785 (JCS) canonical JSON for the values the protocol uses: strings, safe integers,
 * booleans, null, arrays and objects. Keys sort by UTF-16 code units; strings escape as ECMAScript's
 * JSON.stringify does, which is what JCS prescribes. https://www.rfc-editor.org/rfc/rfc8785
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join('');
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function writeString(value: string, out: string[]): void {
  if (LONE_SURROGATE.test(value)) throw new DomainError('INVALID_UTF8', 'string holds a lone surrogate');
  out.push(JSON.stringify(value));
}

/** Appends the canonical form to `out` (one join at the end instead of a string per level). */
function write(value: unknown, out: string[]): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'string':
      writeString(value, out);
      return;
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new DomainError('INVALID_NUMBER', 'only safe integers are canonicalised');
      }
      out.push(Object.is(value, -0) ? '0' : String(value));
      return;
    case 'object': {
      if (Array.isArray(value)) {
        out.push('[');
        value.forEach((item, i) => {
          if (i > 0) out.push(',');
          write(item, out);
        });
        out.push(']');
        return;
      }
      const object = value as Record<string, unknown>;
      const keys = Object.keys(object).filter((k) => object[k] !== undefined).sort(byCodeUnits);
      out.push('{');
      keys.forEach((key, i) => {
        if (i > 0) out.push(',');
        writeString(key, out);
        out.push(':');
        write(object[key], out);
      });
      out.push('}');
      return;
    }
    default:
      throw new DomainError('INVALID_FIELD', `cannot canonicalise a ${typeof value}`);
  }
}
