import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { expectedDigest, FIXTURE_PATHS, keepalivedRequest, startHttpFixture } from '../../test/fixtures/http-fixtures.ts';
import { startHostile } from '../../test/fixtures/hostile-servers.ts';

/**
 * Runs in Node before the workerd tests: starts the loopback servers the
 * Worker dials (workerd's local sockets reach 127.0.0.1), and asks Debian's
 * genhash for the digests the Worker must reproduce.
 */
const run = promisify(execFile);

declare module 'vitest' {
  export interface ProvidedContext {
    httpPort: number;
    silentPort: number;
    garbagePort: number;
    redosPort: number;
    closedPort: number;
    /** path → digest; from /usr/bin/genhash when present, else from the vectors' rule. */
    digests: Record<string, string>;
    digestSource: string;
  }
}

export default async function setup(project: TestProject) {
  const http = await startHttpFixture();
  const silent = await startHostile('silent');
  const garbage = await startHostile('garbage');
  const redos = await startHostile('redos');
  // Port 1 (tcpmux) on loopback: nothing listens there, and unlike a port we
  // open and close, no other test's listener can be handed it in the meantime.
  const closedPort = 1;
  const haveGenhash = existsSync('/usr/bin/genhash');
  const digests: Record<string, string> = {};
  for (const path of FIXTURE_PATHS) {
    if (haveGenhash) {
      const { stdout } = await run('/usr/bin/genhash', ['-s', '127.0.0.1', '-p', String(http.port), '-u', path], { timeout: 10_000 });
      digests[path] = stdout.trim();
    } else {
      digests[path] = expectedDigest(path, keepalivedRequest(path, '1.0', `127.0.0.1:${http.port}`));
    }
  }
  if (!haveGenhash) console.warn('workerd digests: /usr/bin/genhash absent, comparing with the documented rule instead');
  project.provide('httpPort', http.port);
  project.provide('silentPort', silent.port);
  project.provide('garbagePort', garbage.port);
  project.provide('redosPort', redos.port);
  project.provide('closedPort', closedPort);
  project.provide('digests', digests);
  project.provide('digestSource', haveGenhash ? 'genhash' : 'rule');
  return async () => {
    await Promise.all([http.close(), silent.close(), garbage.close(), redos.close()]);
  };
}
