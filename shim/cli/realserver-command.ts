import type { Command } from 'commander';
import { defaultStateDir } from '../daemon/board-follow.ts';
import { EXIT, runRealserverSetup, type RealserverOptions } from '../realserver/setup.ts';

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

/**
 * `vigil realserver setup`: what an LVS-DR real server needs and keepalived
 * operators do by hand, as one idempotent command with an undo
 * (shim/realserver/).
 */
export function registerRealserverCommand(program: Command, setExit: (code: number) => void): void {
  const realserver = program.command('realserver').description('set up this host as an LVS direct-routing (DR) real server');
  realserver
    .command('setup')
    .summary('put VIPs on lo and set the ARP sysctls of a DR real server (idempotent; --undo, --dry-run)')
    .description(
      'Put each VIP on lo as /32 (/128) and set net.ipv4.conf.all (and each --interface) arp_ignore=1, arp_announce=2, so this host accepts ' +
        'the frames a DR director forwards without answering ARP for the VIP. Idempotent: a second run changes nothing and says so. ' +
        'The values before are kept in the state directory for --undo.',
    )
    .option('--vip <address>', 'a virtual IP the director forwards (IPv4 or IPv6, bare or /32 and /128); repeat for more', collect)
    .option('--interface <if>', 'also set the ARP sysctls on this interface (the one VIP traffic arrives on); repeat for more', collect)
    .option('--undo', 'remove the VIPs setup added (and any --vip) and put the sysctls back to the values before setup')
    .option('--dry-run', 'print the changes as argument lists (ip ..., sysctl -w ...) and make none')
    .option('--state-dir <dir>', 'where the values before setup are kept (default: $STATE_DIRECTORY, else /var/lib/vigil)', defaultStateDir())
    .addHelpText(
      'after',
      '\nThe kernel uses max(net.ipv4.conf.all, net.ipv4.conf.IF) for arp_ignore and arp_announce, so "all" alone covers every\n' +
        'interface, including later ones; --interface pins the ones you name against a later change of "all".\n' +
        'IPv6 VIPs need no sysctl: Linux answers neighbour solicitations only for addresses on the interface asked.\n' +
        `Exit codes: ${EXIT.ok} done or nothing to change, ${EXIT.failed} a change failed (named; --undo reverts what was done),\n` +
        `${EXIT.usage} bad usage (bad VIP, no such interface), ${EXIT.noPermission} not root.\n`,
    )
    .action(async (opts: Partial<RealserverOptions> & { stateDir: string }) => {
      const io = { out: (l: string) => process.stdout.write(`${l}\n`), err: (l: string) => process.stderr.write(`${l}\n`) };
      setExit(await runRealserverSetup({ vip: opts.vip ?? [], interface: opts.interface ?? [], undo: !!opts.undo, dryRun: !!opts.dryRun, stateDir: opts.stateDir }, io));
    });
}
