import type { TestProject } from 'vitest/node';
import { DemoBackend } from '../../shim/local/demo-backends.ts';

/**
 * Runs in Node before the control-plane tests in workerd: real HTTP servers on
 * loopback for the Prober's alarms to check (workerd's sockets reach
 * 127.0.0.1), and a port that was just closed, so nothing listens there.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    upPort: number;
    downPort: number;
  }
}

export default async function setup(project: TestProject) {
  const up = new DemoBackend('up');
  const gone = new DemoBackend('down');
  await up.start();
  await gone.start();
  const downPort = gone.port;
  await gone.stop();
  project.provide('upPort', up.port);
  project.provide('downPort', downPort);
  return async () => {
    await up.stop();
  };
}
