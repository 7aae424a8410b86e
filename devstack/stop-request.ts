import { constants } from 'node:os';

/** SIGHUP too: a closed terminal means stop for a foreground dev tool (wrangler, in its own group, never sees it). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface StopRequestOptions {
  /** The first request (a signal, or the run's own time limit): the ordinary stop begins. */
  onStop: (why: string) => void;
  /** A signal while the stop is under way: whatever must not be left behind is killed now, synchronously, and the process exits with `exitCode`. */
  onEscalate: (sig: NodeJS.Signals, exitCode: number) => void;
}

/**
 * One stop for a command's whole life, start-up included. Handlers are
 * `process.on`, never `once`: with `once` a second signal takes Node's default
 * and kills the process without clean-up. The first signal aborts `signal`;
 * any later one escalates. Call dispose() once everything is down.
 */
export class StopRequest {
  private readonly controller = new AbortController();
  private readonly handler = (sig: NodeJS.Signals) => {
    if (!this.controller.signal.aborted) this.request(sig);
    else this.o.onEscalate(sig, 128 + (constants.signals[sig] ?? 0));
  };

  constructor(private readonly o: StopRequestOptions) {
    for (const sig of STOP_SIGNALS) process.on(sig, this.handler);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Begins the stop, once; later calls do nothing (a time limit that fires after a signal, say). */
  request(why: string): void {
    if (this.controller.signal.aborted) return;
    this.controller.abort(new Error(`stop requested (${why})`));
    this.o.onStop(why);
  }

  dispose(): void {
    for (const sig of STOP_SIGNALS) process.off(sig, this.handler);
  }
}
