import { describe, expect, it } from 'vitest';
import { bearer, constantTimeEqual, hashToken, isTokenShaped, newToken } from './tokens.ts';

describe('API tokens', () => {
  it('makes tokens of the documented shape, a new one each time', () => {
    const a = newToken('prober');
    expect(a).toMatch(/^vgl_prober_[A-Za-z0-9_-]{43}$/);
    expect(isTokenShaped(a)).toBe(true);
    expect(newToken('prober')).not.toBe(a);
    expect(hashToken(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('compares in constant time over the whole string', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });

  it('reads the bearer scheme in any case, as HTTP says, and nothing else', () => {
    expect(bearer('Bearer x.y')).toBe('x.y');
    expect(bearer('bearer x.y')).toBe('x.y');
    expect(bearer('BEARER x.y')).toBe('x.y');
    expect(bearer('BeArEr \tx.y ')).toBe('x.y');
    expect(bearer('Basic x')).toBeNull();
    expect(bearer('Bearerx.y')).toBeNull();
    expect(bearer('Bearer a b')).toBeNull();
    expect(bearer(undefined)).toBeNull();
  });
});
