import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchUrl } from '../core/check/http-get.ts';
import { hostHeader, type HttpProtocol } from '../core/check/http-request.ts';
import { DEFAULT_LIMITS } from '../core/check/http-response.ts';
import { nodeTcpPorts } from '../shim/ports/node-ports.ts';
import { expectedDigest, FIXTURE_PATHS, keepalivedRequest, startHttpFixture, type Served } from './fixtures/http-fixtures.ts';
import { CLOSED_PORT } from './helpers/closed-port.ts';
import { skipTitle } from './helpers/skip-reason.ts';

/**
 * The digest an operator pastes into keepalived.conf comes from Debian's
 * genhash; Vigil's engine and `vigil genhash` must print the same one for the
 * same page, or every migrated HTTP_GET with a digest would go down.
 */
const run = promisify(execFile);
const GENHASH = '/usr/bin/genhash';
const VIGIL = fileURLToPath(new URL('../bin/vigil.js', import.meta.url));
const CLI = [VIGIL, 'genhash'];
const noGenhash = existsSync(GENHASH) ? null : `${GENHASH} is absent (infra/install-test-deps.sh installs keepalived)`;

let server: Served;
beforeAll(async () => {
  server = await startHttpFixture();
});
afterAll(async () => server?.close());

async function debianGenhash(args: string[]): Promise<string> {
  const { stdout } = await run(GENHASH, args, { timeout: 10_000 });
  return stdout.trim();
}

async function vigilGenhash(args: string[]): Promise<{ out: string; code: number; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI, ...args], { timeout: 20_000 });
    return { out: stdout.trim(), code: 0, err: stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { out: (err.stdout ?? '').trim(), code: err.code ?? -1, err: err.stderr ?? '' };
  }
}

async function engineDigest(path: string, protocol: HttpProtocol, vhost?: string): Promise<string | null> {
  const got = await fetchUrl(nodeTcpPorts, {
    host: '127.0.0.1',
    port: server.port,
    path,
    protocol,
    hostHeader: hostHeader('127.0.0.1', server.port, vhost),
    digest: 'md5',
    keepForRegex: false,
    timeoutMs: 5000,
    signal: new AbortController().signal,
    limits: DEFAULT_LIMITS,
  });
  if (!got.ok) throw new Error(`${got.reason}: ${got.message}`);
  return got.value.digest;
}

const VARIANTS: { name: string; protocol: HttpProtocol; flag: string; vhost?: string }[] = [
  { name: 'HTTP/1.0', protocol: '1.0', flag: '1.0' },
  { name: '1.0 with Connection: close', protocol: '1.0C', flag: '1.0c' },
  { name: 'HTTP/1.1', protocol: '1.1', flag: '1.1' },
  { name: 'virtualhost', protocol: '1.0', flag: '1.0', vhost: 'www.example.test' },
  { name: 'virtualhost over 1.1', protocol: '1.1', flag: '1.1', vhost: 'www.example.test:8080' },
];

describe.skipIf(!!noGenhash)(skipTitle('digest agreement with Debian keepalived 2.2.7 genhash', noGenhash), () => {
  for (const path of FIXTURE_PATHS) {
    it(`engine agrees with genhash on ${path}`, async () => {
      const theirs = await debianGenhash(['-s', '127.0.0.1', '-p', String(server.port), '-u', path]);
      expect(theirs).toMatch(/^[0-9a-f]{32}$/);
      expect(await engineDigest(path, '1.0')).toBe(theirs);
      // And both equal the rule written down in the vectors file (raw bytes, cut at Content-Length).
      const req = keepalivedRequest(path, '1.0', `127.0.0.1:${server.port}`);
      expect(theirs).toBe(expectedDigest(path, req));
    });
  }

  for (const v of VARIANTS) {
    it(`request bytes agree (${v.name}): /echo hashes the request itself`, async () => {
      const args = ['-s', '127.0.0.1', '-p', String(server.port), '-u', '/echo', '-P', v.flag];
      if (v.vhost) args.push('-V', v.vhost);
      const theirs = await debianGenhash(args);
      expect(await engineDigest('/echo', v.protocol, v.vhost)).toBe(theirs);
      const cli = await vigilGenhash(args);
      expect(cli.err).toBe('');
      expect(cli.out).toBe(theirs);
    });
  }

  it('vigil genhash prints the same line for chunked and large bodies', async () => {
    for (const path of ['/chunked', '/big', '/big-close', '/short-cl']) {
      const args = ['-s', '127.0.0.1', '-p', String(server.port), '-u', path];
      const cli = await vigilGenhash(args);
      expect({ path, out: cli.out, code: cli.code }).toEqual({ path, out: await debianGenhash(args), code: 0 });
    }
  });

  it('vigil genhash fails loudly where keepalived exits 0 on a refused connection', async () => {
    const port = CLOSED_PORT;
    const theirs = await run(GENHASH, ['-s', '127.0.0.1', '-p', String(port), '-u', '/x'], { timeout: 10_000 });
    expect(theirs.stdout.trim()).toBe('Connection failed');
    const ours = await vigilGenhash(['-s', '127.0.0.1', '-p', String(port), '-u', '/x']);
    expect(ours.code).toBe(1);
    expect(ours.out).toBe('');
    expect(ours.err).toMatch(/connect_refused/);
  });
});
