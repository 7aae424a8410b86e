import { describe, expect, it } from 'vitest';
import { parseVigilJson } from '../config/json.ts';
import { ok, readText } from '../../test/helpers/read-config.ts';
import { printKeepalivedConfig } from './printer.ts';
import { resolveBoardTarget } from '../vote/board-target.ts';
import { keepalivedConf } from '../../test/vrrp/conf.ts';

const BASE =
  keepalivedConf('tb', [
    { name: 'VI_1', vrid: 51, priority: 150, vip: '192.0.2.100/24' },
    { name: 'VI_2', vrid: 52, priority: 100, vip: '192.0.2.101/24' },
  ]) +
  `
virtual_server 192.0.2.10 80 {
    protocol TCP
    real_server 10.0.0.5 8080 {
    }
    real_server 10.0.0.6 8080 {
    }
}
virtual_server fwmark 7 {
    real_server 10.0.0.7 80 {
    }
}
`;

const withVigil = (...lines: string[]) => `${BASE}vigil {\n${lines.join('\n')}\n}\n`;

describe('track_board in the vigil block', () => {
  it('reads a tracked virtual server and a tracked real server, each with its instances and weights', () => {
    const c = ok(
      readText(
        withVigil(
          'track_board web_vs {',
          '  virtual_server 192.0.2.10 80',
          '  hold_time 12.5',
          '  instance VI_1 weight -30',
          '  instance VI_2',
          '}',
          'track_board web_rs {',
          '  virtual_server 192.0.2.10 80 TCP',
          '  real_server 10.0.0.6 8080',
          '  weight 20 reverse',
          '  instance VI_2 weight 5 noreverse',
          '}',
          'track_board marked {',
          '  virtual_server fwmark 7',
          '}',
        ),
      ),
    );
    expect(c.vigil.trackBoards).toEqual([
      { name: 'web_vs', virtualServer: { ip: '192.0.2.10', port: 80 }, weight: 0, reverse: false, holdTimeMs: 12_500, instances: [{ name: 'VI_1', weight: -30 }, { name: 'VI_2' }] },
      { name: 'web_rs', virtualServer: { ip: '192.0.2.10', port: 80, protocol: 'TCP' }, realServer: { ip: '10.0.0.6', port: 8080 }, weight: 20, reverse: true, holdTimeMs: 30_000, instances: [{ name: 'VI_2', weight: 5, reverse: false }] },
      { name: 'marked', virtualServer: { fwmark: 7 }, weight: 0, reverse: false, holdTimeMs: 30_000, instances: [] },
    ]);
    // The snapshot keys the shim follows are the Board's own keys for those servers.
    expect(c.vigil.trackBoards.map((tb) => resolveBoardTarget(c, tb))).toEqual([
      { ok: true, target: { name: 'web_vs', vsKey: 'tcp/192.0.2.10:80', holdTimeMs: 12_500 } },
      { ok: true, target: { name: 'web_rs', vsKey: 'tcp/192.0.2.10:80', rsKey: 'tcp/192.0.2.10:80|10.0.0.6:8080', holdTimeMs: 30_000 } },
      { ok: true, target: { name: 'marked', vsKey: 'fwmark/7', holdTimeMs: 30_000 } },
    ]);
  });

  it('prints back (vigil export) to the same model, and the JSON form reads the same model', () => {
    const c = ok(readText(withVigil('track_board web {', '  virtual_server 192.0.2.10 80 TCP', '  real_server 10.0.0.5 8080', '  weight -40 reverse', '  hold_time 5', '  instance VI_1', '  instance VI_2 weight 10 reverse', '}')));
    const text = printKeepalivedConfig(c);
    expect(text).toContain('track_board web {');
    expect(ok(readText(text))).toEqual(c);
    const json = parseVigilJson('c.json', JSON.stringify(c));
    expect(json).toMatchObject({ ok: true, config: c });
  });

  it('names what the config lacks at its file:line:col: an unknown virtual server, real server or instance', () => {
    const res = readText(
      withVigil(
        'track_board a {',
        '  virtual_server 192.0.2.99 80',
        '  instance VI_1',
        '}',
        'track_board b {',
        '  virtual_server 192.0.2.10 80',
        '  real_server 10.0.0.9 8080',
        '  instance VI_9 weight -10',
        '}',
      ),
    );
    expect(res.ok).toBe(false);
    const text = withVigil('track_board a {', '  virtual_server 192.0.2.99 80', '  instance VI_1', '}', 'track_board b {', '  virtual_server 192.0.2.10 80', '  real_server 10.0.0.9 8080', '  instance VI_9 weight -10', '}').split('\n');
    const lineOf = (s: string) => text.findIndex((l) => l.includes(s)) + 1;
    expect(res.lines).toEqual([
      `keepalived.conf:${lineOf('192.0.2.99')}:3: error: track_board a: no virtual_server 192.0.2.99 80 in this config (the snapshots name only the config's virtual servers)`,
      `keepalived.conf:${lineOf('10.0.0.9')}:3: error: track_board b: virtual_server 192.0.2.10 80 has no real_server 10.0.0.9 8080`,
      `keepalived.conf:${lineOf('VI_9')}:3: error: track_board b: instance 'VI_9' is not a vrrp_instance`,
    ]);
  });

  it('refuses a track_board without a virtual_server, and bad words where they stand', () => {
    const res = readText(withVigil('track_board a {', '  instance VI_1 wieght 3', '  hold_time soon', '}'));
    expect(res.ok).toBe(false);
    expect(res.lines.map((l) => l.replace(/^keepalived\.conf:\d+:\d+: error: /, ''))).toEqual([
      "track_board a needs 'virtual_server IP PORT' (or 'fwmark N' / 'group NAME')",
      "instance: unexpected 'wieght' (expected weight N [reverse])",
      "instance: unexpected '3' (expected weight N [reverse])",
      "hold_time: 'soon' is not a time in seconds",
    ]);
  });

  it('the JSON form rejects unknown keys and unknown names at their JSON path', () => {
    const c = ok(readText(withVigil('track_board web {', '  virtual_server 192.0.2.10 80', '  instance VI_1', '}')));
    const doc = JSON.parse(JSON.stringify(c));
    doc.vigil.trackBoards[0].holdTime = 5;
    const typo = parseVigilJson('c.json', JSON.stringify(doc, null, 2));
    expect(typo.ok).toBe(false);
    expect(typo.diagnostics.map((d) => d.message)).toEqual(['vigil.trackBoards.0.holdTime: unknown key "holdTime"']);
    delete doc.vigil.trackBoards[0].holdTime;
    doc.vigil.trackBoards[0].instances[0].name = 'VI_7';
    const text = JSON.stringify(doc, null, 2);
    const unknown = parseVigilJson('c.json', text);
    expect(unknown.ok).toBe(false);
    expect(unknown.diagnostics).toEqual([
      { severity: 'error', file: 'c.json', line: text.split('\n').findIndex((l) => l.includes('"VI_7"')) + 1, col: expect.any(Number), message: "vigil.trackBoards.0.instances.0.name: track_board web: instance 'VI_7' is not a vrrp_instance" },
    ]);
  });
});
