import type { Vote } from '../core/vote/fold.ts';
import { BoardClient } from '../shim/probe/board-client.ts';

/**
 * A BoardClient whose every call ends when the run stops. The self-hosted
 * prober posts its votes without a signal of its own, and a stop must not
 * wait out a request's deadline (10 s; a long-poll's 30 s) to finish. Each
 * call is also raced against the stop, so the caller goes on at once even
 * when a fetch has not seen its abort yet (seen: a long-poll begun a few
 * milliseconds before the stop still pending seconds later); the request
 * itself ends when wrangler is stopped a moment later.
 */
export class StoppableBoardClient extends BoardClient {
  constructor(
    clusterUrl: string,
    token: string,
    private readonly stopSignal: AbortSignal,
  ) {
    super(clusterUrl, token);
  }

  private until<T>(call: (signal: AbortSignal) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const stop = this.stopSignal;
    if (stop.aborted) return Promise.reject(stop.reason);
    return new Promise<T>((resolve, reject) => {
      const onStop = () => reject(stop.reason);
      stop.addEventListener('abort', onStop, { once: true });
      const p = call(signal ? AbortSignal.any([signal, stop]) : stop);
      p.then(resolve, reject).finally(() => stop.removeEventListener('abort', onStop));
    });
  }

  override assignment(vantage: string, signal?: AbortSignal) {
    return this.until((s) => super.assignment(vantage, s), signal);
  }

  override postVotes(votes: Vote[], signal?: AbortSignal) {
    return this.until((s) => super.postVotes(votes, s), signal);
  }

  override putConfig(text: string, contentType?: string, signal?: AbortSignal) {
    return this.until((s) => super.putConfig(text, contentType, s), signal);
  }

  override verdict(since: number, waitS: number, signal?: AbortSignal) {
    return this.until((s) => super.verdict(since, waitS, s), signal);
  }

  override voteDetail(signal?: AbortSignal) {
    return this.until((s) => super.voteDetail(s), signal);
  }

  override keys(signal?: AbortSignal) {
    return this.until((s) => super.keys(s), signal);
  }
}
