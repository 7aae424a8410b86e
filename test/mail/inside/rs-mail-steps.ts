/**
 * Runs inside UML (test/mail/realserver-mail.test.ts), where keepalived's
 * checker has the IPVS it needs: a real SMTP server (python3-aiosmtpd) on the
 * kernel's loopback, a TCP listener as the real server, and then, one after
 * the other with the same keepalived.conf, Debian's keepalived -C and
 * `vigil shim --local`. For each: the listener closes (TCP_CHECK fails, the
 * server goes DOWN, the quorum is lost), then listens again (UP, quorum back).
 * Prints each one's mailbox as a step; the test outside compares them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, within } from '../../helpers/eventually.ts';
import { PYTHON, readMailbox, SINK, subjectOf } from '../mailbox.ts';
import { DOWN, QUORUM_DOWN, QUORUM_UP, RS, UP } from './rs-subjects.ts';

const STEP = 'VIGIL-STEP ';
const REPO = join(import.meta.dirname, '../../..');

const dir = mkdtempSync(join(tmpdir(), 'vigil-mail-'));
const conf = (smtpPort: number) => `global_defs {
  router_id DIRECTOR-1
  notification_email {
    ops@example.org
    noc@example.org
  }
  notification_email_from vigil-test@example.org
  smtp_server 127.0.0.1 ${smtpPort}
  smtp_helo_name director1.example.org
  smtp_connect_timeout 5
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  lb_algo rr
  delay_loop 1
  smtp_alert
  real_server ${RS.ip} ${RS.port} {
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
`;

const kernel = () => spawnSync('ipvsadm', ['-Ln'], { encoding: 'utf8', timeout: 10_000 }).stdout;

function listen(): Promise<Server> {
  const s = createServer((c) => c.destroy());
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(RS.port, RS.ip, () => resolve(s));
  });
}

function run(argv: string[]): { child: ChildProcess; out: () => string } {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out };
}

async function stop(p: { child: ChildProcess }, what: string): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const closed = new Promise<void>((r) => p.child.once('close', () => r()));
  p.child.kill('SIGTERM');
  await within(`${what} to exit after SIGTERM`, closed, 20_000).catch(() => p.child.kill('SIGKILL'));
}

async function scenario(kind: 'keepalived' | 'shim', smtpPort: number): Promise<void> {
  const box = join(dir, `mail-${kind}`);
  const sink = run([PYTHON, SINK, '127.0.0.1', String(smtpPort), box]);
  await eventually('the SMTP server to listen', () => sink.out().includes('listening'), { timeoutMs: 20_000, detail: sink.out });
  const file = join(dir, `${kind}.conf`);
  writeFileSync(file, conf(smtpPort));
  let server = await listen();
  const argv =
    kind === 'keepalived'
      ? ['/usr/sbin/keepalived', '-n', '-l', '-D', '-C', '-f', file, '-p', join(dir, 'k.pid'), '-c', join(dir, 'k.chk.pid'), '-r', join(dir, 'k.vrrp.pid')]
      : [process.execPath, join(REPO, 'bin/vigil.js'), 'shim', '--config', file, '--local', '--ipvs-backend', 'ipvsadm', '--metrics-listen', '127.0.0.1:9111'];
  const d = run(argv);
  const detail = () => `mail: ${JSON.stringify(readMailbox(box).map(subjectOf))}\n${kind}:\n${d.out().slice(-3000)}\nkernel:\n${kernel()}`;
  const has = (subjects: string[]) => () => subjects.every((s) => readMailbox(box).some((m) => subjectOf(m) === s));
  let metrics = '';
  try {
    await eventually(`${kind} to put the real server in the table`, () => kernel().includes(`${RS.ip}:${RS.port}`), { timeoutMs: 30_000, detail });
    await new Promise<void>((r) => server.close(() => r()));
    await eventually(`${kind} to mail the real server DOWN and the quorum lost`, has([DOWN, QUORUM_DOWN]), { timeoutMs: 30_000, detail });
    server = await listen();
    await eventually(`${kind} to mail the real server UP and the quorum back`, has([UP, QUORUM_UP]), { timeoutMs: 30_000, detail });
    if (kind === 'shim') metrics = await (await fetch('http://127.0.0.1:9111/metrics', { signal: AbortSignal.timeout(5000) })).text();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
  } finally {
    await stop(d, kind);
    server.close();
    await stop(sink, 'the SMTP server');
  }
  process.stdout.write(STEP + JSON.stringify({ name: kind, mails: readMailbox(box), metrics: metrics.split('\n').filter((l) => l.startsWith('vigil_shim_mail')) }) + '\n');
  process.stderr.write(`--- ${kind}\n${d.out().slice(-4000)}\n`);
}

await scenario('keepalived', 2525);
await scenario('shim', 2526);
