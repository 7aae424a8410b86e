/// <reference path="../workers/ports/cloudflare-sockets.d.ts" />
/**
 * A bench-only Worker: runs `n` checks of one kind against loopback ports with
 * at most six sockets open (the Workers limit per invocation) and answers how
 * many failed. bench/workerd-checks.ts bundles it and measures workerd's CPU.
 */
import { HttpGetCheck, TcpCheck } from '../core/config/checks.ts';
import { runCheck } from '../core/check/run-check.ts';
import { workersCheckPorts } from '../workers/ports/workers-ports.ts';

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get('n') ?? '0');
    const ports = (url.searchParams.get('ports') ?? '').split(',').map(Number);
    const check =
      url.searchParams.get('kind') === 'HTTP_GET'
        ? HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/', digest: url.searchParams.get('digest') ?? undefined }] })
        : TcpCheck.parse({ type: 'TCP_CHECK' });
    let next = 0;
    let failures = 0;
    let firstFailure = '';
    const latencies: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < n) {
          const port = ports[next++ % ports.length]!;
          const r = await runCheck(check, { ip: '127.0.0.1', port }, workersCheckPorts, { timeoutMs: 5000, signal: request.signal });
          latencies.push(r.latencyMs);
          if (!r.ok) {
            failures++;
            firstFailure ||= `${r.reason}: ${r.detail}`;
          }
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    return Response.json({ n, failures, firstFailure, latencyMsMedian: latencies[Math.floor(latencies.length / 2)] ?? 0 });
  },
};
