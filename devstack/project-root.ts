import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The checkout's root, found from a file's folder by walking up to Vigil's
 * package.json: the same answer from the sources (devstack/) and from the
 * bundle (dist/cli/), which sit at different depths.
 */
export function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'vigil') return dir;
    if (dirname(dir) === dir) throw new Error(`no Vigil checkout above ${from}`);
  }
}
