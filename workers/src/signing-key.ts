import { sha256 } from '@noble/hashes/sha2.js';
import { exportPublicJwk, type CryptoKey, type PublicJwk } from '../../core/vote/snapshot.ts';
import { VigilError } from '../../core/errors.ts';

/**
 * The Board's Ed25519 key, from the VIGIL_SIGNING_KEY secret (PKCS#8 DER in
 * base64). Generate one with `npx vigil keygen` (prints the secret and its
 * public JWK) and store it with `wrangler secret put VIGIL_SIGNING_KEY`. The key
 * id is derived from the public key, so rotating the secret changes the id and
 * shims that pin keys see it.
 */
export interface SigningKey {
  privateKey: CryptoKey;
  keyId: string;
  jwk: PublicJwk;
}

const cache = new Map<string, Promise<SigningKey>>();

function unb64(s: string): Uint8Array {
  const bin = atob(s.trim());
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function load(secret: string): Promise<SigningKey> {
  let privateKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey('pkcs8', unb64(secret), { name: 'Ed25519' }, true, ['sign']);
  } catch {
    // Never echo the secret: only say it is unusable.
    throw new VigilError('ERR_INTERNAL', 'VIGIL_SIGNING_KEY is not an Ed25519 PKCS#8 key in base64');
  }
  const jwk = (await crypto.subtle.exportKey('jwk', privateKey)) as { x?: string };
  if (!jwk.x) throw new VigilError('ERR_INTERNAL', 'VIGIL_SIGNING_KEY has no public part');
  const keyId = Array.from(sha256(new TextEncoder().encode(jwk.x)).slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
  const publicKey = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, true, ['verify']);
  return { privateKey, keyId, jwk: await exportPublicJwk(publicKey, keyId) };
}

export function signingKey(secret: string | undefined): Promise<SigningKey> {
  if (!secret) return Promise.reject(new VigilError('ERR_INTERNAL', 'VIGIL_SIGNING_KEY is not set'));
  let p = cache.get(secret);
  if (!p) {
    p = load(secret);
    p.catch(() => cache.delete(secret));
    cache.set(secret, p);
  }
  return p;
}
