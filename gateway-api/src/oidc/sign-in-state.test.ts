import { randomBytes } from 'node:crypto';
import { DEFAULT_RETURN_PATH, HANDOFF_MS, SIGN_IN_MS, SignInState, parseReturnPath } from './sign-in-state';

describe('SignInState', () => {
  const now = 1_750_000_000_000;
  const state = new SignInState(randomBytes(32));
  const pending = { state: 'S'.repeat(43), nonce: 'N'.repeat(43), verifier: 'V'.repeat(43), returnTo: '/wallet/' };

  it('keeps a pending sign-in for 10 minutes, and only its own', () => {
    const sealed = state.sealPending(pending, now);
    expect(state.openPending(sealed, now + SIGN_IN_MS - 1)).toEqual(pending);
    expect(state.openPending(sealed, now + SIGN_IN_MS)).toBeUndefined();
    expect(new SignInState(randomBytes(32)).openPending(sealed, now)).toBeUndefined();
    expect(state.openPending(undefined, now)).toBeUndefined();
  });

  it('redeems a hand-off once, with its own code, within 60 s; a hand-off never opens as a pending sign-in', () => {
    const a = state.handoff('ann-1', now);
    const b = state.handoff('ben-1', now);
    expect(a.code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(state.openPending(a.sealed, now)).toBeUndefined();
    expect(state.redeem(a.sealed, b.code, now)).toBeUndefined();
    expect(state.redeem(a.sealed, a.code, now + HANDOFF_MS)).toBeUndefined();
    expect(state.redeem(a.sealed, a.code, now + 1)).toBe('ann-1');
    expect(state.redeem(a.sealed, a.code, now + 2)).toBeUndefined();
    expect(state.redeem(undefined, b.code, now)).toBeUndefined();
    expect(state.redeem(b.sealed, b.code, now)).toBe('ben-1');
  });
});

describe('parseReturnPath', () => {
  it('allows wallet pages only, /wallet/ when none is asked for', () => {
    expect([undefined, '', '/wallet/', '/wallet/index.html'].map(parseReturnPath)).toEqual([DEFAULT_RETURN_PATH, DEFAULT_RETURN_PATH, '/wallet/', '/wallet/index.html']);
    for (const away of ['https://evil.example/', '//evil.example/wallet/', '/wallet', '/wallet/../v1/me', '/wallet/#x', '/console/', '/wallet/?a=1', ['/wallet/'], `/wallet/${'a'.repeat(300)}/`]) {
      expect({ away, path: parseReturnPath(away) }).toEqual({ away, path: undefined });
    }
  });
});
