import * as z from 'zod';
import { VigilError } from '../errors.ts';
import { constantTimeEqual, hashToken, isTokenShaped, Scope } from './tokens.ts';

/** The cluster an admin token names to act on every cluster; no other scope may name it. */
export const ALL_CLUSTERS = '*';

/**
 * One entry of the VIGIL_TOKENS secret. Every record names its cluster: a
 * record written before tokens were scoped (no `cluster`) is refused with
 * the list, never read as "every cluster", which would widen a prober or
 * shim token an operator meant for one place.
 */
export const StoredToken = z
  .object({
    id: z.string().min(1).max(64),
    scope: Scope,
    /** hex SHA-256 of the whole token string. */
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    /** The one cluster this token acts on, or `*` (admin tokens only). */
    cluster: z.string().min(1).max(63),
    /** Prober tokens (required): the only vantage point this token may fetch an assignment and vote as. */
    vantagePoint: z.string().min(1).max(63).optional(),
    /** Shim tokens: the only director this token may heartbeat as; without it the token cannot heartbeat. */
    director: z.string().min(1).max(64).optional(),
    /** Viewer records only: a dashboard link's one-time code, exchanged once for a session (core/auth/viewer-session.ts), never a bearer token. */
    oneTime: z.boolean().optional(),
  })
  .superRefine((t, ctx) => {
    const bad = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const a = t.scope === 'admin' ? `an ${t.scope}` : `a ${t.scope}`;
    if (t.cluster === ALL_CLUSTERS && t.scope !== 'admin') bad('cluster', `${a} token names one cluster; "*" is for admin tokens only`);
    if (t.scope === 'prober' && t.vantagePoint === undefined) bad('vantagePoint', 'a prober token names the vantage point it votes as');
    if (t.scope !== 'prober' && t.vantagePoint !== undefined) bad('vantagePoint', `${a} token names no vantage point`);
    if (t.scope !== 'shim' && t.director !== undefined) bad('director', `${a} token names no director`);
    if (t.oneTime && t.scope !== 'viewer') bad('oneTime', 'only a viewer record may be a one-time code');
  });
export type StoredToken = z.infer<typeof StoredToken>;

const MAX_RECORDS = 10_000;

/**
 * The VIGIL_TOKENS secret, parsed whole or refused whole: a broken list is a
 * deployment error to be seen at once (every request answers it), not a
 * subset of tokens that silently stops working or works too widely.
 */
export function parseTokenRecords(raw: string): StoredToken[] {
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    throw new VigilError('ERR_INTERNAL', 'VIGIL_TOKENS is not JSON');
  }
  if (!Array.isArray(doc)) throw new VigilError('ERR_INTERNAL', 'VIGIL_TOKENS is not a JSON array of token records');
  if (doc.length > MAX_RECORDS) throw new VigilError('ERR_INTERNAL', `VIGIL_TOKENS holds ${doc.length} records, more than ${MAX_RECORDS}`);
  return doc.map((entry, i) => {
    const r = StoredToken.safeParse(entry);
    if (r.success) return r.data;
    const issue = r.error.issues[0];
    const id = typeof (entry as { id?: unknown } | null)?.id === 'string' ? `"${(entry as { id: string }).id}"` : `#${i}`;
    const field = issue?.path.join('.') ?? '';
    const hint = field === 'cluster' && !(entry as { cluster?: unknown }).cluster ? ' (records made before tokens were scoped: add "cluster": "<name>", or "*" for an admin token)' : '';
    throw new VigilError('ERR_INTERNAL', `VIGIL_TOKENS record ${id}: ${field ? `${field}: ` : ''}${issue?.message ?? 'invalid'}${hint}`);
  });
}

/** What a request needs: one of `scopes` (admin may do everything) on one cluster. */
export interface Need {
  scopes: readonly Scope[];
  cluster: string;
  /** Only the exchange route accepts a one-time code; everywhere else it is refused (ERR_ONE_TIME_CODE). */
  oneTime?: boolean;
}

export type AuthOutcome = { ok: true; token: StoredToken } | { ok: false; code: 'ERR_UNAUTHORIZED' } | { ok: false; code: 'ERR_ONE_TIME_CODE'; message: string } | { ok: false; code: 'ERR_FORBIDDEN'; message: string; path?: string };

/**
 * Finds the stored token that matches, then checks its scope and cluster.
 * Every stored hash is compared (no early exit), so the time taken does not
 * reveal which one matched.
 */
export function authenticate(presented: string | null | undefined, stored: readonly StoredToken[], need: Need): AuthOutcome {
  if (!presented || !isTokenShaped(presented)) return { ok: false, code: 'ERR_UNAUTHORIZED' };
  const h = hashToken(presented);
  let found: StoredToken | undefined;
  for (const t of stored) if (constantTimeEqual(h, t.hash)) found = t;
  if (!found) return { ok: false, code: 'ERR_UNAUTHORIZED' };
  if (!!found.oneTime !== !!need.oneTime) {
    if (found.oneTime) return { ok: false, code: 'ERR_ONE_TIME_CODE', message: 'a one-time dashboard code is exchanged once at POST /v1/clusters/{cluster}/dashboard-session, never used as a bearer token' };
    return { ok: false, code: 'ERR_UNAUTHORIZED' };
  }
  if (!need.scopes.includes(found.scope) && found.scope !== 'admin') return { ok: false, code: 'ERR_FORBIDDEN', message: `this token's scope (${found.scope}) does not allow ${need.scopes.join(' or ')} requests` };
  if (found.cluster !== need.cluster && !(found.cluster === ALL_CLUSTERS && found.scope === 'admin')) {
    return { ok: false, code: 'ERR_FORBIDDEN', message: `this token is for cluster ${found.cluster}, not ${need.cluster}`, path: 'cluster' };
  }
  return { ok: true, token: found };
}
