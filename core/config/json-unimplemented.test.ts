import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeConfigHost } from '../../shim/config/node-host.ts';
import { PARITY } from '../../test/helpers/parity-fixtures.ts';
import { readKeepalivedConfig } from '../keepalived/index.ts';
import { parseVigilJson } from './json.ts';

/** 1-based line and column of the first occurrence of `needle`, plus `skip` characters. */
function where(text: string, needle: string, skip = 0): string {
  const at = text.indexOf(needle) + skip;
  const before = text.slice(0, at).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

describe('the JSON form is refused by the shim as keepalived.conf is', () => {
  it('names each carried or field keyword the shim does not implement at its JSON line:col, and nothing it does', () => {
    const res = readKeepalivedConfig(join(PARITY, 'shim-refused-passthrough.conf'), { host: nodeConfigHost, configId: 'lb1' });
    if (!res.ok) throw new Error('fixture did not read');
    const model = structuredClone(res.config);
    model.vrrpInstances[0]!.trackBfd = [{ name: 'bfd1' }];
    const text = JSON.stringify(model, null, 2);
    const json = parseVigilJson('c.json', text);
    if (!json.ok) throw new Error(JSON.stringify(json.diagnostics));
    const uses = (json.shimUnimplemented ?? []).map((u) => `${u.keyword}@${u.pos.line}:${u.pos.col}`).sort();
    expect(uses).toEqual(
      [
        `vrrp_min_garp@${where(text, '"vrrp_min_garp"')}`,
        `promote_secondaries@${where(text, '"promote_secondaries"')}`,
        `track_bfd@${where(text, '"trackBfd": [\n        {', '"trackBfd": '.length)}`,
      ].sort(),
    );
    // vrrp_priority is tuning: carried, not refused.
    expect(uses.join()).not.toMatch(/vrrp_priority/);
  });

  it('refuses lvs_sync_daemon without an instance (run by keepalived\'s checker), and takes it with one', () => {
    const res = readKeepalivedConfig(join(PARITY, 'derived-state.conf'), { host: nodeConfigHost, configId: 'lb1' });
    if (!res.ok) throw new Error('fixture did not read');
    const uses = (sync: object) => {
      const text = JSON.stringify({ ...res.config, globalDefs: { ...res.config.globalDefs, lvsSyncDaemon: sync } }, null, 2);
      const json = parseVigilJson('c.json', text);
      if (!json.ok) throw new Error(JSON.stringify(json.diagnostics));
      return (json.shimUnimplemented ?? []).map((u) => `${u.keyword}@${u.pos.line}:${u.pos.col}`);
    };
    const without = uses({ interface: 'eth0' });
    expect(without).toHaveLength(1);
    expect(without[0]).toMatch(/^lvs_sync_daemon@\d+:\d+$/);
    expect(uses({ interface: 'eth0', instance: 'VI_M' })).toEqual([]);
  });
});
