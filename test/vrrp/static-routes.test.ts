/**
 * static_ipaddress, static_routes and static_rules kept by a shim as keepalived's VRRP process
 * keeps them: on at start, put back when deleted behind it, changed by a
 * reload, gone at stop. Read back with `ip -j` in the director's namespace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { handlesSignal } from '../helpers/daemon.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { vigilCli } from '../helpers/vigil-cli.ts';
import { keepalivedConf } from './conf.ts';
import { ip, Lab, labUnavailable, type Director, type Proc } from './lab.ts';

const skip = labUnavailable();
const DEADLINE_MS = 10_000;
const { vigil, file } = vigilCli('vigil-static-routes-');

describe.skipIf(!!skip)(skipTitle('static_routes / static_rules on a shim', skip), () => {
  let lab: Lab;
  let d: Director;
  let shim: Proc;
  const gw = () => lab.vip(254);
  const conf = (routes: string[], address = '198.51.130.1/32') =>
    [
      'static_ipaddress {',
      `  ${address} dev eth0`,
      '}',
      'static_routes {',
      ...routes.map((r) => `  ${r}`),
      '}',
      'static_rules {',
      `  from ${lab.vip(1)} table 200 priority 200`,
      '}',
      keepalivedConf('shim', [{ name: 'VI_1', vrid: 61, version: 3, advertInt: '0.1', priority: 100, vip: `${lab.vip()}/24` }]),
    ].join('\n');
  const seen = () => ({
    routes: (JSON.parse(ip(['-n', d.ns, '-j', 'route', 'show', 'table', '200'])) as Array<{ dst: string; protocol?: string }>).map((r) => `${r.dst} ${r.protocol}`).sort(),
    rules: (JSON.parse(ip(['-n', d.ns, '-j', 'rule', 'show'])) as Array<{ priority: number; src?: string }>).filter((r) => r.priority === 200).map((r) => `${r.priority} from ${r.src}`),
    addresses: lab.addresses(d).filter((a) => a.startsWith('198.51.130.')),
  });
  const why = () => `saw ${JSON.stringify(seen())}\n--- shim\n${shim.output().slice(-3000)}`;
  const shows = (want: ReturnType<typeof seen>, what: string) =>
    eventually(what, () => JSON.stringify(seen()) === JSON.stringify(want), { timeoutMs: DEADLINE_MS, detail: why });
  const count = (re: RegExp) => shim.output().match(new RegExp(re.source, 'g'))?.length ?? 0;

  beforeAll(async () => {
    lab = new Lab(1, 44).create();
    [d] = lab.directors as [Director];
    shim = lab.shim(d, 'shim', lab.write('shim.conf', conf([`198.51.120.0/24 via ${gw()} dev eth0 table 200`, 'blackhole 198.51.121.0/24 table 200'])));
    await eventually('the shim to handle SIGHUP', () => handlesSignal(shim.daemon.pid, 'SIGHUP'), { timeoutMs: DEADLINE_MS, detail: why });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('at start: the address, the routes (proto keepalived) and the rule are on', async () => {
    await shows({ routes: ['198.51.120.0/24 keepalived', '198.51.121.0/24 keepalived'], rules: [`200 from ${lab.vip(1)}`], addresses: ['198.51.130.1'] }, 'the static address, routes and rule at start');
  });

  it('a tracked static route deleted behind the shim is put back at once', async () => {
    const before = count(/"msg":"tracked static route or rule deleted; adding it again"/);
    ip(['-n', d.ns, 'route', 'del', '198.51.120.0/24', 'table', '200']);
    await eventually('the shim to log the deletion', () => count(/"msg":"tracked static route or rule deleted; adding it again"/) > before, { timeoutMs: DEADLINE_MS, detail: why });
    await shows({ routes: ['198.51.120.0/24 keepalived', '198.51.121.0/24 keepalived'], rules: [`200 from ${lab.vip(1)}`], addresses: ['198.51.130.1'] }, 'the deleted static route back');
  });

  it('a reload deletes the lines gone from the file and adds the new ones', async () => {
    const reloads = count(/"msg":"reloaded"/);
    lab.write('shim.conf', conf([`198.51.120.0/24 via ${gw()} dev eth0 table 200`, 'blackhole 198.51.122.0/24 table 200'], '198.51.130.2/32'));
    shim.daemon.signal('SIGHUP');
    await eventually('the shim to log reloaded', () => count(/"msg":"reloaded"/) > reloads, { timeoutMs: DEADLINE_MS, detail: why });
    await shows({ routes: ['198.51.120.0/24 keepalived', '198.51.122.0/24 keepalived'], rules: [`200 from ${lab.vip(1)}`], addresses: ['198.51.130.2'] }, 'the reloaded static address and routes');
  });

  it('at stop they are deleted', async () => {
    expect(await lab.stop(shim, 'SIGTERM')).toBe(0);
    expect(seen(), why()).toEqual({ routes: [], rules: [], addresses: [] });
  });
});

describe('static_routes without a vrrp_instance', () => {
  it('the shim refuses to start, saying why, rather than ignore them', () => {
    const f = file('static-only.conf', 'static_routes {\n  198.51.100.0/24 dev eth0\n}\n');
    const r = vigil('shim', '-f', f, '--ipvs-backend', 'dry-run', '--state-dir', '.');
    expect(r.code).toBe(1);
    expect(r.err).toContain('static_routes / static_rules need a vrrp_instance');
  });
});
