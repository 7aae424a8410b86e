import type { Config } from '../../core/config/model.ts';
import type { RunReport } from '../../core/check/scheduler.ts';
import type { Clock } from '../../core/ports/clock.ts';
import { realServerKey } from '../../core/vote/targets.ts';
import type { RealServerInput } from '../../core/vote/virtual-server.ts';
import { nodeCheckPorts } from '../checks/node-check-ports.ts';
import { LocalChecker } from './local-checker.ts';

/**
 * The shim's own checks (keepalived's engine, LocalChecker) turned into the
 * per-real-server inputs the fold takes. A real server keeps its `seed` state
 * (the Board's last word when falling back; keepalived's start state with
 * --local) until its own checks say otherwise: any check down makes it down,
 * all checks reported up make it up. So handing over to local checks never
 * flaps the table before the first results are in.
 */
/** One shared object per state for real servers without a dynamic weight: 10,000 of them need no 10,000 objects. */
const ALIVE: RealServerInput = Object.freeze({ alive: true });
const DOWN: RealServerInput = Object.freeze({ alive: false });
const input = (alive: boolean, weight: number | undefined): RealServerInput => (weight === undefined ? (alive ? ALIVE : DOWN) : { alive, weight });

export class LocalVerdicts {
  private readonly checker: LocalChecker;
  private readonly slotsByRs = new Map<string, number>();
  private readonly results = new Map<string, Map<string, { up: boolean; weight?: number }>>();
  private readonly inputs = new Map<string, RealServerInput>();
  private running: Promise<void> | null = null;

  constructor(
    config: Config,
    seed: ReadonlyMap<string, RealServerInput>,
    clock: Clock,
    private readonly onChange: (inputs: ReadonlyMap<string, RealServerInput>) => void,
  ) {
    for (const vs of config.virtualServers) {
      for (const rs of vs.realServers) {
        const key = realServerKey(vs, rs);
        const slots = rs.checks.filter((c) => c.type !== 'FILE_CHECK' && c.type !== 'BFD_CHECK').length;
        if (slots) this.slotsByRs.set(key, slots);
        this.inputs.set(key, seed.get(key) ?? input(!(rs.alpha ?? vs.alpha), undefined));
      }
    }
    this.checker = new LocalChecker(config, { ports: nodeCheckPorts, clock, onRun: (r) => this.onRun(r) });
  }

  start(): void {
    this.running ??= this.checker.run();
  }

  stop(): void {
    this.checker.close();
  }

  current(): ReadonlyMap<string, RealServerInput> {
    return this.inputs;
  }

  private onRun(r: RunReport): void {
    const hash = r.job.id.lastIndexOf('#');
    const rsKey = r.job.id.slice(0, hash);
    let m = this.results.get(rsKey);
    if (!m) this.results.set(rsKey, (m = new Map()));
    m.set(r.job.id, { up: r.state.up, weight: r.result.weight });
    const all = [...m.values()];
    const prev = this.inputs.get(rsKey);
    let alive = prev?.alive ?? true;
    if (all.some((x) => !x.up)) alive = false;
    else if (all.length >= (this.slotsByRs.get(rsKey) ?? 0)) alive = true;
    const weight = all.map((x) => x.weight).find((w) => w !== undefined) ?? prev?.weight;
    if (prev?.alive === alive && prev?.weight === weight) return;
    this.inputs.set(rsKey, input(alive, weight));
    this.onChange(this.inputs);
  }
}
