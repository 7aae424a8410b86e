/**
 * Runs inside one of two UML kernels for test/ipvs/uml-syncd.test.ts: a
 * `vigil shim` director with lvs_sync_daemon, the same UDP service through NAT
 * on both. The run folder (hostfs, shared with the host and the other kernel)
 * carries the hand-offs:
 *   ROLE.ready   this director reached its state (master: MASTER with the master
 *                sync daemon; backup: BACKUP with the backup one)
 *   backup.conns the backup's `ipvsadm -Lnc` once it lists a connection to the VIP
 *   done         the host has what it needs: stop the shim and end
 * argv: ROLE (master|backup), the run folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../../helpers/eventually.ts';
import { keepalivedConf } from '../../vrrp/conf.ts';

const REPO = join(import.meta.dirname, '../../..');
const role = process.argv[2] === 'master' ? 'master' : 'backup';
const dir = process.argv[3]!;
const VIP = '10.254.0.100';
const WAIT_MS = 300_000;
const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 }).stdout ?? '';

sh('ipvsadm', ['-A', '-u', `${VIP}:53`, '-s', 'rr']);
sh('ipvsadm', ['-a', '-u', `${VIP}:53`, '-r', '10.254.0.1:53', '-m']);
const cfg = join(dir, `${role}.conf`);
writeFileSync(cfg, keepalivedConf(role, [{ name: 'VI_1', vrid: 62, version: 3, advertInt: '0.1', priority: role === 'master' ? 200 : 100, vip: `${VIP}/24` }], ['lvs_sync_daemon eth0 VI_1']));
let out = '';
const shim = spawn(process.execPath, [join(REPO, 'bin/vigil.js'), 'shim', '--config', cfg, '--config-id', role], { stdio: ['ignore', 'pipe', 'pipe'] });
shim.stdout.on('data', (d: Buffer) => (out += d.toString()));
shim.stderr.on('data', (d: Buffer) => (out += d.toString()));
const wait = (what: string, fn: () => unknown) => eventually(what, fn, { timeoutMs: WAIT_MS, intervalMs: 200, detail: () => out.slice(-3000) });
try {
  const state = role === 'master' ? 'MASTER' : 'BACKUP';
  await wait(`${state} with the ${role} sync daemon`, () => out.includes(`"to":"${state}"`) && sh('ipvsadm', ['-L', '--daemon']).startsWith(`${role} sync daemon`));
  writeFileSync(join(dir, `${role}.ready`), sh('ipvsadm', ['-L', '--daemon']));
  if (role === 'backup') {
    const conns = await wait('a synced connection to the VIP in ipvsadm -Lnc', () => {
      const t = sh('ipvsadm', ['-Lnc']);
      return t.includes(`${VIP}:53`) && t;
    });
    writeFileSync(join(dir, 'backup.conns'), String(conns));
  }
  await wait('the host to say done', () => existsSync(join(dir, 'done')));
} finally {
  shim.kill('SIGTERM');
  await new Promise((r) => (shim.exitCode !== null ? r(null) : shim.on('exit', r)));
  process.stdout.write(out.slice(-3000));
}
