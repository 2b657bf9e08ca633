import { FieldReader, parseIssuerKey, parseMerchantId, parsePublicJwk, parseRiskPolicy, parseTerminalId, type IssuerKey, type PublicJwk, type RiskPolicy } from '@dol/chaincode';

/** An edge of the terminal's site, as the centre lists it. */
export interface SiteEdge {
  readonly edgeId: string;
  readonly publicKey: PublicJwk;
}

/**
 * What a terminal holds to decide offline, as `GET /v1/terminals/{terminalId}/offline-config`
 * serves it: the risk policy (with the offline limits), the issuer keys, the deny-list version and
 * the edges of its site. `asOf` is the centre's time when it was read.
 */
export interface OfflineConfig {
  readonly terminalId: string;
  readonly merchantId: string;
  readonly role: 'terminal' | 'edge';
  readonly asOf: number;
  readonly policy: RiskPolicy;
  readonly denyListVersion: number;
  readonly issuerKeys: readonly IssuerKey[];
  readonly edges: readonly SiteEdge[];
}

/** Parses the centre's answer; anything unexpected is refused with the field named. */
export function parseOfflineConfig(value: unknown): OfflineConfig {
  const r = FieldReader.of(value, 'offlineConfig', ['terminalId', 'merchantId', 'role', 'status', 'asOf', 'policy', 'denyListVersion', 'issuerKeys', 'edges']);
  const keys = r.raw('issuerKeys');
  const edges = r.raw('edges');
  if (!Array.isArray(keys) || !Array.isArray(edges)) throw new Error('offlineConfig.issuerKeys and .edges must be arrays');
  return {
    terminalId: r.parsed('terminalId', parseTerminalId),
    merchantId: r.parsed('merchantId', parseMerchantId),
    role: r.oneOf('role', ['terminal', 'edge'] as const),
    asOf: r.int('asOf'),
    policy: parseRiskPolicy(r.raw('policy')),
    denyListVersion: r.int('denyListVersion'),
    issuerKeys: keys.map((k) => parseIssuerKey(k)),
    edges: edges.map((e) => {
      const er = FieldReader.of(e, 'edge', ['edgeId', 'publicKey']);
      return { edgeId: er.parsed('edgeId', parseTerminalId), publicKey: er.parsed('publicKey', parsePublicJwk) };
    }),
  };
}
