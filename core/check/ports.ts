import type { Clock } from '../ports/clock.ts';
import type { Dial, DialFailure, SendDatagram } from '../ports/dial.ts';
import type { CreateHasher } from '../ports/hasher.ts';
import type { ResponseLimits } from './http-response.ts';

/** What a check may use from its runtime. Node-only capabilities are optional: the edge has none. */
export interface CheckPorts {
  dial: Dial;
  /**
   * TCP_CHECK's handshake alone, where a runtime has something cheaper than a
   * stream (Node: shim/ports/node-tcp-probe.ts). Without it TCP_CHECK dials and closes.
   */
  tcpProbe?: TcpProbe;
  clock: Clock;
  createHasher: CreateHasher;
  sendDatagram?: SendDatagram;
  /** ICMP echo; see shim/checks/ping.ts. */
  ping?: (opts: { host: string; timeoutMs: number; signal: AbortSignal }) => Promise<{ ok: true } | { ok: false; reason: 'ping_failed' | 'aborted'; message: string }>;
  /**
   * MISC_CHECK runner (shim/checks/script-runner.ts): the host decides whether
   * and as whom a script runs (core/check/script-policy.ts); `user`/`group`
   * are the script's own, when the config gives them.
   */
  runScript?: RunScript;
}

export type RunScript = (opts: { argv: string[]; timeoutMs: number; signal: AbortSignal; user?: string; group?: string }) => Promise<ScriptOutcome>;

export type ScriptOutcome =
  | { kind: 'exited'; code: number }
  | { kind: 'timeout' }
  | { kind: 'failed'; message: string }
  /** Not run: this host has not opted in, or the script's user or path is not acceptable. */
  | { kind: 'refused'; message: string };

/** Per-run context: the checker's connect_timeout and a signal that stops it. */
export interface RunContext {
  timeoutMs: number;
  signal: AbortSignal;
  limits?: Partial<ResponseLimits>;
}

export interface TcpProbeOptions {
  host: string;
  port: number;
  timeoutMs: number;
  signal: AbortSignal;
}
export type TcpProbeResult = { ok: true } | { ok: false; reason: DialFailure; message: string };
export type TcpProbe = (o: TcpProbeOptions) => Promise<TcpProbeResult>;
