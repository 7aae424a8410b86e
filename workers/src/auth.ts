import { z } from 'zod';
import { authenticate, bearer, StoredToken, type Scope } from '../../core/auth/tokens.ts';
import { VigilError } from '../../core/errors.ts';

/**
 * Tokens come from the VIGIL_TOKENS secret: a JSON array of hashed records
 * (`npx vigil token new --scope prober --vantage dc1` prints a token once and the
 * record to add). Only SHA-256 hashes are stored; core/auth compares them in
 * constant time. The parsed list is cached per secret value.
 */
const TokenList = z.array(StoredToken).max(10_000);
let cached: { raw: string; list: StoredToken[] } | null = null;

export function tokenRecords(raw: string | undefined): StoredToken[] {
  if (!raw) return [];
  if (cached?.raw === raw) return cached.list;
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    throw new VigilError('ERR_INTERNAL', 'VIGIL_TOKENS is not JSON');
  }
  const parsed = TokenList.safeParse(doc);
  if (!parsed.success) throw new VigilError('ERR_INTERNAL', `VIGIL_TOKENS: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  cached = { raw, list: parsed.data };
  return parsed.data;
}

/** Checks `Authorization: Bearer …` for `scope`: 401 without a valid token, 403 with one of another scope. */
export function requireToken(authorization: string | undefined | null, rawTokens: string | undefined, scope: Scope): StoredToken {
  const got = authenticate(bearer(authorization), tokenRecords(rawTokens), scope);
  if (got.ok) return got.token;
  if (got.code === 'ERR_FORBIDDEN') throw new VigilError('ERR_FORBIDDEN', `this token's scope does not allow ${scope} requests`);
  throw new VigilError('ERR_UNAUTHORIZED', 'a valid bearer token is required');
}
