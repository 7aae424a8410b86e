/**
 * A byte relay across the boundary of a network namespace, run inside it by
 * uml-net.ts (`ip netns exec NS node --import tsx netns-relay.ts SPEC...`).
 * Unix sockets are file-system objects, not network ones, so a path bridges
 * the namespace (where UML's tap lives) and the host's loopback (where
 * workerd, the probers and the test's proxy live) without touching any of the
 * machine's own interfaces. SPEC is LISTEN=TARGET, each tcp:HOST:PORT or
 * unix:PATH. Prints "ready" once every listener is up; runs until killed.
 */
import { connect, createServer, type NetConnectOpts } from 'node:net';

function parse(spec: string): { path: string } | { host: string; port: number } {
  if (spec.startsWith('unix:')) return { path: spec.slice(5) };
  const m = /^tcp:(.+):(\d+)$/.exec(spec);
  if (!m) throw new Error(`bad endpoint ${spec}`);
  return { host: m[1]!, port: Number(m[2]) };
}

const servers = process.argv.slice(2).map((arg) => {
  const [listen, target] = arg.split('=');
  const to = parse(target!) as NetConnectOpts;
  const server = createServer((down) => {
    const up = connect(to);
    // Either side failing or ending ends both: a dead Board must look dead to the shim.
    const end = () => {
      down.destroy();
      up.destroy();
    };
    down.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
    down.pipe(up);
    up.pipe(down);
  });
  const at = parse(listen!);
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('path' in at) server.listen(at.path, resolve);
    else server.listen(at.port, at.host, resolve);
  });
});
await Promise.all(servers);
process.stdout.write('ready\n');
process.on('SIGTERM', () => process.exit(0));
// The test holds our stdin: when it dies, however it dies, so do we.
process.stdin.on('close', () => process.exit(0)).resume();
