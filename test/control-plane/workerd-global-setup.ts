import { createServer, type Socket } from 'node:net';
import type { TestProject } from 'vitest/node';
import { DemoBackend } from '../../devstack/demo-backends.ts';
import { CLOSED_PORT } from '../helpers/closed-port.ts';

/**
 * Runs in Node before the control-plane tests in workerd: real HTTP servers on
 * loopback for the Prober's alarms to check (workerd's sockets reach
 * 127.0.0.1), a port where nothing listens (never one just closed: it can
 * be handed to another listener meanwhile), and a server that accepts and never answers (an HTTP check on it waits out its
 * timeout).
 */
declare module 'vitest' {
  export interface ProvidedContext {
    upPort: number;
    downPort: number;
    silentPort: number;
  }
}

export default async function setup(project: TestProject) {
  const up = new DemoBackend('up');
  await up.start();
  const held = new Set<Socket>();
  const silent = createServer((s) => (held.add(s), s.on('close', () => held.delete(s))));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  project.provide('upPort', up.port);
  project.provide('downPort', CLOSED_PORT);
  project.provide('silentPort', (silent.address() as { port: number }).port);
  return async () => {
    await up.stop();
    for (const s of held) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  };
}
