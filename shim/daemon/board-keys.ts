import { existsSync, readFileSync } from 'node:fs';
import * as z from 'zod';
import { importPublicJwk, type CryptoKey } from '../../core/vote/snapshot.ts';
import { VigilError } from '../../core/errors.ts';

const Jwk = z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(40), kid: z.string().min(1) });
const KeyInput = z.union([Jwk, z.object({ keys: z.array(Jwk).min(1) })]);

/**
 * The Board's public key(s), pinned on the director: a JWK, or /v1/keys's
 * `{keys: [...]}`, given inline or as a file. Never fetched from the Board
 * itself, which would let whoever answers for the Board choose the key.
 */
export async function loadBoardKeys(arg: string): Promise<Map<string, CryptoKey>> {
  const text = arg.trim().startsWith('{') ? arg : existsSync(arg) ? readFileSync(arg, 'utf8') : null;
  if (text === null) throw new VigilError('ERR_USAGE', `--board-key: no such file ${arg}`, { path: '--board-key' });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new VigilError('ERR_USAGE', '--board-key: not JSON (a JWK or {"keys": [...]})', { path: '--board-key', cause: err });
  }
  const parsed = KeyInput.safeParse(doc);
  if (!parsed.success) throw new VigilError('ERR_USAGE', `--board-key: ${parsed.error.issues[0]?.message ?? 'not an Ed25519 JWK'}`, { path: '--board-key' });
  const list = 'keys' in parsed.data ? parsed.data.keys : [parsed.data];
  const out = new Map<string, CryptoKey>();
  for (const k of list) out.set(k.kid, await importPublicJwk(k));
  return out;
}
