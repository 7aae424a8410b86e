import { sha256 } from '@noble/hashes/sha2.js';
import * as z from 'zod';

/**
 * API tokens: `vgl_<scope>_<43 chars of base64url>`. The Board stores only a
 * SHA-256 of each token (core/auth/token-records.ts) with what it may do; a
 * presented token is hashed and compared in constant time.
 */
export const Scope = z.enum(['admin', 'prober', 'shim', 'viewer']);
export type Scope = z.infer<typeof Scope>;

const TOKEN_RE = /^vgl_(admin|prober|shim|viewer)_[A-Za-z0-9_-]{43}$/;

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

/** Whether `presented` has the shape of a token at all (checked before hashing anything). */
export function isTokenShaped(presented: string): boolean {
  return TOKEN_RE.test(presented);
}

export function newToken(scope: Scope, random: Uint8Array = crypto.getRandomValues(new Uint8Array(32))): string {
  let bin = '';
  for (const b of random) bin += String.fromCharCode(b);
  return `vgl_${scope}_${btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

/** `Authorization: Bearer <token>` → token, or null. The scheme name is case-insensitive (RFC 9110 §11.1). */
export function bearer(header: string | null | undefined): string | null {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return m ? m[1]! : null;
}
