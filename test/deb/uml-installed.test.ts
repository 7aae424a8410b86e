import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { runInUml, umlUnavailable, type UmlRun } from '../ipvs/uml.ts';
import { cachedDeb, REPO } from './deb-build.ts';

// The packaged shim, run from the package's files with the unit's own Node flags, inside
// a real IPVS kernel (User-Mode Linux): it must build the same table as the checkout's
// shim from the same keepalived.conf, and take its services away again on SIGTERM.
const tools = ['dpkg-deb', 'strip', 'dpkg-shlibdeps'].filter((t) => spawnSync(t, ['--version'], { timeout: 20_000 }).error);
const why = tools.length ? `${tools.join(', ')} not installed (infra/install-test-deps.sh)` : umlUnavailable();

// Real servers without checkers are up from the start, so the table is known as soon as
// the shim has applied it (`--local`: no Board).
const CONFIG = `
virtual_server 10.0.0.1 80 {
  lvs_sched wrr
  lvs_method NAT
  protocol TCP
  real_server 192.168.1.1 80 { weight 2 }
  real_server 192.168.1.2 80 { weight 1 }
}
virtual_server 10.0.0.1 443 {
  lvs_sched wlc
  lvs_method DR
  protocol TCP
  persistence_timeout 300
  real_server 192.168.1.1 443 { weight 1 }
  real_server 192.168.1.2 443 { weight 3 }
}
virtual_server 10.0.0.2 53 {
  lvs_sched rr
  lvs_method NAT
  protocol UDP
  real_server 192.168.1.3 53 { weight 1 }
}
`;

// Inside UML: start one shim, wait (with a deadline) for its "ipvs applied" line, print
// the kernel's table, SIGTERM it, print the table again.
const DRIVER = `
set -u
one() {
  label=$1; shift
  log="$WORK/$label.log"
  "$@" > "$log" 2>&1 &
  pid=$!
  for i in $(seq 600); do grep -q 'ipvs applied' "$log" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  grep -q 'ipvs applied' "$log" || { echo "NEVER APPLIED $label"; cat "$log"; }
  echo "TABLE $label"; ipvsadm -Sn | sort; echo "END"
  kill -TERM "$pid"; wait "$pid"; echo "EXIT $label $?"
  echo "AFTER $label"; ipvsadm -Sn | sort; echo "END"
}
one installed "$PKG/usr/lib/vigil/node" --no-opt "$PKG/usr/lib/vigil/bin/vigil.mjs" shim --local --config "$WORK/keepalived.conf" -i uml --ipvs-backend netlink
one checkout node --no-opt bin/vigil.js shim --local --config "$WORK/keepalived.conf" -i uml --ipvs-backend netlink
`;

function section(out: string, head: string): string | undefined {
  const m = new RegExp(`^${head}\\n([\\s\\S]*?)^END$`, 'm').exec(out);
  return m?.[1]?.trim();
}

describe.skipIf(!!why)(skipTitle('the packaged shim in a real IPVS kernel (UML)', why), () => {
  const work = mkdtempSync(join(tmpdir(), `vigil-deb-uml-${process.pid}-`));
  let run: UmlRun;
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  beforeAll(async () => {
    const deb = await cachedDeb();
    execFileSync('dpkg-deb', ['-x', deb, join(work, 'pkg')], { timeout: 120_000 });
    writeFileSync(join(work, 'keepalived.conf'), CONFIG);
    writeFileSync(join(work, 'driver.sh'), DRIVER);
    run = await runInUml(['env', `WORK=${work}`, `PKG=${join(work, 'pkg')}`, 'bash', join(work, 'driver.sh')], { timeoutMs: 150_000, addrs: ['192.168.0.254/16', '10.0.0.254/8'] });
  }, 900_000);

  const detail = () => `exit ${run.code}${run.timedOut ? ' (timed out)' : ''}\n${run.stderr.slice(-4000)}`;

  it('builds the same IPVS table from the installed files as the checkout does', () => {
    const installed = section(run.stdout, 'TABLE installed');
    const checkout = section(run.stdout, 'TABLE checkout');
    expect(run.stdout, detail()).not.toMatch(/NEVER APPLIED/);
    expect(installed, detail()).toBeTruthy();
    expect(installed).toBe(checkout);
    expect(installed!.split('\n')).toEqual([
      '-A -t 10.0.0.1:443 -s wlc -p 300',
      '-A -t 10.0.0.1:80 -s wrr',
      '-A -u 10.0.0.2:53 -s rr',
      '-a -t 10.0.0.1:443 -r 192.168.1.1:443 -g -w 1',
      '-a -t 10.0.0.1:443 -r 192.168.1.2:443 -g -w 3',
      '-a -t 10.0.0.1:80 -r 192.168.1.1:80 -m -w 2',
      '-a -t 10.0.0.1:80 -r 192.168.1.2:80 -m -w 1',
      '-a -u 10.0.0.2:53 -r 192.168.1.3:53 -m -w 1',
    ]);
  });

  it('exits 0 on SIGTERM and releases its services, as the checkout does', () => {
    expect(run.stdout, detail()).toMatch(/^EXIT installed 0$/m);
    expect(section(run.stdout, 'AFTER installed')).toBe('');
    expect(section(run.stdout, 'AFTER checkout')).toBe('');
  });
});
