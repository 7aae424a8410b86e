import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { deleteNetns } from '../ipvs/uml-net.ts';
import { ip, labUnavailable, REPO } from '../vrrp/lab.ts';
import { realserverIn } from './netns.ts';

const UNIT = readFileSync(join(REPO, 'infra/systemd/vigil-realserver.service'), 'utf8');
const DEFAULTS = readFileSync(join(REPO, 'infra/deb/default-vigil-realserver'), 'utf8');
const line = (key: string) => UNIT.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8', timeout: 20_000 });
const noSystemd = probe.error ? `systemd-analyze cannot run here (${probe.error.message}); Debian's systemd package has it` : null;

describe('vigil-realserver.service: the set-up at boot, undone on stop', () => {
  it('runs setup with the settings file’s arguments once, stays active, and stop runs --undo', () => {
    expect(line('Type')).toEqual(['oneshot']);
    expect(line('RemainAfterExit')).toEqual(['yes']);
    expect(line('EnvironmentFile')).toEqual(['-/etc/default/vigil-realserver']);
    expect(line('ExecStart')[0]).toMatch(/ realserver setup \$VIGIL_REALSERVER_ARGS$/);
    expect(line('ExecStop')[0]).toMatch(/ realserver setup --undo$/);
  });

  it('keeps its record apart from the shim’s state directory (that one belongs to the vigil user), and may write the net sysctls', () => {
    expect(line('StateDirectory')).toEqual(['vigil-realserver']);
    expect(line('User')).toEqual([]);
    expect(line('CapabilityBoundingSet')).toEqual(['CAP_NET_ADMIN']);
    expect(line('ProtectKernelTunables')).toEqual([]);
    expect(line('ProcSubset')).toEqual([]);
    expect(line('PrivateNetwork')).toEqual([]);
  });

  it.skipIf(!!noSystemd)(skipTitle('passes systemd-analyze verify', noSystemd), () => {
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', join(REPO, 'infra/systemd/vigil-realserver.service')], { encoding: 'utf8', timeout: 20_000 });
    expect(r.error).toBeUndefined();
    // The packaged runtime is absent here: test/deb/install.test.ts verifies the installed unit.
    const problems = (r.stderr + r.stdout).split('\n').filter((l) => l.trim() && !/does not exist|not found|Failed to resolve|\/usr\/lib\/vigil\/node/.test(l));
    expect(problems).toEqual([]);
  });
});

const skip = labUnavailable();
describe.skipIf(!!skip)(skipTitle('/etc/default/vigil-realserver: its example is what the CLI accepts', skip), () => {
  const ns = `vrs-unit-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-realserver-unit-'));
  beforeAll(() => {
    deleteNetns(ns);
    ip(['netns', 'add', ns]);
    ip(['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
  });
  afterAll(() => {
    deleteNetns(ns);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the commented example runs as a dry run (exit 0, the VIPs listed) and the shipped value is empty', async () => {
    const example = /^#\s+VIGIL_REALSERVER_ARGS="([^"]+)"$/m.exec(DEFAULTS)?.[1];
    expect(example, 'no example line in default-vigil-realserver').toBeDefined();
    expect(DEFAULTS).toMatch(/^VIGIL_REALSERVER_ARGS=$/m);
    const r = await realserverIn(ns, join(dir, 'state'), [...example!.split(/\s+/), '--dry-run']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('ip -4 address add 192.0.2.10/32 dev lo');
    expect(r.out).toContain('sysctl -w net.ipv4.conf.eth0.arp_ignore=1');
  });
});
