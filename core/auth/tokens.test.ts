import { describe, expect, it } from 'vitest';
import { authenticate, bearer, constantTimeEqual, hashToken, newToken, type StoredToken } from './tokens.ts';

describe('API tokens', () => {
  const admin = newToken('admin');
  const prober = newToken('prober');
  const shim = newToken('shim');
  const stored: StoredToken[] = [
    { id: 'a', scope: 'admin', hash: hashToken(admin) },
    { id: 'p', scope: 'prober', hash: hashToken(prober), vantagePoint: 'dc1' },
    { id: 's', scope: 'shim', hash: hashToken(shim) },
  ];

  it('accepts a token for its own scope and names the vantage point it may vote as', () => {
    expect(authenticate(prober, stored, 'prober')).toEqual({ ok: true, token: stored[1] });
    expect(authenticate(admin, stored, 'shim')).toMatchObject({ ok: true });
  });

  it('refuses the wrong scope (403) and unknown or malformed tokens (401)', () => {
    expect(authenticate(shim, stored, 'prober')).toEqual({ ok: false, code: 'ERR_FORBIDDEN' });
    expect(authenticate(prober, stored, 'admin')).toEqual({ ok: false, code: 'ERR_FORBIDDEN' });
    expect(authenticate(newToken('admin'), stored, 'admin')).toEqual({ ok: false, code: 'ERR_UNAUTHORIZED' });
    expect(authenticate('vgl_admin_short', stored, 'admin')).toEqual({ ok: false, code: 'ERR_UNAUTHORIZED' });
    expect(authenticate(undefined, stored, 'admin')).toEqual({ ok: false, code: 'ERR_UNAUTHORIZED' });
  });

  it('stores only hashes: no stored field contains the token', () => {
    for (const t of stored) expect(JSON.stringify(t)).not.toContain(admin.slice(10));
  });

  it('compares in constant time over the whole string', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(bearer('Bearer x.y')).toBe('x.y');
    expect(bearer('Basic x')).toBeNull();
  });
});
