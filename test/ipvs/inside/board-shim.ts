/**
 * Runs inside UML for test/ipvs/e2e-board.test.ts: the real `vigil shim` CLI
 * (ipvsadm backend, this kernel's IPVS), following the real Board through
 * eth0, and a small control endpoint the test reaches through the netns relay:
 *   GET  /kernel  this kernel's `ipvsadm -Sn`, lines sorted
 *   POST /stop    SIGTERM to the shim; answers {code, kernel} once it exited, then this script ends
 * The shim starts once key.json is there: the test pins the key it read from
 * the Board's /v1/keys, which needs workerd up, while this kernel boots.
 * The shim's output goes to shim.log in the run folder (hostfs), for the test.
 * argv: JSON {dir, board, cluster, listen, backend}: the run folder (config,
 * token, key), the Board's URL as seen from here, the cluster, eth0's address,
 * and the shim's --ipvs-backend.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { eventually } from '../../helpers/eventually.ts';

const REPO = join(import.meta.dirname, '../../..');
const a = JSON.parse(process.argv[2]!) as { dir: string; board: string; cluster: string; listen: string; backend: string };
const kernel = () => (spawnSync('ipvsadm', ['-Sn'], { encoding: 'utf8', timeout: 10_000 }).stdout ?? '').split('\n').filter(Boolean).sort().join('\n');

// Someone else's service: the shim must leave it alone, at start and at exit.
spawnSync('ipvsadm', ['-A', '-t', '10.9.9.9:25', '-s', 'rr'], { timeout: 10_000 });

await eventually('key.json, which the test writes once workerd answers', () => existsSync(join(a.dir, 'key.json')), { timeoutMs: 90_000, intervalMs: 100 });

const log = createWriteStream(join(a.dir, 'shim.log'));
const shim = spawn(
  process.execPath,
  [
    join(REPO, 'bin/vigil.js'), 'shim', '--config', join(a.dir, 'keepalived.conf'), '--config-id', 'uml',
    '--board', a.board, '--cluster', a.cluster, '--token-file', join(a.dir, 'token'), '--board-key', join(a.dir, 'key.json'),
    '--metrics-listen', `${a.listen}:9109`, '--board-backoff-max', '1', '--ipvs-backend', a.backend, '--state-dir', join(a.dir, 'state'),
  ],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
shim.stdout.pipe(log, { end: false });
shim.stderr.pipe(log, { end: false });
const exited = new Promise<number | null>((r) => shim.on('close', (c) => r(c)));

let stopping = false;
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/kernel') return void res.end(kernel());
  if (req.method === 'POST' && req.url === '/stop') {
    stopping = true;
    shim.kill('SIGTERM');
    // The shim's own deadline for a clean stop is well inside this one.
    const hard = setTimeout(() => shim.kill('SIGKILL'), 20_000);
    void exited.then((code) => {
      clearTimeout(hard);
      res.end(JSON.stringify({ code, kernel: kernel() }));
      server.close();
      log.end();
    });
    return;
  }
  res.writeHead(404).end();
});
server.listen(9110, a.listen);
// Exits when the shim did and the answer is out; run.sh then powers the kernel off.
const closed = new Promise((r) => server.on('close', r));
// A shim that died by itself ends the run at once (the test reads why from shim.log).
await exited;
if (!stopping) server.close();
await closed;
