import { authenticate, parseTokenRecords, type StoredToken } from '../../core/auth/token-records.ts';
import { bearer, type Scope } from '../../core/auth/tokens.ts';
import { isSessionShaped, verifySession } from '../../core/auth/viewer-session.ts';
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

/** What requireToken reads from the Worker's env: the token records, and the signing key that session tokens' MACs derive from. */
export interface AuthSecrets {
  VIGIL_TOKENS?: string | undefined;
  VIGIL_SIGNING_KEY?: string | undefined;
}

function refuse(got: Exclude<ReturnType<typeof authenticate>, { ok: true }>): never {
  if (got.code === 'ERR_FORBIDDEN') throw new VigilError('ERR_FORBIDDEN', got.message, got.path === undefined ? {} : { path: got.path });
  if (got.code === 'ERR_ONE_TIME_CODE') throw new VigilError('ERR_ONE_TIME_CODE', got.message);
  throw new VigilError('ERR_UNAUTHORIZED', 'a valid bearer token is required');
}

/**
 * Checks the token for one of `scopes` on `cluster`: 401 without a valid
 * token, 403 with one of another scope or another cluster. The token comes
 * from `Authorization: Bearer …`, or as given (`presented`: a viewer's
 * WebSocket subprotocol). A dashboard session token (`vgs_…`) is a viewer
 * token for its one cluster, checked by its MAC and expiry.
 */
export function requireToken(authorization: string | undefined | null, env: AuthSecrets, scopes: Scope | readonly Scope[], cluster: string, presented?: string | null): StoredToken {
  const wanted = typeof scopes === 'string' ? [scopes] : scopes;
  const token = presented ?? bearer(authorization);
  if (token && isSessionShaped(token)) {
    if (!env.VIGIL_SIGNING_KEY) throw new VigilError('ERR_INTERNAL', 'VIGIL_SIGNING_KEY is not set');
    const own = verifySession(env.VIGIL_SIGNING_KEY, token, Date.now());
    if (!wanted.includes('viewer')) throw new VigilError('ERR_FORBIDDEN', `this token's scope (viewer) does not allow ${wanted.join(' or ')} requests`);
    if (own !== cluster) throw new VigilError('ERR_FORBIDDEN', `this token is for cluster ${own}, not ${cluster}`, { path: 'cluster' });
    return { id: 'dashboard-session', scope: 'viewer', hash: '', cluster: own };
  }
  const got = authenticate(token, tokenRecords(env.VIGIL_TOKENS), { scopes: wanted, cluster });
  if (got.ok) return got.token;
  return refuse(got);
}

/** A one-time dashboard code for `cluster` (not yet known to be unused: the Board records its use). */
export function requireOneTimeCode(code: unknown, env: AuthSecrets, cluster: string): StoredToken {
  const got = authenticate(typeof code === 'string' ? code : null, tokenRecords(env.VIGIL_TOKENS), { scopes: ['viewer'], cluster, oneTime: true });
  if (got.ok) return got.token;
  return refuse(got);
}
