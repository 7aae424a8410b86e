import type { CheckPorts } from '../../core/check/ports.ts';
import { systemClock } from '../../core/ports/clock.ts';
import { createHasher } from '../../core/ports/hasher.ts';
import { socketsDial } from './sockets-dial.ts';

/** What an edge Prober can offer a check: TCP (and TLS) only. UDP, ICMP and processes are `unsupported`. */
export const workersCheckPorts: CheckPorts = { dial: socketsDial, clock: systemClock, createHasher };
