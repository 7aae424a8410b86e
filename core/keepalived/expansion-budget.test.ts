import { describe, expect, it } from 'vitest';
import { generateConfig } from '../../bench/gen-config.ts';
import { readKeepalivedConfig, formatDiagnostic } from './index.ts';
import { singleFileHost } from './single-file-host.ts';

const read = (text: string, budget?: { bytes: number; lines: number }) => {
  const r = readKeepalivedConfig('k.conf', { host: singleFileHost('k.conf', text), configId: 'x', budget });
  return { ...r, lines: r.diagnostics.map(formatDiagnostic) };
};

describe('the expansion budget', () => {
  it('lets the largest config we know (the parse benchmark: 227k lines, 20,000 real servers) through the default', () => {
    const r = read(generateConfig(1000, 20));
    expect(r.lines.filter((l) => l.includes('error'))).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('counts generator lines, substituted lines and file lines against one budget, and names the first place past it', () => {
    const seq = 'virtual_server 10.0.0.1 80 {\n  protocol TCP\n  ~SEQ(i, 1, 3) real_server 10.0.1.${i} 80 { weight 2 }\n}\n';
    // 5 file lines (the last one empty) + 3 iterations + 3 substituted lines = 11 lines.
    const fits = read(seq, { bytes: 1 << 20, lines: 11 });
    expect(fits.lines).toEqual([]);
    expect(fits.ok && fits.config.virtualServers[0]!.realServers.map((r) => r.ip)).toEqual(['10.0.1.1', '10.0.1.2', '10.0.1.3']);
    // The third iteration is the 8th line: the error points at the generator.
    const over = read(seq, { bytes: 1 << 20, lines: 7 });
    expect(over.ok).toBe(false);
    expect(over.lines).toContain('k.conf:3:3: error: configuration expands past 7 lines (includes, parameters and ~SEQ/~LST generators together; limits 1 MiB and 7 lines): stopped here');
  });

  it('stops a growing substitution at the reference that crosses the byte budget', () => {
    // 61 bytes of file, then router_id's first $B expands within 147 bytes; the second one crosses 150.
    const text = '$A=0123456789\n$B=$A $A $A $A\nglobal_defs {\n  router_id $B $B\n}\n';
    expect(read(text, { bytes: 200, lines: 100 }).ok).toBe(true);
    const r = read(text, { bytes: 150, lines: 100 });
    expect(r.ok).toBe(false);
    expect(r.lines).toContain('k.conf:4:16: error: configuration expands past 150 bytes (includes, parameters and ~SEQ/~LST generators together; limits 150 bytes and 100 lines): stopped here');
  });

  it('bounds one line too: a line read or expanded past the line limit is an error at its position, and nothing else is said', () => {
    // 20 doubling parameters make one line of a million words: inside the byte budget, but each word is a token held.
    const defs = ['$A0=x', ...Array.from({ length: 20 }, (_, i) => `$A${i + 1}=$A${i} $A${i}`)];
    const bomb = read([...defs, 'global_defs {', '  router_id $A20', '}', ''].join('\n'));
    expect(bomb.ok).toBe(false);
    expect(bomb.lines).toEqual(['k.conf:23:13: error: a line expands past 65,536 bytes: stopped here']);
    const long = read(`global_defs {\n  router_id ${'y'.repeat(70_000)}\n}\n`);
    expect(long.lines).toEqual(['k.conf:2:1: error: a line expands past 65,536 bytes: stopped here']);
    // A long line that fits is read as it is.
    expect(read(`global_defs {\n  router_id ${'y'.repeat(60_000)}\n}\n`).ok).toBe(true);
  });
});

