/**
 * Every command of package.json answers `--help` with its usage and does nothing else (README
 * "Commands"). The commands are read from package.json, so a new one without --help fails here.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
/** The project's own entry point of each npm script: its last `node <file>` or `bash <file>` (tsc, eslint and jest have their own --help). */
const entries = Object.entries(scripts).flatMap(([name, command]) => {
  const m = /(?:^|&& |; )(?:[A-Z_]+=\S+ )*(node|bash) (\S+)(?: (start|stop|up|down|status))?[^&;]*$/.exec(command);
  return m === null ? [] : [{ name, program: m[1] === 'node' ? process.execPath : 'bash', file: m[2] ?? '', sub: m[3] }];
});

describe('--help', () => {
  it('covers every npm script that runs a project file', () => {
    expect(entries.map((e) => e.name).sort()).toEqual(Object.keys(scripts).filter((n) => !['build', 'typecheck', 'lint', 'test:unit'].includes(n)).sort());
  });

  it.each(entries)('npm run $name -- --help prints its usage and exits 0', ({ program, file, sub }) => {
    const r = spawnSync(program, [file, ...(sub === undefined ? [] : [sub]), '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).not.toMatch(/ERROR|failed/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/usage|Usage|bash scripts\//);
    expect(r.stdout.length).toBeLessThan(4000);
  });
});
