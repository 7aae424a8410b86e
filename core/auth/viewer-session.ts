import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import * as z from 'zod';
import { VigilError } from '../errors.ts';
import { constantTimeEqual } from './tokens.ts';

/**
 * Dashboard sessions: the link `npm start` prints carries a one-time code (a
 * viewer record marked `oneTime` in VIGIL_TOKENS); the page exchanges it once
 * (POST …/dashboard-session) for a session token `vgs_<payload>.<mac>`, an
 * HMAC-SHA256 over {cluster, scope: viewer, exp} keyed by a key derived from
 * the signing key secret. Nothing is stored per session: every viewer route
 * checks the MAC in constant time and the expiry.
 */
export const SESSION_TTL_MS = 12 * 3600_000;
const SESSION_RE = /^vgs_([A-Za-z0-9_-]{1,256})\.([A-Za-z0-9_-]{43})$/;
const te = new TextEncoder();

const Payload = z.object({ cluster: z.string().min(1).max(63), scope: z.literal('viewer'), exp: z.number().int() }).strict();

function b64url(b: Uint8Array): string {
  let bin = '';
  for (const x of b) bin += String.fromCharCode(x);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function sessionKey(signingSecret: string): Uint8Array {
  return hmac(sha256, te.encode(signingSecret), te.encode('vigil viewer session v1'));
}

const mac = (signingSecret: string, payload: string) => b64url(hmac(sha256, sessionKey(signingSecret), te.encode(payload)));

export function isSessionShaped(presented: string): boolean {
  return presented.startsWith('vgs_');
}

export function signSession(signingSecret: string, cluster: string, nowMs: number, ttlMs = SESSION_TTL_MS): { token: string; expiresAt: number } {
  const exp = nowMs + ttlMs;
  const payload = b64url(te.encode(JSON.stringify({ cluster, scope: 'viewer', exp })));
  return { token: `vgs_${payload}.${mac(signingSecret, payload)}`, expiresAt: exp };
}

/** The cluster a session token is good for; 401 (ERR_UNAUTHORIZED) if forged or tampered, 401 (ERR_SESSION_EXPIRED) once expired. */
export function verifySession(signingSecret: string, presented: string, nowMs: number): string {
  const m = SESSION_RE.exec(presented);
  if (!m || !constantTimeEqual(mac(signingSecret, m[1]!), m[2]!)) throw new VigilError('ERR_UNAUTHORIZED', 'a valid bearer token is required');
  let doc: unknown;
  try {
    doc = JSON.parse(atob(m[1]!.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    throw new VigilError('ERR_UNAUTHORIZED', 'a valid bearer token is required');
  }
  const p = Payload.safeParse(doc);
  if (!p.success) throw new VigilError('ERR_UNAUTHORIZED', 'a valid bearer token is required');
  if (p.data.exp <= nowMs) throw new VigilError('ERR_SESSION_EXPIRED', 'session expired: open a new link from npm start');
  return p.data.cluster;
}
