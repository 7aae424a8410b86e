import { afterEach, describe, expect, it } from 'vitest';
import { HttpGetCheck, SslGetCheck } from '../core/config/checks.ts';
import { runCheck } from '../core/check/run-check.ts';
import type { ReasonCode } from '../core/check/result.ts';
import { nodeTcpPorts } from '../shim/ports/node-ports.ts';
import type { Served } from './fixtures/http-fixtures.ts';
import { startHostile, type Hostile } from './fixtures/hostile-servers.ts';
import { CLOSED_PORT } from './helpers/closed-port.ts';
import { peakRss, worstLoopLag } from './helpers/samplers.ts';

/**
 * A backend that misbehaves must cost a prober one bounded check and a reason
 * an operator can act on, never a stuck slot or a growing heap.
 */
const TIMEOUT_MS = 1000;
// Connect deadline + response deadline, plus a generous second for a busy machine.
const WITHIN_MS = 2 * TIMEOUT_MS + 1000;

let server: Served | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function probe(kind: Hostile, opts: { ssl?: boolean; maxBodyBytes?: number; digest?: string } = {}) {
  server = await startHostile(kind);
  const check = opts.ssl
    ? SslGetCheck.parse({ type: 'SSL_GET', urls: [{ path: '/' }] })
    : HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/', digest: opts.digest }] });
  const started = performance.now();
  const result = await runCheck(check, { ip: '127.0.0.1', port: server.port }, nodeTcpPorts, {
    timeoutMs: TIMEOUT_MS,
    signal: new AbortController().signal,
    limits: opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {},
  });
  return { result, elapsedMs: performance.now() - started };
}

const CASES: [Hostile, ReasonCode, { ssl?: boolean }?][] = [
  ['silent', 'read_timeout'],
  ['trickle', 'read_timeout'],
  ['endless', 'body_too_large'],
  ['garbage', 'protocol_error'],
  ['no-reason', 'protocol_error'],
  ['huge-header', 'header_too_large'],
  ['reset-mid-body', 'reset'],
  ['not-tls', 'tls_error', { ssl: true }],
];

describe('hostile backends end with the right reason within the deadline', () => {
  for (const [kind, reason, opts] of CASES) {
    it(`${kind} → ${reason}`, async () => {
      const { result, elapsedMs } = await probe(kind, opts);
      expect(result.reason, result.detail).toBe(reason);
      expect(result.ok).toBe(false);
      expect(elapsedMs).toBeLessThan(WITHIN_MS);
    });
  }

  it('an endless body is hashed in constant memory and cut off at the byte limit', async () => {
    const maxBodyBytes = 96 * 1024 * 1024;
    const { value, growthBytes } = await peakRss(() => probe('endless', { maxBodyBytes, digest: '0'.repeat(32) }), 20);
    // Either limit may strike first on a slow machine; both end the read.
    expect(['body_too_large', 'read_timeout']).toContain(value.result.reason);
    // Far less than the bytes read: the body is streamed through the hash, not held.
    expect(growthBytes).toBeLessThan(48 * 1024 * 1024);
  });

  it('a refused connection is connect_refused, at once', async () => {
    const check = HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/' }] });
    const r = await runCheck(check, { ip: '127.0.0.1', port: CLOSED_PORT }, nodeTcpPorts, { timeoutMs: TIMEOUT_MS, signal: new AbortController().signal });
    expect(r.reason).toBe('connect_refused');
  });

  it('aborting the prober stops a check mid-read with reason aborted', async () => {
    server = await startHostile('silent');
    const ac = new AbortController();
    const check = HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/' }] });
    setTimeout(() => ac.abort(), 100);
    const started = performance.now();
    const r = await runCheck(check, { ip: '127.0.0.1', port: server.port }, nodeTcpPorts, { timeoutMs: 10_000, signal: ac.signal });
    expect(r.reason).toBe('aborted');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('a regex check cannot hold the prober (issue #12)', () => {
  // keepalived's PCRE2 stops such a match at its match limit; JavaScript's RegExp ran this one for 12.5 s.
  for (const [kind, noMatch, reason] of [
    ['redos', false, 'regex_mismatch'],
    ['redos', true, null],
    ['redos-mib', false, 'regex_mismatch'],
  ] as const) {
    it(`(a+)+$ over ${kind === 'redos' ? "27 a's and a b" : "1 MiB of a's and a b"}${noMatch ? ' with regex_no_match' : ''} ends within its deadline, the event loop free`, async () => {
      const hostile = await startHostile(kind);
      server = hostile;
      const check = HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/', regex: '(a+)+$', regexNoMatch: noMatch }] });
      // A timer that should tick every 10 ms: its worst lateness is how long the loop was held.
      const started = performance.now();
      const { value: result, worstLagMs } = await worstLoopLag(() => runCheck(check, { ip: '127.0.0.1', port: hostile.port }, nodeTcpPorts, { timeoutMs: TIMEOUT_MS, signal: new AbortController().signal }), 10);
      const elapsedMs = performance.now() - started;
      if (reason === null) expect(result.ok, result.detail).toBe(true);
      else expect(result.reason, result.detail).toBe(reason);
      expect(elapsedMs).toBeLessThan(TIMEOUT_MS);
      expect(worstLagMs).toBeLessThan(TIMEOUT_MS / 2);
    });
  }
});
