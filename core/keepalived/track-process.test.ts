import { describe, expect, it } from 'vitest';
import { parseVigilJson } from '../config/json.ts';
import { ok, readText } from '../../test/helpers/read-config.ts';
import { printKeepalivedConfig } from './printer.ts';
import { planVrrp } from '../../shim/vrrp/plan.ts';

const instance = (name: string, vrid: number, ...trackLines: string[]) =>
  [`vrrp_instance ${name} {`, '    interface eth0', `    virtual_router_id ${vrid}`, '    priority 100', '    virtual_ipaddress {', `        192.0.2.${vrid}/24`, '    }', '    track_process {', ...trackLines.map((l) => `        ${l}`), '    }', '}'].join('\n');

describe('vrrp_track_process', () => {
  it("reads every keyword into the model with keepalived's defaults and implications", () => {
    const c = ok(
      readText(
        [
          'vrrp_track_process web {',
          '    process nginx',
          '    weight -20 reverse',
          '    quorum_max 4',
          '    quorum 2',
          '    delay 1.5',
          '    fork_delay 0.25',
          '}',
          'vrrp_track_process app {',
          '    process /usr/bin/sleep 1000 x',
          '    param_match partial',
          '}',
          'vrrp_track_process none_left {',
          '    process "long process name"',
          '    param_match',
          '    quorum_max 0',
          '}',
          'vrrp_track_process plain {',
          '    process sleep',
          '    full_command',
          '}',
          instance('VI_1', 51, 'web weight 30 noreverse', 'app', 'none_left', 'plain'),
        ].join('\n'),
      ),
    );
    expect(c.vrrpTrackProcesses).toEqual([
      { name: 'web', process: 'nginx', params: [], paramMatch: 'none', fullCommand: false, weight: -20, reverse: true, quorum: 2, quorumMax: 4, terminateDelayMs: 1500, forkDelayMs: 250 },
      { name: 'app', process: '/usr/bin/sleep', params: ['1000', 'x'], paramMatch: 'partial', fullCommand: true, weight: 0, reverse: false, quorum: 1, quorumMax: 2 ** 32 - 1, terminateDelayMs: 0, forkDelayMs: 0 },
      { name: 'none_left', process: 'long process name', params: [], paramMatch: 'exact', fullCommand: true, weight: 0, reverse: false, quorum: 0, quorumMax: 0, terminateDelayMs: 0, forkDelayMs: 0 },
      { name: 'plain', process: 'sleep', params: [], paramMatch: 'none', fullCommand: true, weight: 0, reverse: false, quorum: 1, quorumMax: 2 ** 32 - 1, terminateDelayMs: 0, forkDelayMs: 0 },
    ]);
    // The instance's own weight and reverse win over the process's; the shim's plan carries the process.
    const tracks = planVrrp(c).instances[0]!.tracks.filter((t) => t.kind === 'process');
    expect(tracks.map((t) => [t.name, t.weight, t.reverse, t.target])).toEqual([
      ['web', 30, false, 'nginx'],
      ['app', 0, false, '/usr/bin/sleep'],
      ['none_left', 0, false, 'long process name'],
      ['plain', 0, false, 'sleep'],
    ]);
    // vigil export writes it back to the same model.
    expect(ok(readText(printKeepalivedConfig(c)))).toEqual(c);
  });

  it("ignores what keepalived ignores, in its words at the offending line: unknown, later, duplicate, no process, quorum order", () => {
    const res = readText(
      [
        'vrrp_track_process early {', //    1
        '    process sleep',
        '    quorum 3',
        '    quorum_max 2', //               4
        '    weight 5',
        '    weight 7', //                   6
        '}',
        'vrrp_track_process empty {', //    8
        '    weight 5',
        '}',
        'vrrp_sync_group G {', //           11
        '    group {',
        '        VI_1',
        '    }',
        '    track_process {',
        '        early',
        '        later', //                  17
        '    }',
        '}',
        instance('VI_1', 51, 'early', 'nowhere', 'early weight 3', 'empty', 'later'), // track lines 28..32
        'vrrp_track_process later {', //    35
        '    process sleep',
        '}',
      ].join('\n'),
    );
    expect(res.lines.filter((l) => !l.includes('only 1'))).toEqual([
      'keepalived.conf:4:16: warning: quorum_max is less than quorum - ignoring',
      'keepalived.conf:6:12: warning: Weight already set for track process early - ignoring 7',
      "keepalived.conf:10:1: warning: track process 'empty' process name not specified; ignored",
      'keepalived.conf:17:9: warning: (G) track process later not found, ignoring... (vrrp_track_process later comes later, at line 35: keepalived resolves track_process as it reads, so it is not tracked)',
      'keepalived.conf:29:9: warning: (VI_1) track process nowhere not found, ignoring...',
      'keepalived.conf:30:9: warning: (VI_1) duplicate track_process early - ignoring',
      'keepalived.conf:31:9: warning: (VI_1) track process empty not found, ignoring...',
      'keepalived.conf:32:9: warning: (VI_1) track process later not found, ignoring... (vrrp_track_process later comes later, at line 35: keepalived resolves track_process as it reads, so it is not tracked)',
    ]);
    const c = ok(res);
    expect(c.vrrpTrackProcesses.map((p) => [p.name, p.quorum, p.quorumMax, p.weight])).toEqual([
      ['early', 3, 2 ** 32 - 1, 5],
      ['later', 1, 2 ** 32 - 1, 0],
    ]);
    expect(c.vrrpInstances[0]!.trackProcess).toEqual([{ name: 'early' }]);
    expect(c.vrrpSyncGroups[0]!.trackProcess).toEqual([{ name: 'early' }]);
  });

  it("a sync group's track_process reaches each member; one the instance tracks too takes the group's weight unless the instance's is 0", () => {
    const c = ok(
      readText(
        [
          'vrrp_track_process web {',
          '    process nginx',
          '    weight 7',
          '}',
          'vrrp_sync_group G {',
          '    group {',
          '        VI_1',
          '        VI_2',
          '        VI_3',
          '    }',
          '    track_process {',
          '        web weight -5',
          '    }',
          '}',
          instance('VI_1', 51, 'web weight 30 reverse'),
          instance('VI_2', 52, 'web weight 0'),
          instance('VI_3', 53),
        ].join('\n'),
      ),
    );
    const tracks = planVrrp(c).instances.map((i) => i.tracks.filter((t) => t.kind === 'process').map((t) => [t.weight, t.reverse]));
    expect(tracks).toEqual([[[-5, true]], [[0, false]], [[-5, false]]]);
  });

  it("a sync group with an address owner unweights its tracker, in keepalived's words", () => {
    const res = readText(
      [
        'vrrp_track_process tp {',
        '    process sleep',
        '    weight 10',
        '}',
        'vrrp_sync_group G {',
        '    group {',
        '        VI_1',
        '        VI_2',
        '    }',
        '    track_process {',
        '        tp',
        '    }',
        '}',
        instance('VI_1', 51, 'tp weight 20').replace('priority 100', 'priority 255'),
        instance('VI_2', 52),
      ].join('\n'),
    );
    expect(res.lines).toEqual(["keepalived.conf:5:1: warning: (G) Cannot have weighted track process 'tp' with member having priority 255 - setting weight 0"]);
    expect(planVrrp(ok(res)).instances.map((i) => i.tracks.filter((t) => t.kind === 'process').map((t) => t.weight))).toEqual([[0], [0]]);
  });

  it('a name defined twice: keepalived tracks the first, silently; Vigil does the same and says so in a note', () => {
    const res = readText(['vrrp_track_process tp {', '    process sleep', '}', 'vrrp_track_process tp {', '    process nginx', '}', instance('VI_1', 51, 'tp')].join('\n'));
    expect(res.lines).toEqual(['keepalived.conf:4:1: note: vrrp_track_process tp is defined again (first at line 1); keepalived and Vigil track the first one only']);
    expect(planVrrp(ok(res)).instances[0]!.tracks.filter((t) => t.kind === 'process').map((t) => t.target)).toEqual(['sleep']);
  });

  it('refuses values out of keepalived’s ranges at the token, and no model is returned', () => {
    const res = readText(
      [
        'vrrp_track_process p {',
        '    process sleep',
        '    weight 255',
        '    quorum 0',
        '    quorum_max 65536',
        '    delay 3601',
        '    terminate_delay 0',
        '    param_match exact',
        '    weight -3 backwards',
        '}',
        instance('VI_1', 51, 'p weight -255'),
      ].join('\n'),
    );
    expect(res.ok).toBe(false);
    expect(res.lines).toEqual([
      'keepalived.conf:3:12: error: Weight for vrrp_track_process p: 255 is out of range -254..254',
      'keepalived.conf:4:12: error: Quorum for vrrp_track_process p: 0 is out of range 1..65535',
      'keepalived.conf:5:16: error: quorum_max for vrrp_track_process p: 65536 is out of range 0..65535',
      'keepalived.conf:6:11: error: delay: 3601 s is out of range 0..3600',
      'keepalived.conf:7:21: error: terminate_delay (0) for vrrp_track_process p must be between [0.000001..3600] inclusive',
      "keepalived.conf:8:17: error: param_match: 'exact' is not one of initial|partial",
      "keepalived.conf:9:15: error: vrrp_track_process p weight option: 'backwards' is not one of reverse",
      'keepalived.conf:19:18: error: track_process weight: -255 is out of range -254..254',
    ]);
  });

  it('the JSON form is checked by the same schema: quorum above quorum_max, parameters without full_command', () => {
    const base = { name: 'p', process: 'sleep' };
    const bad = (p: object) => parseVigilJson('c.json', JSON.stringify({ vrrpTrackProcesses: [{ ...base, ...p }] }));
    expect(bad({}).ok).toBe(true);
    const messages = (p: object) => {
      const r = bad(p);
      return r.ok ? [] : r.diagnostics.map((d) => d.message);
    };
    expect(messages({ quorum: 5, quorumMax: 4 }).join()).toMatch(/quorum must not be above quorum_max/);
    expect(messages({ params: ['x'], paramMatch: 'exact' }).join()).toMatch(/fullCommand must be true/);
    expect(messages({ params: ['x'], fullCommand: true }).join()).toMatch(/paramMatch other than 'none'/);
    expect(messages({ process: 'x'.repeat(5000) }).join()).toMatch(/4096/);
  });
});
