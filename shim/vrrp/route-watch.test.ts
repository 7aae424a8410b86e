import { describe, expect, it } from 'vitest';
import { parseRoute, parseRule } from '../../core/config/ip-route.ts';
import { routeMessage, ruleMessage } from './rtnetlink-routes.ts';
import { decodeDeleted, trackedLineDeleted } from './route-watch.ts';

const route = (s: string) => {
  const p = parseRoute(s.split(' '));
  if (!p.ok) throw new Error(p.error.message);
  return p.value;
};
const rule = (s: string) => {
  const p = parseRule(s.split(' '));
  if (!p.ok) throw new Error(p.error.message);
  return { ...p.value, priority: p.value.priority ?? 16384 };
};
const ifIndex = (name: string) => (name === 'eth0' ? 2 : 3);
/** What the kernel multicasts on a deletion carries the same header and attributes the delete request does. */
const deletedRoute = (s: string) => decodeDeleted(routeMessage(false, route(s), ifIndex))!;
const deletedRule = (s: string) => decodeDeleted(ruleMessage(false, rule(s)))!;

describe('which deletion is one of ours (keepalived compare_route / compare_rule)', () => {
  const mine = {
    routes: [route('198.51.100.0/24 via 192.0.2.1 dev eth0 table 100 metric 5'), route('2001:db8:1::/64 dev eth0'), route('198.51.101.0/24 via 192.0.2.1 dev eth0 no_track'), route('198.51.102.0/24 via 192.0.2.1')],
    rules: [rule('from 192.0.2.0/24 to 198.51.0.0/16 table 100 priority 10'), rule('not from all priority 11 goto 20')],
  };

  it('names the tracked route or rule a deletion removed', () => {
    expect(trackedLineDeleted(mine, deletedRoute('198.51.100.0/24 via 192.0.2.1 dev eth0 table 100 metric 5'), ifIndex)).toBe('route 198.51.100.0/24 table 100');
    expect(trackedLineDeleted(mine, deletedRoute('2001:db8:1::/64 dev eth0'), ifIndex)).toBe('route 2001:db8:1::/64 table 254');
    expect(trackedLineDeleted(mine, deletedRule('from 192.0.2.0/24 to 198.51.0.0/16 table 100 priority 10'), ifIndex)).toBe('rule 10');
    expect(trackedLineDeleted(mine, deletedRule('not from all priority 11 goto 20'), ifIndex)).toBe('rule 11');
  });

  it('ignores deletions of other routes and rules, and of lines not tracked (no_track; a route without dev, as keepalived 2.2)', () => {
    for (const other of ['198.51.100.0/24 via 192.0.2.1 dev eth0 table 100 metric 6', '198.51.100.0/25 via 192.0.2.1 dev eth0 table 100 metric 5', '198.51.100.0/24 via 192.0.2.1 dev eth1 table 100 metric 5', '198.51.100.0/24 dev eth0 table 101 metric 5', '198.51.101.0/24 via 192.0.2.1 dev eth0', '198.51.102.0/24 via 192.0.2.1']) {
      expect(trackedLineDeleted(mine, deletedRoute(other), ifIndex), other).toBeUndefined();
    }
    for (const other of ['from 192.0.2.0/24 to 198.51.0.0/16 table 100 priority 12', 'from 192.0.2.0/24 table 100 priority 10', 'from all priority 11 goto 20', 'from 192.0.2.0/24 to 198.51.0.0/16 table 101 priority 10']) {
      expect(trackedLineDeleted(mine, deletedRule(other), ifIndex), other).toBeUndefined();
    }
  });

  it('a message that is not a deletion, or cut short, decodes to nothing', () => {
    expect(decodeDeleted(routeMessage(true, route('198.51.100.0/24 dev eth0'), ifIndex))).toBeNull();
    expect(decodeDeleted(routeMessage(false, route('198.51.100.0/24 dev eth0'), ifIndex).subarray(0, 20))).toBeNull();
  });
});
