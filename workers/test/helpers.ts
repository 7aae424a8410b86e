/**
 * Shared by the control-plane tests (which run in workerd): requests through
 * the real Worker (SELF), tokens from the test project, and small configs.
 */
import { runDurableObjectAlarm, SELF } from 'cloudflare:test';
import { inject } from 'vitest';
import type { Vote } from '../../core/vote/fold.ts';
import { importPublicJwk, type CryptoKey } from '../../core/vote/snapshot.ts';
import { eventually } from '../../test/helpers/eventually.ts';
import type { Prober, ProberStatus } from '../src/prober.ts';

export const tokens = inject('tokens');

/** One cluster's scoped tokens (shim, a prober per vantage point, a shim per director); workers/test/clusters.ts lists the clusters. */
export function tokensFor(cluster: string) {
  const t = tokens.clusters[cluster];
  if (!t) throw new Error(`no test tokens for cluster ${cluster}: add it to workers/test/clusters.ts`);
  return t;
}
export const BASE = 'http://vigil.test';

export function api(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? tokens.admin : init.token;
  if (token) headers.set('Authorization', `Bearer ${token}`);
  return SELF.fetch(`${BASE}${path}`, { ...init, headers });
}

export function putConfig(cluster: string, text: string, headers: Record<string, string> = {}): Promise<Response> {
  return api(`/v1/clusters/${cluster}/config`, { method: 'PUT', body: text, headers: { 'Content-Type': 'text/plain', ...headers } });
}

export async function postVotes(cluster: string, vp: string, votes: Vote[]): Promise<Response> {
  return api(`/v1/clusters/${cluster}/votes`, { method: 'POST', body: JSON.stringify({ votes }), headers: { 'Content-Type': 'application/json' }, token: tokensFor(cluster).probers[vp] });
}

export interface SnapshotDoc {
  seq: number;
  expiresAtMs: number;
  virtualServers: { key: string; quorumUp: boolean; realServers: { key: string; state: string; effective: string; present: boolean; weight: number; votes?: unknown }[] }[];
}

export async function verdict(cluster: string, since = 0, waitS = 0): Promise<{ status: number; seq: number; doc: SnapshotDoc | null; bytes: Uint8Array; signature: string | null }> {
  const res = await api(`/v1/clusters/${cluster}/verdict?since=${since}&wait=${waitS}`, { token: tokensFor(cluster).shim });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const doc = res.status === 200 ? (JSON.parse(new TextDecoder().decode(bytes)) as SnapshotDoc) : null;
  return { status: res.status, seq: doc?.seq ?? 0, doc, bytes, signature: res.headers.get('Vigil-Signature') };
}

export function realServer(doc: SnapshotDoc, keyPart: string) {
  const rs = doc.virtualServers.flatMap((v) => v.realServers).find((r) => r.key.includes(keyPart));
  if (!rs) throw new Error(`no real server ${keyPart} in snapshot`);
  return rs;
}

/** GET /votes: what each vantage point said about one real server (lean snapshots leave it out). */
export async function saidAbout(cluster: string, keyPart: string): Promise<Record<string, { up: boolean; reason: string; fresh: boolean }>> {
  const res = await api(`/v1/clusters/${cluster}/votes`, { token: tokensFor(cluster).shim });
  const doc = (await res.json()) as { realServers: { key: string; votes: Record<string, { up: boolean; reason: string; fresh: boolean }> }[] };
  const rs = doc.realServers.find((r) => r.key.includes(keyPart));
  if (!rs) throw new Error(`no real server ${keyPart} in /votes`);
  return rs.votes;
}

export async function publicKeys(): Promise<Map<string, CryptoKey>> {
  const res = await api('/v1/keys', { token: null });
  const { keys } = (await res.json()) as { keys: { kid: string; x: string }[] };
  return new Map(await Promise.all(keys.map(async (k) => [k.kid, await importPublicJwk(k)] as const)));
}

export { RS1, RS2, threeVantageConfig, vote } from './configs.ts';

const HTTP_CHECK = `        HTTP_GET {
            url {
                path /health
                status_code 200
            }
            connect_timeout 2
        }`;
const TCP_CHECK = `        TCP_CHECK {
            connect_timeout 2
        }`;

/**
 * The loopback config the Prober tests share: one edge vantage point (`weur`;
 * local mode reaches loopback) over two real servers, the `upPort` fixture
 * serving and `downPort` closed (checked with retry 0, so it goes down at once).
 * `warmupS`: keepalived's warmup (default: delay_loop, first runs spread over
 * it); 0 makes every first run due when the plan arrives.
 */
export function edgeLoopbackConfig(o: { delayLoopS: number; upChecks: ('http' | 'tcp')[]; warmupS?: number }): string {
  const up = o.upChecks.map((c) => (c === 'http' ? HTTP_CHECK : TCP_CHECK)).join('\n');
  return `
virtual_server 127.0.0.1 8080 {
    delay_loop ${o.delayLoopS}${o.warmupS === undefined ? '' : `\n    warmup ${o.warmupS}`}
    protocol TCP
    real_server 127.0.0.1 ${inject('upPort')} {
        weight 1
${up}
    }
    real_server 127.0.0.1 ${inject('downPort')} {
        weight 1
        TCP_CHECK {
            connect_timeout 2
            retry 0
        }
    }
}
vigil {
    vantage_point weur {
        kind edge
        region weur
    }
}
`;
}

/** Waits (up to `timeoutMs`) until no checker of the Prober is lent to a round any more; returns its status then. */
export function roundsBack(stub: DurableObjectStub<Prober>, timeoutMs = 10_000): Promise<ProberStatus> {
  return eventually(
    "the Prober's round to report back (no checker still lent to it)",
    async () => {
      const s = await stub.status();
      const lent = s.jobs.filter((j) => j.inRound).map((j) => j.target);
      if (lent.length > 0) throw new Error(`still lent: ${lent.join(', ')}`);
      return s;
    },
    { timeoutMs, intervalMs: 20 },
  );
}

/** Runs a Prober's alarm, then waits until the ProbeRunner round it handed off has reported back (roundsBack). */
export async function alarmAndRound(stub: DurableObjectStub<Prober>, timeoutMs = 10_000): Promise<ProberStatus> {
  if (!(await runDurableObjectAlarm(stub))) throw new Error('the Prober had no alarm set to run');
  return roundsBack(stub, timeoutMs);
}

/** When the last of a Prober's checkers falls due. */
export const lastDueMs = (s: ProberStatus) => Math.max(...s.jobs.map((j) => j.dueMs));
