import { systemClock } from '../../core/ports/clock.ts';
import { createHasher } from '../../core/ports/hasher.ts';
import type { CheckPorts } from '../../core/check/ports.ts';
import { nodeDial } from './node-dial.ts';
import { nativeTcpProbe, nodeTcpProbe } from './node-tcp-probe.ts';

/**
 * TCP-only ports for Node; add Node-only capabilities with shim/checks/node-check-ports.ts.
 * TCP_CHECK connects through the native probe when the addon is built (VIGIL_NATIVE_TCP=0 turns it off).
 */
export const nodeTcpPorts: CheckPorts = { dial: nodeDial, tcpProbe: nodeTcpProbe(nativeTcpProbe), clock: systemClock, createHasher };

/** The same without the native probe: node:net for every connect (benchmarks compare the two). */
export const nodeNetPorts: CheckPorts = { dial: nodeDial, clock: systemClock, createHasher };
