/**
 * Faults the VRRP thread survives (an nft or netlink call refused, a macvlan
 * that will not come up, /proc unreadable, an advert that cannot be sent),
 * handed to the main thread's `Faults`: counted in
 * `vigil_shim_faults_total{where,reason}` and logged once per burst there.
 * The worker sets the sink once (vrrp-worker.ts); code that runs without one
 * (unit tests, tools) reports nothing here and keeps its own log lines.
 */
export interface VrrpFaultSink {
  fault(where: string, reason: string, detail: string): void;
  ok(where: string): void;
}

let sink: VrrpFaultSink | null = null;

export function setVrrpFaultSink(s: VrrpFaultSink | null): void {
  sink = s;
}

/** Reports a fault; false when there is no sink, so the caller logs it itself. */
export function vrrpFault(where: string, reason: string, detail: string): boolean {
  sink?.fault(where, reason, detail);
  return sink !== null;
}

/** The place that failed works again: the burst there is over. */
export function vrrpOk(where: string): void {
  sink?.ok(where);
}
