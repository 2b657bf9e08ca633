import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { OIDC_ENV, loadOidcConfig, oidcEnvIssues } from './oidc-config';

describe('OIDC configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dol-oidc-config-'));
  const parse = (env: Record<string, string>) => z.object(OIDC_ENV).parse(env);
  const publicClient = {
    DOL_OIDC_ISSUER: 'https://id.campus.example', DOL_OIDC_CLIENT_ID: 'wallet', DOL_OIDC_REDIRECT_URI: 'https://pay.campus.example/v1/oidc/callback',
    DOL_OIDC_COOKIE_KEY_FILE: join(dir, 'key'),
  };
  const full = { ...publicClient, DOL_OIDC_CLIENT_SECRET_FILE: join(dir, 'secret') };
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is off without DOL_OIDC_ISSUER, and then refuses the other variables', () => {
    expect(oidcEnvIssues(parse({}))).toEqual([]);
    expect(loadOidcConfig(parse({}))).toBeUndefined();
    expect(oidcEnvIssues(parse({ DOL_OIDC_CLIENT_ID: 'wallet' })).map((i) => i.path)).toEqual(['DOL_OIDC_CLIENT_ID']);
  });

  it('lists every problem at once: missing variables, plain HTTP off loopback, a callback elsewhere than /v1/oidc/callback', () => {
    expect(oidcEnvIssues(parse({ DOL_OIDC_ISSUER: 'http://id.campus.example', DOL_OIDC_REDIRECT_URI: 'http://pay.campus.example/callback' }))).toEqual([
      { path: 'DOL_OIDC_CLIENT_ID', message: 'required with DOL_OIDC_ISSUER' },
      { path: 'DOL_OIDC_COOKIE_KEY_FILE', message: 'required with DOL_OIDC_ISSUER' },
      { path: 'DOL_OIDC_ISSUER', message: expect.stringMatching(/must be https/) as unknown },
      { path: 'DOL_OIDC_REDIRECT_URI', message: expect.stringMatching(/must be https/) as unknown },
      { path: 'DOL_OIDC_REDIRECT_URI', message: 'must end in /v1/oidc/callback, without query or fragment' },
    ]);
    expect(oidcEnvIssues(parse({ ...full, DOL_OIDC_ISSUER: 'http://127.0.0.1:9000', DOL_OIDC_REDIRECT_URI: 'http://localhost:8080/v1/oidc/callback' }))).toEqual([]);
    expect(() => parse({ DOL_OIDC_SCOPES: 'profile email' })).toThrow(/openid/);
  });

  it('reads the secret files only when their owner alone may read them, and a cookie key of 32 bytes or more', () => {
    writeFileSync(full.DOL_OIDC_CLIENT_SECRET_FILE, 's3cret\n', { mode: 0o600 });
    writeFileSync(full.DOL_OIDC_COOKIE_KEY_FILE, 'k'.repeat(48), { mode: 0o644 });
    expect(() => loadOidcConfig(parse(full))).toThrow(/readable by others .*chmod 600/);
    rmSync(full.DOL_OIDC_COOKIE_KEY_FILE);
    writeFileSync(full.DOL_OIDC_COOKIE_KEY_FILE, 'short', { mode: 0o600 });
    expect(() => loadOidcConfig(parse(full))).toThrow(/needs 32 or more random bytes/);
    writeFileSync(full.DOL_OIDC_COOKIE_KEY_FILE, 'k'.repeat(48), { mode: 0o600 });
    expect(loadOidcConfig(parse(full))).toMatchObject({ clientId: 'wallet', clientSecret: 's3cret', accountClaim: 'sub', scopes: 'openid', name: 'campus' });
    expect(loadOidcConfig(parse(publicClient))).not.toHaveProperty('clientSecret');
  });
});
