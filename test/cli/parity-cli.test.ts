import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedClass, PARITY, parityFixtures } from '../helpers/parity-fixtures.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { vigilCli } from '../helpers/vigil-cli.ts';

const { vigil } = vigilCli('vigil-parity-');
const KEEPALIVED = '/usr/sbin/keepalived';
const missing = !existsSync(KEEPALIVED) ? `${KEEPALIVED} is absent (infra/install-test-deps.sh installs keepalived)` : process.getuid?.() !== 0 ? 'needs root for a network namespace with eth0 and eth1' : null;

/** vigil check-config's exit code as a class: 0 clean, 2 warnings, 1 errors. */
const vigilClass = (code: number | null) => (code === 0 ? 'clean' : code === 2 ? 'warnings' : code === 1 ? 'errors' : `exit ${code}`);
/** keepalived -t's: 0 clean, 5 config errors it still runs with (or 6, script security), 4 cannot run. */
const keepalivedClass = (code: number | null) => (code === 0 ? 'clean' : code === 5 || code === 6 ? 'warnings' : code === 4 ? 'errors' : `exit ${code}`);

/**
 * keepalived -t in a network namespace of its own (unshare: gone when the
 * process exits, so no name to collide with another run) holding eth0 and eth1,
 * because keepalived checks that the interfaces a file names exist.
 */
function keepalivedTest(file: string) {
  const r = spawnSync('unshare', ['--net', 'sh', '-c', 'ip link add eth0 type veth peer name eth1 && ip link set eth0 up && exec "$0" -t -l -f "$1"', KEEPALIVED, file], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, err: r.stderr };
}

describe.skipIf(missing !== null)(skipTitle('vigil check-config against keepalived -t on the parity fixtures', missing), () => {
  for (const f of parityFixtures()) {
    it(`${f}: the same verdict class as keepalived -t (${expectedClass(f)})`, () => {
      const k = keepalivedTest(join(PARITY, f));
      const v = vigil('check-config', join(PARITY, f));
      expect({ keepalived: keepalivedClass(k.code), vigil: vigilClass(v.code) }, `keepalived said:\n${k.err}\nvigil said:\n${v.err}`).toEqual({
        keepalived: expectedClass(f),
        vigil: expectedClass(f),
      });
    });
  }
});

describe('vigil shim refuses keywords it does not implement', () => {
  it('exits 1 before doing anything, naming each keyword at its file:line:col', () => {
    const file = join(PARITY, 'shim-unimplemented.conf');
    const r = vigil('shim', '-f', file, '--ipvs-backend', 'dry-run', '--state-dir', '.');
    expect(r.code).toBe(1);
    const refusals = r.err.split('\n').filter((l) => l.includes('is not implemented by vigil shim'));
    expect(refusals.map((l) => l.slice(0, l.indexOf(' is not')))).toEqual([
      `${file}:4:5: error: 'lvs_sync_daemon'`,
      `${file}:8:5: error: 'use_vmac_addr'`,
      `${file}:14:5: error: 'virtual_routes'`,
    ]);
  });
});
