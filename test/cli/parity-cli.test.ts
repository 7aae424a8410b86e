import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedClass, keepalivedTest, keepalivedTestMissing, PARITY, parityFixtures } from '../helpers/parity-fixtures.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { vigilCli } from '../helpers/vigil-cli.ts';

const { vigil } = vigilCli('vigil-parity-');
const missing = keepalivedTestMissing();

/** vigil check-config's exit code as a class: 0 clean, 2 warnings, 1 errors. */
const vigilClass = (code: number | null) => (code === 0 ? 'clean' : code === 2 ? 'warnings' : code === 1 ? 'errors' : `exit ${code}`);
/** keepalived -t's: 0 clean, 5 config errors it still runs with (or 6, script security), 4 cannot run. */
const keepalivedClass = (code: number | null) => (code === 0 ? 'clean' : code === 5 || code === 6 ? 'warnings' : code === 4 ? 'errors' : `exit ${code}`);

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
      `${file}:15:48: error: 'virtual_routes mtu'`,
    ]);
  });
});
