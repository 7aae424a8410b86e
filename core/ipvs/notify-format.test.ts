import { describe, expect, it } from 'vitest';
import { realServerKey } from '../vote/targets.ts';
import { foldVirtualServer } from '../vote/virtual-server.ts';
import { lvsNotifications, rsFifoLine, vsFifoLine } from './notify-format.ts';
import { configFrom } from '../../test/helpers/config-from.ts';

const cfg = configFrom(`
virtual_server 10.0.0.1 80 {
  protocol TCP
  quorum 2
  quorum_up "/usr/local/bin/q up"
  quorum_down /usr/local/bin/qdown
  real_server 192.168.1.1 80 {
    notify_up "/bin/echo rs1 up"
    notify_down /bin/rs1-down
  }
  real_server 192.168.1.2 8080 {
  }
}
virtual_server fwmark 9 {
  real_server 2001:db8::1 {
  }
}
virtual_server_group g1 {
  10.2.0.1 80
}
virtual_server group g1 {
  protocol UDP
  real_server 192.168.3.1 53 {
  }
}
`);

describe('lvs_notify_fifo lines, as keepalived writes them', () => {
  it('formats VS and RS lines with keepalived trio notation, each ending in a newline and a NUL', () => {
    const [vs, fw, grp] = cfg.virtualServers;
    expect(vsFifoLine(vs!, true)).toBe('VS [10.0.0.1]:tcp:80 UP\n\0');
    expect(rsFifoLine(vs!, vs!.realServers[1]!, false)).toBe('RS [192.168.1.2]:tcp:8080 [10.0.0.1]:tcp:80 DOWN\n\0');
    expect(vsFifoLine(fw!, false)).toBe('VS FWM 9 DOWN\n\0');
    expect(rsFifoLine(fw!, fw!.realServers[0]!, true)).toBe('RS [2001:db8::1]:udp:0 FWM 9 UP\n\0');
    expect(vsFifoLine(grp!, true)).toBe('VS [g1]:0 UP\n\0');
  });

  it('a real server going down runs its notify_down as argv and, with quorum lost, quorum_down', () => {
    const vs = cfg.virtualServers[0]!;
    const up = new Map(vs.realServers.map((rs) => [realServerKey(vs, rs), { alive: true }]));
    const prev = foldVirtualServer(vs, up, undefined);
    const down = new Map(up).set(realServerKey(vs, vs.realServers[0]!), { alive: false });
    const next = foldVirtualServer(vs, down, prev.quorumUp);
    const n = lvsNotifications(vs, prev, next);
    expect(n.map((x) => [x.kind, x.up, x.script?.command, x.fifoLine])).toEqual([
      ['rs', false, '/bin/rs1-down', 'RS [192.168.1.1]:tcp:80 [10.0.0.1]:tcp:80 DOWN\n\0'],
      ['vs', false, '/usr/local/bin/qdown', 'VS [10.0.0.1]:tcp:80 DOWN\n\0'],
    ]);
    const back = lvsNotifications(vs, next, foldVirtualServer(vs, up, next.quorumUp));
    expect(back.map((x) => x.script?.command)).toEqual(['/bin/echo rs1 up', '/usr/local/bin/q up']);
    expect(lvsNotifications(vs, undefined, prev)).toEqual([]);
  });
});
