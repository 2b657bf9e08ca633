import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIssuerKey, type IssuerKey } from './issuer-key';
import { parsePublicJwk, type PublicJwk } from './jwk';
import { parseRiskPolicy } from './risk-policy';
import { parseStrictJson } from './strict-json';
import { isJsonObject } from './fields';
import type { KeyId } from './ids';
import type { VerifyContext } from './verify-record';

/** Location of the committed protocol v1 vectors. */
export const VECTORS_PATH = join(__dirname, '..', '..', 'test-vectors', 'protocol-v1.json');

/** The vector file as tests read it: raw cases plus a ready verification context. */
export interface LoadedVectors {
  readonly raw: {
    readonly records: readonly { name: string; record: unknown; jcs: string; digest: string; expect: { ok?: true; account?: string; reason?: string } }[];
    readonly batches: readonly { name: string; terminal: string; jws: string; expect: { error?: string; digest?: string; records?: number; anomalies?: string[] } }[];
    readonly privateKeys: Record<string, unknown>;
  };
  readonly ctx: VerifyContext;
  readonly terminalKeys: ReadonlyMap<string, PublicJwk>;
}

/** Loads and parses the committed vectors (test helper; the file is trusted test data, still parsed strictly). */
export function loadVectors(): LoadedVectors {
  const json = parseStrictJson(readFileSync(VECTORS_PATH, 'utf8'), { maxDepth: 12 });
  if (!isJsonObject(json) || !Array.isArray(json.issuerKeys) || !Array.isArray(json.terminals) || typeof json.now !== 'number') {
    throw new Error('vector file has the wrong shape');
  }
  const issuers = new Map<string, IssuerKey>(json.issuerKeys.map((k) => { const key = parseIssuerKey(k); return [key.keyId, key]; }));
  const terminalKeys = new Map<string, PublicJwk>(
    json.terminals.map((t) => {
      if (!isJsonObject(t) || typeof t.terminalId !== 'string') throw new Error('bad terminal entry');
      return [t.terminalId, parsePublicJwk(t.publicKey)];
    }),
  );
  const ctx: VerifyContext = { now: json.now, policy: parseRiskPolicy(json.policy), issuerKey: (id: KeyId) => issuers.get(id) };
  // The shape of the case lists is asserted case by case by the tests that read them.
  const raw = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as LoadedVectors['raw'];
  return { raw, ctx, terminalKeys };
}
