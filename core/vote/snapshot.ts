import * as z from 'zod';
import { ReasonCode } from '../check/result.ts';

/**
 * The cluster's whole desired state at one moment, signed. Consumers act on
 * nothing else: a snapshot that fails its signature, goes back in sequence or
 * has expired changes nothing (fail-static).
 */
export const SnapshotRealServer = z.object({
  key: z.string(),
  ip: z.string(),
  port: z.number().int().min(0).max(65535).optional(),
  present: z.boolean(),
  weight: z.number().int().min(0),
  state: z.enum(['up', 'down', 'unknown']),
  effective: z.enum(['up', 'down']),
  sorry: z.boolean(),
  /**
   * Per-vantage detail. Boards before the lean snapshot sent it; a Board now
   * leaves it out (it made every push ~3× larger for nothing a shim acts on)
   * and serves it at GET /v1/clusters/{c}/votes. Optional so both parse.
   */
  votes: z.record(z.string(), z.object({ up: z.boolean(), reason: ReasonCode, atMs: z.number(), fresh: z.boolean() })).optional(),
});
export const SnapshotVirtualServer = z.object({
  key: z.string(),
  quorumUp: z.boolean(),
  aliveWeight: z.number().int().min(0),
  realServers: z.array(SnapshotRealServer),
});
export const Snapshot = z.object({
  v: z.literal(1),
  cluster: z.string().min(1),
  /** Grows with every snapshot, across Board restarts too. */
  seq: z.number().int().min(1),
  configVersion: z.number().int().min(0),
  issuedAtMs: z.number().int().min(0),
  expiresAtMs: z.number().int().min(0),
  virtualServers: z.array(SnapshotVirtualServer),
});
export type Snapshot = z.infer<typeof Snapshot>;
export type SnapshotRealServer = z.infer<typeof SnapshotRealServer>;
export type SnapshotVirtualServer = z.infer<typeof SnapshotVirtualServer>;

export const SIGNATURE_HEADER = 'Vigil-Signature';

/** WebCrypto's key types, named without pulling in the DOM library (core is runtime-neutral). */
export type CryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
/** The public half of an Ed25519 key as /v1/keys publishes it. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  use: 'sig';
  alg: 'EdDSA';
}

const te = new TextEncoder();
// ignoreBOM spelled out (its default): workerd's generated types require it.
const td = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function b64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function unb64(s: string): Uint8Array | null {
  try {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

export interface SignedSnapshot {
  /** The exact bytes the signature covers: send these, never a re-serialisation. */
  body: Uint8Array;
  /** `keyid=<id>, ed25519=<base64>`: the Vigil-Signature header value. */
  signature: string;
}

/** Signs with Ed25519 over the snapshot's exact JSON bytes (WebCrypto: same code in workerd and Node). */
export async function signSnapshot(s: Snapshot, key: CryptoKey, keyId: string): Promise<SignedSnapshot> {
  const body = te.encode(JSON.stringify(Snapshot.parse(s)));
  const sig = new Uint8Array(await crypto.subtle.sign('Ed25519', key, body));
  return { body, signature: `keyid=${keyId}, ed25519=${b64(sig)}` };
}

export type VerifyOutcome =
  | { ok: true; snapshot: Snapshot }
  | { ok: false; reason: 'bad_signature' | 'unknown_key' | 'malformed' | 'expired' | 'stale_sequence' | 'wrong_cluster'; detail: string };

export interface VerifyExpectations {
  cluster: string;
  nowMs: number;
  /** The last sequence applied: anything not greater is a replay. */
  lastSeq: number;
  /** Public keys by id (the Board's /v1/keys). */
  keys: ReadonlyMap<string, CryptoKey>;
}

export function parseSignatureHeader(h: string | null | undefined): { keyId: string; sig: Uint8Array } | null {
  if (!h) return null;
  const parts = Object.fromEntries(h.split(',').map((p) => p.trim().split('=')).filter((kv) => kv.length >= 2).map(([k, ...v]) => [k!.trim(), v.join('=')]));
  const sig = parts.ed25519 ? unb64(parts.ed25519) : null;
  if (!parts.keyid || !sig || sig.length !== 64) return null;
  return { keyId: parts.keyid, sig };
}

/** Checks signature first (over the raw bytes), then the schema, cluster, expiry and sequence. */
export async function verifySnapshot(body: Uint8Array, signatureHeader: string | null | undefined, exp: VerifyExpectations): Promise<VerifyOutcome> {
  const h = parseSignatureHeader(signatureHeader);
  if (!h) return { ok: false, reason: 'bad_signature', detail: 'missing or malformed Vigil-Signature' };
  const key = exp.keys.get(h.keyId);
  if (!key) return { ok: false, reason: 'unknown_key', detail: `no public key ${h.keyId}` };
  // Typed for ArrayBuffer-backed views: the DOM library (the dashboard's bundle type-checks this file too) refuses a possibly shared buffer.
  const valid = await crypto.subtle.verify('Ed25519', key, h.sig as Uint8Array<ArrayBuffer>, body as Uint8Array<ArrayBuffer>);
  if (!valid) return { ok: false, reason: 'bad_signature', detail: 'signature does not match the body' };
  let doc: unknown;
  try {
    doc = JSON.parse(td.decode(body));
  } catch {
    return { ok: false, reason: 'malformed', detail: 'body is not JSON' };
  }
  const parsed = Snapshot.safeParse(doc);
  if (!parsed.success) return { ok: false, reason: 'malformed', detail: parsed.error.issues[0]?.message ?? 'schema' };
  const s = parsed.data;
  if (s.cluster !== exp.cluster) return { ok: false, reason: 'wrong_cluster', detail: `snapshot is for ${s.cluster}` };
  if (s.expiresAtMs <= exp.nowMs) return { ok: false, reason: 'expired', detail: `expired ${exp.nowMs - s.expiresAtMs} ms ago` };
  if (s.seq <= exp.lastSeq) return { ok: false, reason: 'stale_sequence', detail: `seq ${s.seq} ≤ applied ${exp.lastSeq}` };
  return { ok: true, snapshot: s };
}

/** Ed25519 public key as a JWK for /v1/keys, and back. */
export async function exportPublicJwk(key: CryptoKey, keyId: string): Promise<PublicJwk> {
  const jwk = (await crypto.subtle.exportKey('jwk', key)) as { x?: string };
  if (!jwk.x) throw new Error('not an Ed25519 key');
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: keyId, use: 'sig', alg: 'EdDSA' };
}

export async function importPublicJwk(jwk: { x?: string | undefined }): Promise<CryptoKey> {
  return crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, true, ['verify']);
}
