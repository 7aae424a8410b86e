import { describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { keepalivedUnavailable, labUnavailable } from '../vrrp/lab.ts';
import { runSoak } from './soak-run.ts';

const skip = labUnavailable() ?? keepalivedUnavailable();

/** One minute of the soak (npm run soak -- MINUTES for longer) inside npm test; the seed is printed to replay a failure. */
describe.skipIf(!!skip)(skipTitle('soak: a real vigil shim under mixed IPVS and Board faults, with a VRRP pair (the shim and Debian keepalived)', skip), () => {
  it('for one minute: the shim never exits, the table follows every fresh verdict and holds still without one, no replay lands, never two VRRP masters', async () => {
    const lines: string[] = [];
    const r = await runSoak({ minutes: 1, vrrp: true, log: (l) => lines.push(l) });
    console.log(`soak seed ${r.seed}: actions ${JSON.stringify(r.actions)}; shim faults ${JSON.stringify(r.shimFaults)}; rejected ${JSON.stringify(r.rejected)}; vrrp samples ${JSON.stringify(r.vrrp)}; ${r.samples} samples, ${r.holdWindows} hold window(s), longest convergence ${r.maxDivergenceMs} ms`);
    expect(r.violations.join('\n---\n'), `seed ${r.seed} (replay: npm run soak -- 1 ${r.seed})\n${lines.slice(-40).join('\n')}`).toBe('');
    // The mix really happened: faults on both sides were met and counted, and the pair had a master.
    expect(Object.keys(r.shimFaults).some((k) => k.startsWith('ipvs/')), JSON.stringify(r.shimFaults)).toBe(true);
    expect(Object.keys(r.shimFaults).some((k) => k.startsWith('board/')), JSON.stringify(r.shimFaults)).toBe(true);
    expect(r.vrrp!.shim, JSON.stringify(r.vrrp)).toBeGreaterThan(0);
    expect(r.samples).toBeGreaterThan(100);
  }, 180_000);
});
