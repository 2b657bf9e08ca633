import { randomBytes } from 'node:crypto';
import { CookieSealer } from './cookie-sealer';

describe('CookieSealer', () => {
  const now = 1_750_000_000_000;
  const sealer = new CookieSealer(randomBytes(32));

  it('opens what it sealed, for the same purpose, until it expires', () => {
    const sealed = sealer.seal('oidc-login', { state: 's', n: 1 }, now + 1000);
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sealer.open('oidc-login', sealed, now + 999)).toEqual({ state: 's', n: 1 });
    expect(sealer.open('oidc-login', sealed, now + 1000)).toBeUndefined();
  });

  it('refuses a value of another purpose, another key, or with any byte changed', () => {
    const sealed = sealer.seal('oidc-handoff', { account: 'a-1' }, now + 60_000);
    expect(sealer.open('oidc-login', sealed, now)).toBeUndefined();
    expect(new CookieSealer(randomBytes(32)).open('oidc-handoff', sealed, now)).toBeUndefined();
    const bytes = Buffer.from(sealed, 'base64url');
    for (const at of [0, 12, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[at] = (altered[at] ?? 0) ^ 1;
      expect({ at, opened: sealer.open('oidc-handoff', altered.toString('base64url'), now) }).toEqual({ at, opened: undefined });
    }
  });

  it('refuses what is not a sealed value at all, and a secret shorter than 32 bytes', () => {
    for (const junk of ['', 'AAAA', 'not base64url!', 'A'.repeat(4096)]) expect(sealer.open('oidc-login', junk, now)).toBeUndefined();
    expect(() => new CookieSealer(randomBytes(31))).toThrow(/32 bytes/);
  });

  it('seals the same value differently each time (a fresh IV)', () => {
    expect(sealer.seal('oidc-login', 'x', now)).not.toBe(sealer.seal('oidc-login', 'x', now));
  });
});
