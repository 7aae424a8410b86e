import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseVigilJson } from '../config/json.ts';
import { Config } from '../config/model.ts';
import { nodeConfigHost } from '../../shim/config/node-host.ts';
import { formatDiagnostics, readKeepalivedConfig } from './index.ts';
import { printKeepalivedConfig } from './printer.ts';
import { arbConfig } from '../../test/helpers/config-arbitraries.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-rt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('printer round trip', () => {
  it('model -> keepalived.conf -> model gives the same model, over generated configs', () => {
    // The assertion sits in fast-check's callback: a property that never ran would otherwise pass.
    expect.hasAssertions();
    let n = 0;
    fc.assert(
      fc.property(arbConfig, (input) => {
        const model = Config.parse(input);
        const text = printKeepalivedConfig(model);
        const file = join(dir, `rt-${n++}.conf`);
        writeFileSync(file, text);
        const back = readKeepalivedConfig(file, { host: nodeConfigHost, configId: 'x' });
        if (!back.ok) throw new Error(`re-read failed:\n${formatDiagnostics(back.diagnostics)}\n--- text ---\n${text}`);
        expect(back.config).toEqual(model);
        // What `vigil import` prints is read back by the strict JSON reader (no unknown key) as the same model.
        const json = parseVigilJson('import.json', JSON.stringify(back.config, null, 2));
        if (!json.ok) throw new Error(`import output refused:\n${formatDiagnostics(json.diagnostics)}`);
        expect(json.config).toEqual(model);
      }),
      { numRuns: 300, seed: 20261121 },
    );
  });
});
