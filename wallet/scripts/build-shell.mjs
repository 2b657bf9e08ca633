// After `tsc -b wallet`: copies the QR library (qrcode-generator's ES module build, MIT) to
// wallet/public/js/vendor/ and writes wallet/public/js/shell.js, the list of files the service
// worker precaches with a version hashed from their bytes (a new build, a new cache).
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log('usage: npm run build:wallet\n  After tsc -b wallet: copies the QR library into wallet/public/js/vendor/ and writes the service worker\'s app shell (wallet/public/js/shell.js).');
  process.exit(0);
}

const PUBLIC = join(dirname(fileURLToPath(import.meta.url)), '..', 'public');
const library = join(dirname(createRequire(import.meta.url).resolve('qrcode-generator')), 'qrcode.mjs');
mkdirSync(join(PUBLIC, 'js', 'vendor'), { recursive: true });
copyFileSync(library, join(PUBLIC, 'js', 'vendor', 'qrcode.mjs'));

// Everything the page loads; not the worker itself, nor tsc's build info.
const SKIP = new Set(['sw.js', join('js', 'shell.js')]);
const list = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
  const path = join(dir, e.name);
  if (e.isDirectory()) return list(path);
  const rel = relative(PUBLIC, path);
  return SKIP.has(rel) || e.name.startsWith('.') || e.name.endsWith('.map') ? [] : [rel.split(sep).join('/')];
});
const files = list(PUBLIC).sort();
const hash = createHash('sha256');
for (const f of files) hash.update(f).update('\0').update(readFileSync(join(PUBLIC, f))).update('\0');
const shell = { version: hash.digest('hex').slice(0, 16), files };
writeFileSync(join(PUBLIC, 'js', 'shell.js'), `// Written by wallet/scripts/build-shell.mjs: the app shell the service worker precaches.\nself.WALLET_SHELL = ${JSON.stringify(shell, null, 1)};\n`);
console.log(`wallet shell ${shell.version}: ${String(files.length)} files, QR library from ${library}`);
