/**
 * `npm run docs`: writes the documents generated from the code: docs/errors.md from the error
 * catalogue, and the role table of docs/gateway.md from the route table. test/docs.test.ts fails
 * when either is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROUTES, renderErrorCatalogue, renderRoleTable } from '@dol/gateway-api';

const USAGE = `usage: npm run docs
  Rewrites docs/errors.md from the error catalogue and the role table of docs/gateway.md from the
  route table; the tests fail when either is stale. No options.
`;
if (require.main === module && (process.argv.includes('--help') || process.argv.includes('-h'))) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const ROOT = resolve(__dirname, '..', '..');

/** docs/gateway.md with its role table block replaced by the current one. */
export function withRoleTable(text: string): string {
  const begin = '<!-- roles:begin -->';
  const end = '<!-- roles:end -->';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error('docs/gateway.md lacks the roles:begin/roles:end markers');
  return `${text.slice(0, a + begin.length)}\n${renderRoleTable(ROUTES)}\n${text.slice(b)}`;
}

if (require.main === module) {
  writeFileSync(join(ROOT, 'docs', 'errors.md'), renderErrorCatalogue());
  const gatewayMd = join(ROOT, 'docs', 'gateway.md');
  writeFileSync(gatewayMd, withRoleTable(readFileSync(gatewayMd, 'utf8')));
  process.stdout.write('wrote docs/errors.md and the role table of docs/gateway.md\n');
}
