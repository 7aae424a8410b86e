import { describe, expect, it } from 'vitest';
import { Diagnostics, MAX_DIAGNOSTICS } from './diagnostics.ts';
import { readKeepalivedConfig } from './index.ts';
import { singleFileHost } from './single-file-host.ts';

const read = (text: string) => readKeepalivedConfig('k.conf', { host: singleFileHost('k.conf', text), configId: 'x' });

describe('reading top-level statements as they complete', () => {
  it('a sync group still sees instances defined after it, and its diagnostics keep file order on a tie', () => {
    // $BODY's line keeps its own origin (line 2) wherever it is used, so both warnings sit at 2:1.
    const res = read(
      [
        '$BODY= \\',
        'bogus_word',
        'vrrp_sync_group G {',
        '  $BODY',
        '  VI_1',
        '}',
        'virtual_server 10.0.0.1 80 {',
        '  $BODY',
        '  protocol TCP',
        '}',
        'vrrp_instance VI_1 {',
        '  interface eth0',
        '  virtual_router_id 51',
        '  priority 100',
        '  virtual_ipaddress {',
        '    10.0.0.9',
        '  }',
        '}',
      ].join('\n'),
    );
    const bogus = res.diagnostics.filter((d) => d.message.includes('bogus_word'));
    expect(bogus.map((d) => `${d.line}:${d.col} ${d.message}`)).toEqual([
      "2:1 unknown keyword 'bogus_word' in vrrp_sync_group; ignored",
      "2:1 unknown keyword 'bogus_word' in virtual_server; ignored",
    ]);
    const listed = res.diagnostics.find((d) => d.message.startsWith("instance 'VI_1' listed outside"));
    expect(listed && `${listed.line}:${listed.col}`).toBe('5:3');
    expect(res.ok).toBe(true);
    if (res.ok) expect(res.config.vrrpSyncGroups[0]!.group).toEqual(['VI_1']);
  });

  it('Diagnostics.append gives the list (cap and count included) of reporting the same things in one place', () => {
    const one = new Diagnostics();
    const parts = [new Diagnostics(), new Diagnostics(), new Diagnostics()];
    for (let i = 0; i < MAX_DIAGNOSTICS + 300; i++) {
      const pos = { file: 'k.conf', line: (i * 7919) % 500, col: 1 };
      const part = parts[i < 400 ? 0 : i < 900 ? 1 : 2]!;
      if (i % 3 === 0) {
        one.error(pos, `e${i}`);
        part.error(pos, `e${i}`);
      } else {
        one.warn(pos, `w${i}`);
        part.warn(pos, `w${i}`);
      }
    }
    const merged = new Diagnostics();
    merged.append(...parts);
    expect(merged.sorted()).toEqual(one.sorted());
    expect(merged.hasErrors).toBe(true);
  });
});
