import { FieldReader, isJsonObject } from '@dol/chaincode';
import type { DenyList } from './acceptance';

/**
 * The deny list from the centre's answer (`GET /v1/deny-list?since=0`: `{version, entries}`, each
 * entry `{kind: "medium" | "account", id, ...}`) or from the site edge's (`GET /v1/deny-list`:
 * `{version, media, accounts}`), as the acceptance engine holds it.
 */
export function parseDenyList(value: unknown): DenyList {
  if (isJsonObject(value) && 'entries' in value) {
    const r = FieldReader.of(value, 'denyList', ['version', 'entries']);
    const entries = r.raw('entries');
    if (!Array.isArray(entries)) throw new Error('denyList.entries must be an array');
    const media = new Set<string>();
    const accounts = new Set<string>();
    for (const e of entries) {
      if (!isJsonObject(e) || typeof e.id !== 'string') throw new Error('a deny-list entry lacks its id');
      (e.kind === 'account' ? accounts : media).add(e.id);
    }
    return { version: r.int('version'), media, accounts };
  }
  const r = FieldReader.of(value, 'denyList', ['version', 'media', 'accounts']);
  const list = (k: string): Set<string> => {
    const v = r.raw(k);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`denyList.${k} must be a list of ids`);
    return new Set(v.filter((x): x is string => typeof x === 'string'));
  };
  return { version: r.int('version'), media: list('media'), accounts: list('accounts') };
}
