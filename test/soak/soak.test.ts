import { describe, expect, it } from 'vitest';
import { runSoak } from './soak-run.ts';

/** One minute of the soak (npm run soak -- MINUTES for longer) inside npm test; the seed is printed to replay a failure. */
describe('soak: a real vigil shim under mixed IPVS and Board faults', () => {
  it('for one minute: the shim never exits, the table follows every fresh verdict and holds still without one, no replay lands', async () => {
    const lines: string[] = [];
    const r = await runSoak({ minutes: 1, log: (l) => lines.push(l) });
    console.log(`soak seed ${r.seed}: actions ${JSON.stringify(r.actions)}; shim faults ${JSON.stringify(r.shimFaults)}; rejected ${JSON.stringify(r.rejected)}; ${r.samples} samples, ${r.holdWindows} hold window(s), longest convergence ${r.maxDivergenceMs} ms`);
    expect(r.violations, `seed ${r.seed} (replay: npm run soak -- 1 ${r.seed})\n${lines.slice(-40).join('\n')}`).toEqual([]);
    // The mix really happened: faults on both sides were met and counted.
    expect(Object.keys(r.shimFaults).some((k) => k.startsWith('ipvs/')), JSON.stringify(r.shimFaults)).toBe(true);
    expect(Object.keys(r.shimFaults).some((k) => k.startsWith('board/')), JSON.stringify(r.shimFaults)).toBe(true);
    expect(r.samples).toBeGreaterThan(100);
  }, 180_000);
});
