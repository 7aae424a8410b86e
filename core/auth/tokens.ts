import { sha256 } from '@noble/hashes/sha2.js';
import { z } from 'zod';

/**
 * API tokens: `vgl_<scope>_<43 chars of base64url>`. The Board stores only a
 * SHA-256 of each token, with its scope and (for probers) the vantage point it
 * may vote as; a presented token is hashed and compared in constant time.
 */
export const Scope = z.enum(['admin', 'prober', 'shim']);
export type Scope = z.infer<typeof Scope>;

export const StoredToken = z.object({
  id: z.string().min(1).max(64),
  scope: Scope,
  /** hex SHA-256 of the whole token string. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** For prober tokens: the only vantage point this token may vote as. */
  vantagePoint: z.string().optional(),
  /** For shim/director tokens: the director id it may heartbeat as. */
  director: z.string().optional(),
});
export type StoredToken = z.infer<typeof StoredToken>;

const TOKEN_RE = /^vgl_(admin|prober|shim)_[A-Za-z0-9_-]{43}$/;

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function hashToken(token: string): string {
  return hex(sha256(new TextEncoder().encode(token)));
}

/** Equal-length strings compared without an early exit, so timing says nothing about where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i % (a.length || 1)) || 0) ^ (b.charCodeAt(i % (b.length || 1)) || 0);
  return diff === 0;
}

export function newToken(scope: Scope, random: Uint8Array = crypto.getRandomValues(new Uint8Array(32))): string {
  let bin = '';
  for (const b of random) bin += String.fromCharCode(b);
  return `vgl_${scope}_${btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

export type AuthOutcome = { ok: true; token: StoredToken } | { ok: false; code: 'ERR_UNAUTHORIZED' | 'ERR_FORBIDDEN' };

/**
 * Finds the stored token that matches and checks its scope. Every stored hash
 * is compared (no early exit), so the time taken does not reveal which one matched.
 */
export function authenticate(presented: string | null | undefined, stored: readonly StoredToken[], need: Scope): AuthOutcome {
  if (!presented || !TOKEN_RE.test(presented)) return { ok: false, code: 'ERR_UNAUTHORIZED' };
  const h = hashToken(presented);
  let found: StoredToken | undefined;
  for (const t of stored) if (constantTimeEqual(h, t.hash)) found = t;
  if (!found) return { ok: false, code: 'ERR_UNAUTHORIZED' };
  // admin may do everything; the others only their own scope.
  if (found.scope !== need && found.scope !== 'admin') return { ok: false, code: 'ERR_FORBIDDEN' };
  return { ok: true, token: found };
}

/** `Authorization: Bearer <token>` → token, or null. */
export function bearer(header: string | null | undefined): string | null {
  const m = /^Bearer\s+(\S+)$/.exec(header ?? '');
  return m ? m[1]! : null;
}
