import { authenticate, parseTokenRecords, type StoredToken } from '../../core/auth/token-records.ts';
import { bearer, type Scope } from '../../core/auth/tokens.ts';
import { VigilError } from '../../core/errors.ts';

/**
 * Tokens come from the VIGIL_TOKENS secret: a JSON array of hashed records,
 * each naming its cluster (`npx vigil token new --scope prober --cluster prod
 * --vantage dc1` prints a token once and the record to add). Only SHA-256
 * hashes are stored; core/auth compares them in constant time. The parsed
 * list is cached per secret value; a list that does not parse is refused
 * whole, on every request, naming the record (core/auth/token-records.ts).
 */
let cached: { raw: string; list: StoredToken[] } | null = null;

export function tokenRecords(raw: string | undefined): StoredToken[] {
  if (!raw) return [];
  if (cached?.raw === raw) return cached.list;
  const list = parseTokenRecords(raw);
  cached = { raw, list };
  return list;
}

/**
 * Checks the token for one of `scopes` on `cluster`: 401 without a valid
 * token, 403 with one of another scope or another cluster. The token comes
 * from `Authorization: Bearer …`, or as given (`presented`: a viewer's
 * WebSocket subprotocol).
 */
export function requireToken(authorization: string | undefined | null, rawTokens: string | undefined, scopes: Scope | readonly Scope[], cluster: string, presented?: string | null): StoredToken {
  const got = authenticate(presented ?? bearer(authorization), tokenRecords(rawTokens), { scopes: typeof scopes === 'string' ? [scopes] : scopes, cluster });
  if (got.ok) return got.token;
  if (got.code === 'ERR_FORBIDDEN') throw new VigilError('ERR_FORBIDDEN', got.message, got.path === undefined ? {} : { path: got.path });
  throw new VigilError('ERR_UNAUTHORIZED', 'a valid bearer token is required');
}
