/**
 * `npm run soak -- MINUTES [SEED] [--no-vrrp]`: the bounded soak (soak-run.ts)
 * against a real `vigil shim`; stops by itself, prints what it did and the
 * shim's fault counts, and exits 1 on any invariant violation (printing the
 * seed to replay). With root, network namespaces and Debian's keepalived the
 * shim also runs a VRRP instance against keepalived (`--no-vrrp`: not).
 */
import { keepalivedUnavailable, labUnavailable } from '../vrrp/lab.ts';
import { runSoak } from './soak-run.ts';

const args = process.argv.slice(2).filter((a) => a !== '--no-vrrp');
const minutes = Number(args[0] ?? 5);
if (!(minutes > 0 && minutes <= 24 * 60)) {
  process.stderr.write('usage: npm run soak -- MINUTES [SEED] [--no-vrrp]   (MINUTES: more than 0, at most a day)\n');
  process.exit(64);
}
const seed = args[1] === undefined ? undefined : Number(args[1]);
const noVrrp = process.argv.includes('--no-vrrp') ? '--no-vrrp' : (labUnavailable() ?? keepalivedUnavailable());
process.stderr.write(noVrrp ? `soak: without the VRRP pair (${noVrrp})\n` : 'soak: with a VRRP pair (the shim and Debian keepalived)\n');
const r = await runSoak({ minutes, seed, vrrp: !noVrrp, log: (l) => process.stderr.write(l + '\n') });
process.stdout.write(JSON.stringify(r, null, 2) + '\n');
process.stdout.write(r.violations.length ? `soak: ${r.violations.length} violation(s); replay with: npm run soak -- ${minutes} ${r.seed}\n` : `soak: ${minutes} min, seed ${r.seed}, no violations\n`);
process.exit(r.violations.length ? 1 : 0);
