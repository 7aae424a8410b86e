import { describe, expect, it } from 'vitest';
import { Config } from '../config/model.ts';
import { pathPrefixes, scriptRunAs, scriptWarnings, unsafePathElement, type PathElement } from './script-policy.ts';

const dir = (path: string, mode = 0o755, uid = 0, gid = 0): PathElement => ({ path, kind: 'dir', uid, gid, mode });
const file = (path: string, mode = 0o755, uid = 0, gid = 0): PathElement => ({ path, kind: 'file', uid, gid, mode });
const chain = (last: PathElement, ...dirs: PathElement[]) => [dir('/'), ...dirs, last];

describe('enable_script_security: which paths a script may run from (keepalived check_security)', () => {
  it('root-owned, not writable by others: accepted', () => {
    expect(unsafePathElement(chain(file('/usr/bin/check'), dir('/usr'), dir('/usr/bin')))).toBeNull();
  });

  it('a world-writable script is refused', () => {
    expect(unsafePathElement(chain(file('/opt/check', 0o777), dir('/opt')))).toBe('/opt/check is writable by anyone');
  });

  it('a world-writable parent directory without the sticky bit is refused; with it (as /tmp) it is not', () => {
    expect(unsafePathElement(chain(file('/opt/x/check'), dir('/opt'), dir('/opt/x', 0o777)))).toBe('/opt/x is writable by anyone');
    expect(unsafePathElement(chain(file('/tmp/check'), dir('/tmp', 0o1777)))).toBeNull();
  });

  it('an element owned by anyone but root is refused, whatever its mode', () => {
    expect(unsafePathElement(chain(file('/opt/check', 0o700, 1000), dir('/opt')))).toBe('/opt/check is owned by uid 1000, not root');
    expect(unsafePathElement(chain(file('/home/u/check'), dir('/home'), dir('/home/u', 0o755, 1000)))).toBe('/home/u is owned by uid 1000, not root');
  });

  it('group write counts only for a group other than root', () => {
    expect(unsafePathElement(chain(file('/opt/check', 0o775, 0, 0), dir('/opt')))).toBeNull();
    expect(unsafePathElement(chain(file('/opt/check', 0o775, 0, 50), dir('/opt')))).toBe('/opt/check is writable by group 50');
  });

  it('a path through something that is not a directory, or ending at one, is refused', () => {
    expect(unsafePathElement([dir('/'), file('/opt'), file('/opt/check')])).toBe('/opt is not a directory');
    expect(unsafePathElement([dir('/'), dir('/opt')])).toBe('/opt is not a file');
  });

  it('pathPrefixes walks from / down to the script', () => {
    expect(pathPrefixes('/usr/bin/check')).toEqual(['/', '/usr', '/usr/bin', '/usr/bin/check']);
  });
});

describe('who runs a script', () => {
  it("the script's own user replaces script_user whole; else script_user; else none (the host picks keepalived_script or nobody)", () => {
    const policy = { scriptUser: { user: 'svc', group: 'svcg' }, enableScriptSecurity: true };
    expect(scriptRunAs({ user: 'other' }, policy)).toEqual({ user: 'other', group: undefined, secure: true });
    expect(scriptRunAs({}, policy)).toEqual({ user: 'svc', group: 'svcg', secure: true });
    expect(scriptRunAs({}, { enableScriptSecurity: false })).toEqual({ user: undefined, group: undefined, secure: false });
  });
});

describe('the Board warns when an upload asks self-hosted probers to run scripts', () => {
  const config = (vps: Array<{ name: string; kind: 'edge' | 'self-hosted' }>, check: object) =>
    Config.parse({
      virtualServers: [{ ip: '203.0.113.1', port: 80, protocol: 'TCP', realServers: [{ ip: '203.0.113.10', port: 80, checks: [check] }] }],
      vigil: { vantagePoints: vps },
    });

  it('names the self-hosted vantage points and --allow-scripts; the edge (which never runs scripts) is not named', () => {
    const w = scriptWarnings(config([{ name: 'edge-a', kind: 'edge' }, { name: 'dc1', kind: 'self-hosted' }], { type: 'MISC_CHECK', miscPath: { command: '/bin/true' } }), 'keepalived.conf');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/^keepalived\.conf:1:1: warning: MISC_CHECK on 1 real server\(s\) is assigned to self-hosted vantage point\(s\) dc1: .*--allow-scripts/);
    expect(w[0]).not.toMatch(/edge-a/);
  });

  it('says nothing without a script, or with no self-hosted vantage point to run it', () => {
    expect(scriptWarnings(config([{ name: 'dc1', kind: 'self-hosted' }], { type: 'TCP_CHECK' }), 'k')).toEqual([]);
    expect(scriptWarnings(config([{ name: 'edge-a', kind: 'edge' }], { type: 'MISC_CHECK', miscPath: { command: '/bin/true' } }), 'k')).toEqual([]);
  });
});
