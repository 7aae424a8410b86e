import { systemClock } from '../../core/ports/clock.ts';
import { createHasher } from '../../core/ports/hasher.ts';
import type { CheckPorts } from '../../core/check/ports.ts';
import { nodeDial } from './node-dial.ts';

/** TCP-only ports for Node; add Node-only capabilities with shim/checks/node-check-ports.ts. */
export const nodeTcpPorts: CheckPorts = { dial: nodeDial, clock: systemClock, createHasher };
