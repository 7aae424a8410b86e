import dgram from 'node:dgram';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Check } from '../../core/config/checks.ts';
import { runCheck } from '../../core/check/run-check.ts';
import { nodeCheckPorts } from './node-check-ports.ts';
import { withScripts } from './script-runner.ts';
import { lookupUser } from './script-security.ts';
import { nodeTcpPorts } from '../ports/node-ports.ts';

/** Each check against a real loopback peer speaking its protocol, as an operator's backend would. */
const ctx = (timeoutMs = 2000) => ({ timeoutMs, signal: new AbortController().signal });
const run = (c: unknown, port = 0) => runCheck(Check.parse(c), { ip: '127.0.0.1', port }, nodeCheckPorts, ctx());

function tcpServer(onConn: (s: net.Socket) => void): Promise<{ port: number; close: () => void }> {
  return new Promise((resolve) => {
    const srv = net.createServer((s) => {
      s.on('error', () => {});
      onConn(s);
    });
    srv.listen(0, '127.0.0.1', () => resolve({ port: (srv.address() as net.AddressInfo).port, close: () => srv.close() }));
  });
}

function smtpServer(banner: string, heloReply = '250 hello'): Promise<{ port: number; close: () => void; helos: string[] }> {
  const helos: string[] = [];
  return tcpServer((s) => {
    s.write(banner);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (line.startsWith('HELO ')) (helos.push(line.slice(5)), s.write(`${heloReply}\r\n`));
        else if (line === 'QUIT') s.end('221 bye\r\n');
      }
    });
  }).then((x) => ({ ...x, helos }));
}

describe('SMTP_CHECK', () => {
  it('passes a 220 banner (also multi-line) and a 250 to HELO with the configured name', async () => {
    const srv = await smtpServer('220-mail.test ESMTP\r\n220 ready\r\n');
    const r = await run({ type: 'SMTP_CHECK', heloName: 'probe.example' }, srv.port);
    srv.close();
    expect(r.reason).toBe('ok');
    expect(srv.helos).toEqual(['probe.example']);
  });

  it('fails a server that greets with 554', async () => {
    const srv = await smtpServer('554 go away\r\n');
    const r = await run({ type: 'SMTP_CHECK' }, srv.port);
    srv.close();
    expect(r.reason).toBe('protocol_error');
  });

  it('fails when HELO is refused', async () => {
    const srv = await smtpServer('220 ok\r\n', '501 bad');
    const r = await run({ type: 'SMTP_CHECK' }, srv.port);
    srv.close();
    expect(r.reason).toBe('protocol_error');
  });
});

describe('DNS_CHECK over UDP', () => {
  let sock: dgram.Socket;
  let port = 0;
  let rcode = 0;
  let wrongIdFirst = false;
  beforeAll(async () => {
    sock = dgram.createSocket('udp4');
    sock.on('message', (msg, rinfo) => {
      const reply = Buffer.from(msg);
      reply[2] = 0x81; // QR + RD
      reply[3] = 0x80 | rcode;
      if (wrongIdFirst) {
        const decoy = Buffer.from(reply);
        decoy[0] = decoy[0]! ^ 0xff;
        sock.send(decoy, rinfo.port, rinfo.address);
      }
      sock.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    port = sock.address().port;
  });
  afterAll(() => sock.close());

  it('passes on RCODE 0, ignoring a reply with another id first', async () => {
    rcode = 0;
    wrongIdFirst = true;
    expect((await run({ type: 'DNS_CHECK', name: 'example.test', queryType: 'A' }, port)).reason).toBe('ok');
  });

  it('fails with dns_error on SERVFAIL', async () => {
    rcode = 2;
    wrongIdFirst = false;
    expect((await run({ type: 'DNS_CHECK' }, port)).reason).toBe('dns_error');
  });
});

describe('DNS_CHECK over TCP (the edge has no UDP)', () => {
  it('frames the query with its length and reads the framed reply', async () => {
    let rcode = 0;
    const srv = await tcpServer((s) => {
      let buf = Buffer.alloc(0);
      s.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
        const reply = Buffer.from(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        reply[2] = 0x81;
        reply[3] = 0x80 | rcode;
        const len = Buffer.alloc(2);
        len.writeUInt16BE(reply.length);
        // Split the reply across writes: the reader must reassemble it.
        s.write(Buffer.concat([len, reply.subarray(0, 3)]));
        setTimeout(() => s.end(reply.subarray(3)), 20);
      });
    });
    const check = Check.parse({ type: 'DNS_CHECK', name: 'example.test' });
    const ok = await runCheck(check, { ip: '127.0.0.1', port: srv.port }, nodeTcpPorts, ctx());
    rcode = 3;
    const nx = await runCheck(check, { ip: '127.0.0.1', port: srv.port }, nodeTcpPorts, ctx());
    srv.close();
    expect(ok.reason).toBe('ok');
    expect(nx.reason).toBe('dns_error');
  });
});

describe('UDP_CHECK', () => {
  it('require_reply with wildcard nibbles matches an echo', async () => {
    const sock = dgram.createSocket('udp4');
    sock.on('message', (m, r) => sock.send(m, r.port, r.address));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const port = sock.address().port;
    const ok = await run({ type: 'UDP_CHECK', payload: 'cafe01', requireReply: 'cax' + 'e01' }, port);
    const bad = await run({ type: 'UDP_CHECK', payload: 'cafe01', requireReply: 'beef' }, port);
    sock.close();
    expect(ok.reason).toBe('ok');
    expect(bad.reason).toBe('reply_mismatch');
  });

  it('a closed port answers ICMP unreachable: connect_refused', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const port = sock.address().port;
    sock.close();
    expect((await run({ type: 'UDP_CHECK', payload: '00' }, port)).reason).toBe('connect_refused');
  });
});

