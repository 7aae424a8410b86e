import { describe, expect, inject, it } from 'vitest';
import { HttpGetCheck, TcpCheck } from '../../core/config/checks.ts';
import { fetchUrl } from '../../core/check/http-get.ts';
import { hostHeader } from '../../core/check/http-request.ts';
import { DEFAULT_LIMITS } from '../../core/check/http-response.ts';
import { runCheck } from '../../core/check/run-check.ts';
import { workersCheckPorts } from './workers-ports.ts';

/**
 * Runs inside workerd (vitest-pool-workers): the edge Prober's engine must
 * compute exactly the digests Debian's genhash prints, over cloudflare:sockets.
 */
const port = inject('httpPort');
const digests = inject('digests');

const ctx = (timeoutMs = 3000) => ({ timeoutMs, signal: new AbortController().signal });

describe(`workerd engine agrees with keepalived's genhash (${inject('digestSource')})`, () => {
  it('runs in workerd, not Node', () => {
    expect(navigator.userAgent).toBe('Cloudflare-Workers');
  });

  for (const [path, want] of Object.entries(digests)) {
    it(`digest of ${path}`, async () => {
      const got = await fetchUrl(workersCheckPorts, {
        host: '127.0.0.1',
        port,
        path,
        protocol: '1.0',
        hostHeader: hostHeader('127.0.0.1', port, undefined),
        digest: 'md5',
        keepForRegex: false,
        timeoutMs: 5000,
        signal: new AbortController().signal,
        limits: DEFAULT_LIMITS,
      });
      expect(got.ok && got.value.digest).toBe(want);
    });
  }

  it('HTTP_GET with the genhash digest passes, with another digest fails', async () => {
    const good = HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/file', digest: digests['/file'] }] });
    const bad = HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/file', digest: 'f'.repeat(32) }] });
    const target = { ip: '127.0.0.1', port };
    expect((await runCheck(good, target, workersCheckPorts, ctx())).reason).toBe('ok');
    expect((await runCheck(bad, target, workersCheckPorts, ctx())).reason).toBe('digest_mismatch');
  });

  it('TCP_CHECK: up against a listener, connect_refused against a closed port', async () => {
    const check = TcpCheck.parse({ type: 'TCP_CHECK' });
    expect((await runCheck(check, { ip: '127.0.0.1', port }, workersCheckPorts, ctx())).reason).toBe('ok');
    const refused = await runCheck(check, { ip: '127.0.0.1', port: inject('closedPort') }, workersCheckPorts, ctx());
    expect(refused.ok).toBe(false);
    expect(['connect_refused', 'connect_error']).toContain(refused.reason);
  });

  it('regex checks run on RE2 in workerd too: a match, a mismatch, and (a+)+$ over a catastrophic body ends within its deadline', async () => {
    const target = { ip: '127.0.0.1', port: inject('redosPort') };
    const match = HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/', regex: 'a{27}b' }] });
    expect((await runCheck(match, target, workersCheckPorts, ctx())).reason).toBe('ok');
    const redos = HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/', regex: '(a+)+$' }] });
    const started = Date.now();
    const r = await runCheck(redos, target, workersCheckPorts, ctx(1000));
    expect(r.reason).toBe('regex_mismatch');
    // workerd's clock moves only across I/O, so this bounds the whole check, sockets included.
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a silent backend ends in read_timeout, a garbage one in protocol_error', async () => {
    const check = HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/' }] });
    const silent = await runCheck(check, { ip: '127.0.0.1', port: inject('silentPort') }, workersCheckPorts, ctx(500));
    expect(silent.reason).toBe('read_timeout');
    const garbage = await runCheck(check, { ip: '127.0.0.1', port: inject('garbagePort') }, workersCheckPorts, ctx());
    expect(garbage.reason).toBe('protocol_error');
  });
});
