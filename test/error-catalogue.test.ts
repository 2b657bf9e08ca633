import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LEDGER_CODES, LEDGER_REJECT_REASONS, REJECT_REASONS, STRUCTURAL_CODES } from '@dol/chaincode';
import { BODY_LIMITS, PROBLEM_CODES, RECORD_REASONS, ROUTES, SETTLE_FLAGS, openApi, renderErrorCatalogue } from '@dol/gateway-api';
import { withRoleTable } from '@dol/bench';

/**
 * The error catalogue is the single source: every code the product's source can emit is in it,
 * and everything in it can be emitted by some line of the product. Emission sites are read from
 * the source of what ships (chaincode/src, gateway-api/src; tests and test support excluded).
 */
const ROOT = join(__dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'testing' ? [] : sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const product = [...sources(join(ROOT, 'chaincode', 'src')), ...sources(join(ROOT, 'gateway-api', 'src'))]
  .filter((f) => !f.endsWith('error-catalogue.ts') && !f.endsWith(join('core', 'errors.ts')));
const text = product.map((f) => readFileSync(f, 'utf8')).join('\n');
const all = (re: RegExp, within = text): Set<string> => new Set([...within.matchAll(re)].map((m) => m[1] ?? ''));
/** Where the gateway turns failures into problems and batch errors: codes appear there as `code: 'X'`, `?? 'X'`, `return 'X'`. */
const mapping = [
  // ledger-port.ts names the code of a ledger failure (CONTENTION for a transaction MVCC kept invalidating).
  ...['http/routes.ts', 'http/app.ts', 'intake/intake-worker.ts', 'ledger/ledger-port.ts'].map((f) => join(ROOT, 'gateway-api', 'src', f)),
  join(ROOT, 'chaincode', 'src', 'settlement', 'issuance.ts'), // the issuing side's refusals, `{ ok: false, code: 'X' }`
].map((f) => readFileSync(f, 'utf8')).join('\n');

const CODE = "'([A-Z][A-Z0-9_]{2,40})'";
const problemsEmitted = new Set([
  ...all(new RegExp(`new DomainError\\(\\s*${CODE}`, 'g')),
  ...all(new RegExp(`new ApiError\\(\\s*${CODE}`, 'g')),
  ...all(new RegExp(`sendProblem\\(\\s*res,\\s*${CODE}`, 'g')),
  ...all(new RegExp(`refuseEarly\\(\\s*res,\\s*${CODE}`, 'g')),
  ...all(new RegExp(`new LedgerError\\([^;]*?,\\s*${CODE}\\)`, 'g')),
  ...all(new RegExp(`code: ${CODE}`, 'g'), mapping),
  ...all(new RegExp(`\\?\\? ${CODE}`, 'g'), mapping),
  ...all(new RegExp(`return ${CODE};`, 'g'), mapping),
]);
const reasonsEmitted = new Set([...all(new RegExp(`new Reject\\(\\s*${CODE}`, 'g')), ...all(new RegExp(`reject\\(\\s*${CODE}`, 'g'))]);
// Flags are pushed where they are decided; the edge's come from one mapping (settle-batch.ts edgeFlag), the certificate's from another (issuance.ts certFinding).
const flagsEmitted = new Set([...all(/flags\.push\('([a-z-]+)'\)/g), ...all(/return '(edge-[a-z-]+)';/g), ...all(/return '(cert-[a-z-]+)';/g)]);

describe('error catalogue (gateway-api/src/error-catalogue.ts)', () => {
  it('holds every problem code the product can emit, and emits every code it holds', () => {
    const listed = new Set(Object.keys(PROBLEM_CODES));
    expect([...problemsEmitted].filter((c) => !listed.has(c) && !(c in RECORD_REASONS)).sort()).toEqual([]);
    expect([...listed].filter((c) => !problemsEmitted.has(c)).sort()).toEqual([]);
  });

  it('gives every error status: no line of the product writes a status beside a code, nor a sentinel', () => {
    expect(text.match(/new ApiError\(\s*\d|sendProblem\(\s*res,\s*\d|refuseEarly\(\s*res,\s*\d|status: -1/g) ?? []).toEqual([]);
  });

  it('holds every per-record reason and flag the settlement can give, and no other', () => {
    expect([...reasonsEmitted].sort()).toEqual(Object.keys(RECORD_REASONS).sort());
    expect([...flagsEmitted].sort()).toEqual(Object.keys(SETTLE_FLAGS).sort());
    expect(Object.keys(RECORD_REASONS).sort()).toEqual([...REJECT_REASONS, ...LEDGER_REJECT_REASONS].sort());
  });

  it('covers the domain core\'s closed code lists', () => {
    for (const code of [...STRUCTURAL_CODES, ...LEDGER_CODES]) expect({ code, listed: code in PROBLEM_CODES }).toEqual({ code, listed: true });
  });

  it('is served by the OpenAPI document and rendered in docs/errors.md (npm run docs)', () => {
    const doc = openApi(ROUTES) as { components: { schemas: { Problem: { properties: { code: { enum: string[] } } } } }; 'x-error-catalogue': { problems: { code: string; status: number }[] } };
    expect(doc.components.schemas.Problem.properties.code.enum.sort()).toEqual(Object.keys(PROBLEM_CODES).sort());
    expect(doc['x-error-catalogue'].problems.map((p) => [p.code, p.status])).toEqual(Object.entries(PROBLEM_CODES).map(([c, e]) => [c, e.status]));
    expect(readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8')).toBe(renderErrorCatalogue());
  });

  it('says which bodies are too large with the limits the routes enforce: BATCH_TOO_LARGE only for batch uploads', () => {
    const batch = PROBLEM_CODES.BATCH_TOO_LARGE.where;
    expect(batch).not.toContain('any request body');
    expect(batch).toContain(`POST /v1/batches: a body over ${String(BODY_LIMITS.batch / (1024 * 1024))} MiB`);
    expect(PROBLEM_CODES.BODY_TOO_LARGE.where).toContain(`(${String(BODY_LIMITS.staff / 1024)} KiB; ${String(BODY_LIMITS.import / 1024)} KiB for the bulk writes`);
  });

  it('docs/gateway.md holds the role table generated from the routes (npm run docs)', () => {
    const md = readFileSync(join(ROOT, 'docs', 'gateway.md'), 'utf8');
    expect(md).toBe(withRoleTable(md));
  });
});