describe.skipIf(!existsSync('/usr/bin/ping'))('PING_CHECK', () => {
  it('127.0.0.1 answers', async () => {
    expect((await run({ type: 'PING_CHECK' })).reason).toBe('ok');
  });
});

describe('MISC_CHECK', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-misc-'));
  // Scripts run as nobody here (no script_user): the marker directory must be theirs to write.
  chmodSync(dir, 0o777);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const scripted = withScripts(nodeCheckPorts, { enableScriptSecurity: false });
  const misc = (command: string, extra: object = {}) => runCheck(Check.parse({ type: 'MISC_CHECK', miscPath: { command }, ...extra }), { ip: '127.0.0.1', port: 0 }, scripted, ctx());

  it('exit 0 is up, exit 1 is down', async () => {
    expect((await misc('/bin/true')).ok).toBe(true);
    const r = await misc('/bin/false');
    expect([r.ok, r.reason]).toEqual([false, 'script_failed']);
  });

  it('misc_dynamic: exit 2..255 is up with weight = code − 2', async () => {
    const r = await misc(`/bin/sh -c 'exit 7'`, { miscDynamic: true });
    expect([r.ok, r.weight]).toEqual([true, 5]);
    expect((await misc(`/bin/sh -c 'exit 7'`)).ok).toBe(false);
  });

  it('runs without a shell: metacharacters stay literal arguments', async () => {
    const marker = join(dir, 'pwned');
    const r = await misc(`/bin/echo hi; /usr/bin/touch ${marker}`);
    expect(r.ok).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });

  it('misc_timeout kills a hung script: script_timeout', async () => {
    const started = performance.now();
    const r = await misc('/bin/sleep 30', { miscTimeoutMs: 300 });
    expect(r.reason).toBe('script_timeout');
    expect(performance.now() - started).toBeLessThan(1300 + 1000);
  });

  it('a missing program is script_failed, not a crash', async () => {
    expect((await misc('/nonexistent/check --flag')).reason).toBe('script_failed');
  });

  it('with no script_user the script runs as nobody, never as the prober\'s root', async () => {
    const marker = join(dir, 'whoami');
    expect((await misc(`/usr/bin/touch ${marker}`)).ok).toBe(true);
    expect(statSync(marker).uid).toBe(lookupUser('nobody')?.uid);
  });

  it('the script\'s own user wins over script_user; an unknown user is script_refused, not run', async () => {
    const marker = join(dir, 'own-user');
    const policy = { scriptUser: { user: 'no-such-user-vigil' }, enableScriptSecurity: false };
    const ports = withScripts(nodeCheckPorts, policy);
    const own = await runCheck(Check.parse({ type: 'MISC_CHECK', miscPath: { command: `/usr/bin/touch ${marker}`, user: 'nobody' } }), { ip: '127.0.0.1', port: 0 }, ports, ctx());
    expect(own.reason).toBe('ok');
    expect(statSync(marker).uid).toBe(lookupUser('nobody')?.uid);
    const refused = await runCheck(Check.parse({ type: 'MISC_CHECK', miscPath: { command: `/usr/bin/touch ${marker}-2` } }), { ip: '127.0.0.1', port: 0 }, ports, ctx());
    expect([refused.reason, existsSync(`${marker}-2`)]).toEqual(['script_refused', false]);
  });

  it('a host without the script port does not run scripts at all', async () => {
    const r = await runCheck(Check.parse({ type: 'MISC_CHECK', miscPath: { command: '/bin/true' } }), { ip: '127.0.0.1', port: 0 }, nodeCheckPorts, ctx());
    expect(r.reason).toBe('unsupported');
  });
});
