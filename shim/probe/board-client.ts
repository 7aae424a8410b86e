import * as z from 'zod';
import { Config } from '../../core/config/model.ts';
import { isVigilErrorCode, VigilError } from '../../core/errors.ts';
import type { Vote } from '../../core/vote/fold.ts';
import { importPublicJwk, SIGNATURE_HEADER, type CryptoKey } from '../../core/vote/snapshot.ts';
import { VoteDetail } from '../../core/vote/vote-detail.ts';
import { deadline } from '../ports/deadline.ts';
import { boardUrlProblem, loggableUrl } from './board-url.ts';
import { parseDroppingUnknownKeys } from '../../core/config/stored.ts';

/**
 * The Board's HTTP API as a self-hosted prober or a shim uses it. Every call
 * has a deadline (shim/ports/deadline.ts, joined with the caller's signal). The
 * token travels only in the Authorization header and is never logged.
 */
export const Assignment = z.object({ version: z.number(), etag: z.string(), config: Config, targets: z.array(z.string()) });
export type Assignment = z.infer<typeof Assignment>;
const ErrorBody = z.object({ code: z.string(), message: z.string(), path: z.string().optional() });
const Keys = z.object({ keys: z.array(z.object({ kid: z.string(), x: z.string() })) });


export interface SignedBytes {
  body: Uint8Array;
  signature: string | null;
}

export class BoardClient {
  /** `clusterUrl`: http(s)://host/v1/clusters/NAME. */
  constructor(
    readonly clusterUrl: string,
    private readonly token: string,
    private readonly deadlineMs = 10_000,
  ) {
    const problem = boardUrlProblem(clusterUrl);
    if (problem) throw new VigilError('ERR_USAGE', problem, { path: '--board' });
    if (!/\/v1\/clusters\/[a-z0-9][a-z0-9_-]*\/?$/.test(new URL(clusterUrl).pathname)) throw new VigilError('ERR_USAGE', `--board must be a cluster URL (…/v1/clusters/NAME), got ${loggableUrl(clusterUrl)}`, { path: '--board' });
    this.clusterUrl = clusterUrl.replace(/\/$/, '');
  }

  get cluster(): string {
    return this.clusterUrl.slice(this.clusterUrl.lastIndexOf('/') + 1);
  }

  /** One request and the reading of its answer, both under one deadline (joined with the caller's signal), cleared when read. */
  private async call<T>(path: string, init: RequestInit & { deadlineMs?: number; signal?: AbortSignal }, read: (res: Response) => Promise<T>): Promise<T> {
    const url = path.startsWith('/v1/keys') ? new URL('/v1/keys', this.clusterUrl).href : `${this.clusterUrl}${path}`;
    const limit = deadline(init.deadlineMs ?? this.deadlineMs, `Board ${path.split('?')[0]}`, init.signal);
    try {
      const res = await fetch(url, { ...init, signal: limit.signal, headers: { Authorization: `Bearer ${this.token}`, ...(init.headers as Record<string, string> | undefined) } });
      if (res.status >= 400) {
        const text = await res.text();
        const body = ErrorBody.safeParse((() => { try { return JSON.parse(text); } catch { return null; } })());
        // A known code keeps its meaning; anything else (a proxy's page, an old Board) is an HTTP failure, retryable from 500 up.
        if (body.success && isVigilErrorCode(body.data.code)) throw new VigilError(body.data.code, body.data.message, { path: body.data.path, retryable: res.status >= 500 || res.status === 429 });
        throw new VigilError('ERR_BOARD_HTTP', body.success ? `${body.data.code}: ${body.data.message}` : `HTTP ${res.status}`, { retryable: res.status >= 500 || res.status === 429 });
      }
      return await read(res);
    } finally {
      limit.clear();
    }
  }

  /** The assignment, or null when `etag` is still current. */
  async assignment(vantage: string, signal?: AbortSignal): Promise<Assignment> {
    // A newer Board may know config keys this prober does not: they are dropped, not a refusal of the whole assignment.
    return this.call(`/assignment?vantage=${encodeURIComponent(vantage)}`, { signal }, async (res) => parseDroppingUnknownKeys(Assignment, await res.json()));
  }

  async postVotes(votes: Vote[], signal?: AbortSignal): Promise<{ accepted: number; ignored: number }> {
    return this.call('/votes', { method: 'POST', body: JSON.stringify({ votes }), headers: { 'Content-Type': 'application/json' }, signal }, async (res) => z.object({ accepted: z.number(), ignored: z.number() }).parse(await res.json()));
  }

  async putConfig(text: string, contentType = 'text/plain', signal?: AbortSignal): Promise<{ version: number; etag: string; warnings: string[] }> {
    return this.call('/config', { method: 'PUT', body: text, headers: { 'Content-Type': contentType }, signal }, async (res) => z.object({ version: z.number(), etag: z.string(), warnings: z.array(z.string()) }).parse(await res.json()));
  }

  /** Long-poll: the next snapshot after `since` as exact bytes, or null if none came within waitS. */
  async verdict(since: number, waitS: number, signal?: AbortSignal): Promise<SignedBytes | null> {
    return this.call(`/verdict?since=${since}&wait=${waitS}`, { signal, deadlineMs: waitS * 1000 + this.deadlineMs }, async (res) => {
      if (res.status === 204) {
        await res.body?.cancel();
        return null;
      }
      return { body: new Uint8Array(await res.arrayBuffer()), signature: res.headers.get(SIGNATURE_HEADER) };
    });
  }

  /** Per-vantage detail of the latest fold (lean snapshots leave it out). */
  async voteDetail(signal?: AbortSignal): Promise<VoteDetail> {
    return this.call('/votes', { signal }, async (res) => VoteDetail.parse(await res.json()));
  }

  async keys(signal?: AbortSignal): Promise<Map<string, CryptoKey>> {
    const { keys } = await this.call('/v1/keys', { signal }, async (res) => Keys.parse(await res.json()));
    return new Map(await Promise.all(keys.map(async (k) => [k.kid, await importPublicJwk(k)] as const)));
  }
}
