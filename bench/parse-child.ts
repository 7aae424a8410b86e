/**
 * One measured parse in a fresh process (so memory figures are this parse's
 * own): prints JSON with the parse time, the retained heap, and peak RSS.
 */
import { readKeepalivedConfig } from '../core/keepalived/index.ts';
import { nodeConfigHost } from '../shim/config/node-host.ts';

const file = process.argv[2]!;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heap0 = process.memoryUsage().heapUsed;
const t0 = performance.now();
const res = readKeepalivedConfig(file, { host: nodeConfigHost, configId: 'bench' });
const ms = performance.now() - t0;
if (!res.ok) throw new Error('benchmark config did not parse');
gc?.();
const retainedMiB = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
const realServers = res.config.virtualServers.reduce((n, v) => n + v.realServers.length, 0);
process.stdout.write(JSON.stringify({ ms, retainedMiB, maxRssMiB: process.resourceUsage().maxRSS / 1024, realServers }) + '\n');
