/**
 * virtual_routes / virtual_rules with Debian's keepalived 2.2.7 as the peer,
 * both reading the same file shape: the routes and rules live in the
 * namespace of whichever director is MASTER, and move with the address — when
 * the shim's priority drops through a SIGHUP reload, when it comes back, when a
 * reload edits them in place, when one is deleted behind the master (it leaves
 * MASTER and wins again, as keepalived's tracking does), and when the shim stops. Read back with
 * `ip -j route show` / `ip -j rule show` in each director's namespace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { handlesSignal } from '../helpers/daemon.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { keepalivedConf, type InstanceConf } from './conf.ts';
import { ip, keepalivedUnavailable, Lab, labUnavailable, type Director, type Proc } from './lab.ts';
import { holderIs } from './watch.ts';

const skip = labUnavailable() ?? keepalivedUnavailable();
const DEADLINE_MS = 10_000;

describe.skipIf(!!skip)(skipTitle('virtual_routes / virtual_rules follow MASTER between a shim and keepalived 2.2.7', skip), () => {
  let lab: Lab;
  let shimHost: Director;
  let kaHost: Director;
  let shim: Proc;
  let ka: Proc;
  const vip = () => lab.vip(100);
  const gw = () => lab.vip(254);

  /** The routes both sides carry; `extra` routes replace the second one (a reload that edits them). */
  const routeLines = (second = '198.51.101.0/24') => [
    `198.51.100.0/24 via ${gw()} dev eth0 table 100`,
    // Its source is the virtual address: it can only go on after the address did.
    `src ${vip()} ${second} dev eth0 table 100`,
    'blackhole 198.51.102.0/24 table 100',
  ];
  const conf = (name: string, priority: number, second?: string) => {
    const i: InstanceConf = {
      name: 'VI_1',
      vrid: 51,
      version: 3,
      advertInt: '0.1',
      priority,
      vip: `${lab.vip()}/24`,
      extra: ['virtual_routes {', ...routeLines(second).map((l) => `  ${l}`), '}', 'virtual_rules {', `  from ${vip()} table 100 priority 100`, '}'],
    };
    return keepalivedConf(name, [i]);
  };

  /** What an operator sees in a director's namespace: table 100's destinations and whether rule 100 is there. */
  const seen = (d: Director) => {
    const routes = (JSON.parse(ip(['-n', d.ns, '-j', 'route', 'show', 'table', '100'])) as Array<{ dst: string; protocol?: string; prefsrc?: string }>).map(
      (r) => `${r.dst} ${r.protocol ?? ''}${r.prefsrc ? ` src ${r.prefsrc}` : ''}`,
    );
    const rules = (JSON.parse(ip(['-n', d.ns, '-j', 'rule', 'show'])) as Array<{ priority: number; src?: string; table?: string }>)
      .filter((r) => r.priority === 100)
      .map((r) => `${r.priority} from ${r.src} table ${r.table}`);
    return { routes: routes.sort(), rules };
  };
  const full = (second = '198.51.101.0/24') => ({
    routes: ['198.51.100.0/24 keepalived', `${second} keepalived src ${vip()}`, '198.51.102.0/24 keepalived'].sort(),
    rules: [`100 from ${vip()} table 100`],
  });
  const none = { routes: [], rules: [] };
  const why = () => `--- shim\n${shim.output().slice(-4000)}\n--- keepalived\n${ka.output().slice(-3000)}`;
  const shows = (d: Director, want: ReturnType<typeof full>, what: string) =>
    eventually(
      `${what} in ${d.ns}`,
      () => JSON.stringify(seen(d)) === JSON.stringify(want),
      { timeoutMs: DEADLINE_MS, detail: () => `saw ${JSON.stringify(seen(d))}\n${why()}` },
    );
  const count = (p: Proc, re: RegExp) => p.output().match(new RegExp(re.source, 'g'))?.length ?? 0;
  const reloadWith = async (text: string) => {
    const before = count(shim, /"msg":"reloaded"/);
    lab.write('shim.conf', text);
    shim.daemon.signal('SIGHUP');
    await eventually('the shim to log reloaded after SIGHUP', () => count(shim, /"msg":"reloaded"/) > before, { timeoutMs: DEADLINE_MS, detail: why });
  };

  beforeAll(async () => {
    lab = new Lab(2, 43).create();
    [shimHost, kaHost] = lab.directors as [Director, Director];
    ka = lab.keepalived(kaHost, 'ka', lab.write('ka.conf', conf('ka', 100)));
    shim = lab.shim(shimHost, 'shim', lab.write('shim.conf', conf('shim', 200)));
    await holderIs(lab, vip(), shimHost, DEADLINE_MS, why);
    await ka.daemon.waitForLine('keepalived to enter BACKUP', /\(VI_1\) Entering BACKUP STATE/, DEADLINE_MS);
    await eventually('the shim to handle SIGHUP', () => handlesSignal(shim.daemon.pid, 'SIGHUP'), { timeoutMs: DEADLINE_MS, detail: why });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('shim MASTER: its namespace has the routes (proto keepalived, src the VIP) and the rule; the backup keepalived has none', async () => {
    await shows(shimHost, full(), 'the shim master to show its routes and rule');
    expect(seen(kaHost), why()).toEqual(none);
  });

  it('shim priority lowered by a reload: keepalived takes over, the routes and rule leave the shim and appear beside keepalived', async () => {
    await reloadWith(conf('shim', 50));
    await shim.daemon.waitForLine('the shim to leave MASTER', /"msg":"state","instance":"VI_1","from":"MASTER","to":"BACKUP"/, DEADLINE_MS);
    await holderIs(lab, vip(), kaHost, DEADLINE_MS, why);
    await shows(kaHost, full(), 'keepalived master to add the same routes and rule');
    await shows(shimHost, none, 'the shim, now backup, to have removed its routes and rule');
  });

  it('priority restored: the shim preempts and they come back to it; keepalived removes its own', async () => {
    await reloadWith(conf('shim', 200));
    await eventually('the shim to log its second BACKUP to MASTER', () => count(shim, /"from":"BACKUP","to":"MASTER"/) >= 2, { timeoutMs: DEADLINE_MS, detail: why });
    await holderIs(lab, vip(), shimHost, DEADLINE_MS, why);
    await shows(shimHost, full(), 'the shim master again to show its routes and rule');
    await shows(kaHost, none, 'keepalived, backup again, to have removed its routes and rule');
  });

  it('a reload that edits a route on the kept master moves it in place, with no state change', async () => {
    const states = count(shim, /"msg":"state"/);
    await reloadWith(conf('shim', 200, '198.51.103.0/24'));
    await shows(shimHost, full('198.51.103.0/24'), 'the edited route in place of the old one');
    expect(count(shim, /"msg":"state"/), why()).toBe(states);
    expect(shim.output()).not.toMatch(/route\/rule (add|delete) failed/);
  });

  it('a tracked route, then the rule, deleted behind the master: it leaves MASTER and wins again, putting them back (keepalived tracking)', async () => {
    for (const [del, what] of [
      [['route', 'del', '198.51.100.0/24', 'table', '100'], 'route 198.51.100.0/24 table 100'],
      [['rule', 'del', 'priority', '100'], 'rule 100'],
    ] as const) {
      const masters = count(shim, /"from":"BACKUP","to":"MASTER"/);
      const left = count(shim, /"msg":"tracked route or rule deleted; leaving MASTER"/);
      ip(['-n', shimHost.ns, ...del]);
      await eventually(`the shim to log that ${what} was deleted`, () => count(shim, /"msg":"tracked route or rule deleted; leaving MASTER"/) > left, { timeoutMs: DEADLINE_MS, detail: why });
      expect(shim.output()).toContain(`"what":"${what}"`);
      await eventually('the shim to become MASTER again', () => count(shim, /"from":"BACKUP","to":"MASTER"/) > masters, { timeoutMs: DEADLINE_MS, detail: why });
      await shows(shimHost, full('198.51.103.0/24'), `the shim master to have put ${what} back`);
    }
  });

  it('the shim stops: its routes and rule go with the address, and keepalived adds its own', async () => {
    expect(await lab.stop(shim, 'SIGTERM')).toBe(0);
    await holderIs(lab, vip(), kaHost, DEADLINE_MS, why);
    expect(seen(shimHost), why()).toEqual(none);
    await shows(kaHost, full(), 'keepalived master to add its routes and rule');
  });

  it('keepalived does the same with a tracked route deleted behind it: leaves MASTER, wins again, puts it back', async () => {
    const masters = count(ka, /\(VI_1\) Entering MASTER STATE/);
    const backups = count(ka, /\(VI_1\) Entering BACKUP STATE/);
    ip(['-n', kaHost.ns, 'route', 'del', '198.51.100.0/24', 'table', '100']);
    await eventually('keepalived to enter MASTER again', () => count(ka, /\(VI_1\) Entering MASTER STATE/) > masters, { timeoutMs: DEADLINE_MS, detail: why });
    expect(count(ka, /\(VI_1\) Entering BACKUP STATE/), why()).toBe(backups + 1);
    await shows(kaHost, full(), 'keepalived master to have put the route back');
  });
});
