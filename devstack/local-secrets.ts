import { generateKeyPairSync } from 'node:crypto';
import { ALL_CLUSTERS, type StoredToken } from '../core/auth/token-records.ts';
import { hashToken, newToken } from '../core/auth/tokens.ts';

/**
 * Fresh secrets for one local run (tests, `npm start`): an Ed25519 signing key
 * and tokens scoped as an operator would scope them: one admin token for
 * every cluster, and per cluster a shim token that reads verdicts, one prober
 * token per vantage point and one shim token per director (the only kind that
 * heartbeats). Generated at start-up and never written to the repository;
 * only hashes go into VIGIL_TOKENS, as in production.
 */
export interface ClusterTokens {
  /** Verdicts, votes, events, stream; no heartbeat. */
  shim: string;
  /** vantage point → its prober token. */
  probers: Record<string, string>;
  /** director id → its shim token (heartbeats as that director only). */
  directors: Record<string, string>;
  /** Reads what the dashboard shows (for curl; the page can be signed in with it too). */
  viewer: string;
  /** The one-time code the link `npm start` prints carries: exchanged once for a 12-hour session, never a bearer token. */
  dashboardCode: string;
}

export interface LocalTokens {
  admin: string;
  clusters: Record<string, ClusterTokens>;
}

export interface LocalSecrets {
  signingKey: string;
  tokens: LocalTokens;
  /** The VIGIL_TOKENS secret: hashed records only. */
  records: string;
}

export interface LocalSecretsFor {
  clusters: readonly string[];
  vantagePoints?: readonly string[];
  directors?: readonly string[];
}

export function localSecrets(o: LocalSecretsFor): LocalSecrets {
  const { privateKey } = generateKeyPairSync('ed25519');
  const signingKey = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  const admin = newToken('admin');
  const records: StoredToken[] = [{ id: 'admin', scope: 'admin', hash: hashToken(admin), cluster: ALL_CLUSTERS }];
  const clusters: Record<string, ClusterTokens> = {};
  for (const cluster of o.clusters) {
    const t: ClusterTokens = { shim: newToken('shim'), probers: {}, directors: {}, viewer: newToken('viewer'), dashboardCode: newToken('viewer') };
    records.push({ id: `${cluster}-shim`, scope: 'shim', hash: hashToken(t.shim), cluster });
    records.push({ id: `${cluster}-viewer`, scope: 'viewer', hash: hashToken(t.viewer), cluster });
    records.push({ id: `${cluster}-dashboard-link`, scope: 'viewer', hash: hashToken(t.dashboardCode), cluster, oneTime: true });
    for (const vp of o.vantagePoints ?? []) {
      t.probers[vp] = newToken('prober');
      records.push({ id: `${cluster}-prober-${vp}`, scope: 'prober', hash: hashToken(t.probers[vp]), cluster, vantagePoint: vp });
    }
    for (const d of o.directors ?? []) {
      t.directors[d] = newToken('shim');
      records.push({ id: `${cluster}-director-${d}`, scope: 'shim', hash: hashToken(t.directors[d]), cluster, director: d });
    }
    clusters[cluster] = t;
  }
  return { signingKey, tokens: { admin, clusters }, records: JSON.stringify(records) };
}

/** One cluster's tokens; a cluster the run minted none for fails here, by name, rather than as a 403 later. */
export function tokensOf(tokens: LocalTokens, cluster: string): ClusterTokens {
  const t = tokens.clusters[cluster];
  if (!t) throw new Error(`no local tokens for cluster ${cluster} (minted for: ${Object.keys(tokens.clusters).join(', ') || 'none'})`);
  return t;
}
