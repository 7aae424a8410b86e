import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpGetCheck, SslGetCheck } from '../core/config/checks.ts';
import { runCheck } from '../core/check/run-check.ts';
import { nodeTcpPorts } from '../shim/ports/node-ports.ts';
import { respond, startHttpFixture, type Served } from './fixtures/http-fixtures.ts';
import { skipTitle } from './helpers/skip-reason.ts';

/**
 * SSL_GET against a real TLS server (a certificate made by openssl for
 * www.example.test): SNI is sent only with enable_sni, the name follows
 * keepalived's precedence, and verification is off unless vigil_tls_verify.
 */
const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
let server: tls.Server;
let port = 0;
const seenSni: (string | false)[] = [];

beforeAll(async () => {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=www.example.test',
    '-addext', 'subjectAltName=DNS:www.example.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore', timeout: 30_000 });
  server = tls.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (s) => {
    seenSni.push((s as tls.TLSSocket & { servername?: string | false }).servername ?? false);
    s.on('error', () => {});
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n\r\n')) s.end(respond('/file', Buffer.from(buf)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const ctx = () => ({ timeoutMs: 3000, signal: new AbortController().signal });
const FILE_MD5 = 'b0de18193e2244faadbb22b1cc770490'; // md5('hello genhash\n'), as in test/fixtures/vectors

describe('SSL_GET', () => {
  it('passes with the page digest, sending no SNI unless enable_sni', async () => {
    seenSni.length = 0;
    const check = SslGetCheck.parse({ type: 'SSL_GET', urls: [{ path: '/file', digest: FILE_MD5 }] });
    const r = await runCheck(check, { ip: '127.0.0.1', port }, nodeTcpPorts, ctx());
    expect(r.reason, r.detail).toBe('ok');
    expect(seenSni).toEqual([false]);
  });

  it('enable_sni sends sni_name, else the url virtualhost', async () => {
    seenSni.length = 0;
    const named = SslGetCheck.parse({ type: 'SSL_GET', enableSni: true, sniName: 'sni.example.test', urls: [{ path: '/file', virtualhost: 'v.test' }] });
    const byVhost = SslGetCheck.parse({ type: 'SSL_GET', enableSni: true, urls: [{ path: '/file', virtualhost: 'v.test' }] });
    await runCheck(named, { ip: '127.0.0.1', port }, nodeTcpPorts, ctx());
    await runCheck(byVhost, { ip: '127.0.0.1', port }, nodeTcpPorts, ctx());
    expect(seenSni).toEqual(['sni.example.test', 'v.test']);
  });

  it('vigil_tls_verify rejects a certificate no CA signed: tls_error', async () => {
    const check = SslGetCheck.parse({ type: 'SSL_GET', tlsVerify: true, enableSni: true, sniName: 'www.example.test', urls: [{ path: '/file' }] });
    const r = await runCheck(check, { ip: '127.0.0.1', port }, nodeTcpPorts, ctx());
    expect(r.reason).toBe('tls_error');
  });

  it('HTTP_GET status_code ranges and regex_no_match decide as keepalived does', async () => {
    const plain: Served = await startHttpFixture();
    try {
      const t = { ip: '127.0.0.1', port: plain.port };
      const miss404 = HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/missing' }] });
      const want404 = HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/missing', statusCodes: [{ from: 400, to: 404 }] }] });
      const regexOk = HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/file', regex: 'gen+hash' }] });
      const regexNo = HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/file', regex: 'gen+hash', regexNoMatch: true }] });
      const twoUrls = HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/file' }, { path: '/missing' }] });
      expect((await runCheck(miss404, t, nodeTcpPorts, ctx())).reason).toBe('status_mismatch');
      expect((await runCheck(want404, t, nodeTcpPorts, ctx())).reason).toBe('ok');
      expect((await runCheck(regexOk, t, nodeTcpPorts, ctx())).reason).toBe('ok');
      expect((await runCheck(regexNo, t, nodeTcpPorts, ctx())).reason).toBe('regex_mismatch');
      expect((await runCheck(twoUrls, t, nodeTcpPorts, ctx())).reason).toBe('status_mismatch');
    } finally {
      await plain.close();
    }
  });
});

const noGenhash = existsSync('/usr/bin/genhash') ? null : '/usr/bin/genhash is absent (infra/install-test-deps.sh installs keepalived)';
describe.skipIf(!!noGenhash)(skipTitle('genhash -S agreement over TLS', noGenhash), () => {
  it('vigil genhash -S -I -V prints what Debian genhash prints and sends the same SNI', async () => {
    const run = promisify(execFile);
    const args = ['-S', '-I', '-V', 'www.example.test', '-s', '127.0.0.1', '-p', String(port), '-u', '/file'];
    seenSni.length = 0;
    const theirs = (await run('/usr/bin/genhash', args, { timeout: 10_000 })).stdout.trim();
    const vigil = fileURLToPath(new URL('../bin/vigil.js', import.meta.url));
    const cli = [vigil];
    const ours = (await run(process.execPath, [...cli, 'genhash', ...args], { timeout: 20_000 })).stdout.trim();
    expect(theirs).toMatch(/^[0-9a-f]{32}$/);
    expect(ours).toBe(theirs);
    expect(seenSni).toEqual(['www.example.test', 'www.example.test']);
  });
});
