import { FieldReader, isJsonObject } from '@dol/chaincode';
import type { DenyList } from './acceptance';

/** The most entries a deny list may hold: a bound on what a sync reads (every card of a campus, several times over). */
const MAX_ENTRIES = 1_000_000;

/**
 * The deny list from the centre's answer (`GET /v1/deny-list?since=0`: `{version, entries}`, each
 * entry `{version, kind: "medium" | "account", id, ...}`) or from the site edge's (`GET /v1/deny-list`:
 * `{version, media, accounts}`), as the acceptance engine holds it. The centre's entries are a log
 * replayed in version order: an entry with `action: "lift"` (the operator lifted an earlier one)
 * takes its id off the list again; any other entry puts it on.
 */
export function parseDenyList(value: unknown): DenyList {
  if (isJsonObject(value) && 'entries' in value) {
    const r = FieldReader.of(value, 'denyList', ['version', 'entries']);
    const entries = r.raw('entries');
    if (!Array.isArray(entries)) throw new Error('denyList.entries must be an array');
    if (entries.length > MAX_ENTRIES) throw new Error(`denyList.entries holds more than ${String(MAX_ENTRIES)} entries`);
    const media = new Set<string>();
    const accounts = new Set<string>();
    const log = entries.map((e: unknown) => {
      if (!isJsonObject(e) || typeof e.id !== 'string') throw new Error('a deny-list entry lacks its id');
      return { version: typeof e.version === 'number' ? e.version : 0, id: e.id, set: e.kind === 'account' ? accounts : media, lift: e.action === 'lift' };
    });
    // Replayed in version order whatever order they came in: a lift must follow what it lifts.
    for (const e of log.sort((a, b) => a.version - b.version)) {
      if (e.lift) e.set.delete(e.id);
      else e.set.add(e.id);
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
