import type { Vote } from '../core/vote/fold.ts';
import { BoardClient } from '../shim/probe/board-client.ts';

/**
 * A BoardClient whose every call also ends when the run stops: the
 * self-hosted prober posts its votes without a signal of its own, and a stop
 * must not wait out a request's deadline (10 s) to finish.
 */
export class StoppableBoardClient extends BoardClient {
  constructor(
    clusterUrl: string,
    token: string,
    private readonly stopSignal: AbortSignal,
  ) {
    super(clusterUrl, token);
  }

  private until(signal?: AbortSignal): AbortSignal {
    return signal ? AbortSignal.any([signal, this.stopSignal]) : this.stopSignal;
  }

  override assignment(vantage: string, signal?: AbortSignal) {
    return super.assignment(vantage, this.until(signal));
  }

  override postVotes(votes: Vote[], signal?: AbortSignal) {
    return super.postVotes(votes, this.until(signal));
  }

  override putConfig(text: string, contentType?: string, signal?: AbortSignal) {
    return super.putConfig(text, contentType, this.until(signal));
  }

  override verdict(since: number, waitS: number, signal?: AbortSignal) {
    return super.verdict(since, waitS, this.until(signal));
  }

  override voteDetail(signal?: AbortSignal) {
    return super.voteDetail(this.until(signal));
  }

  override keys(signal?: AbortSignal) {
    return super.keys(this.until(signal));
  }
}
