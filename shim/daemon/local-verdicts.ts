import type { PlannedChecker, PlannedRealServer } from '../../core/check/checker-plan.ts';
import { realServerStanding, type CheckerStanding } from '../../core/check/real-server-vote.ts';
import type { ReasonCode } from '../../core/check/result.ts';
import type { RunReport } from '../../core/check/scheduler.ts';
import type { Config } from '../../core/config/model.ts';
import type { Clock } from '../../core/ports/clock.ts';
import { realServerKey } from '../../core/vote/targets.ts';
import type { RealServerInput } from '../../core/vote/virtual-server.ts';
import { nodeCheckPorts } from '../checks/node-check-ports.ts';
import { withScripts } from '../checks/script-runner.ts';
import { LocalChecker, type LocalJob } from './local-checker.ts';

/** One shared object per state for real servers without a dynamic weight: 10,000 of them need no 10,000 objects. */
const ALIVE: RealServerInput = Object.freeze({ alive: true });
const DOWN: RealServerInput = Object.freeze({ alive: false });
const input = (alive: boolean, weight: number | undefined): RealServerInput => (weight === undefined ? (alive ? ALIVE : DOWN) : { alive, weight });

type Reported = CheckerStanding & { last: { weight?: number | undefined } };
const ran = (r: (Reported | undefined)[]): Reported[] => r.filter((x) => x !== undefined);

/**
 * The shim's own checks (keepalived's engine, LocalChecker) turned into the
 * per-real-server inputs the fold takes. A real server keeps its `seed` state
 * (the Board's last word when falling back; keepalived's start state with
 * --local) until its own checks say otherwise, by the rule every vantage
 * point votes with (realServerStanding: alive only while all its checks are
 * up): any check down makes it down, all checks reported up make it up. So
 * handing over to local checks never flaps the table before the first
 * results are in.
 */
export class LocalVerdicts {
  private readonly checker: LocalChecker;
  /** Each real server's checkers (LocalChecker's plan, in the order its checks are written). */
  private readonly planned = new Map<string, readonly PlannedChecker[]>();
  /** The last report of each, at the same position (the step's state, the run's result); a hole until it has run. */
  private readonly reported = new Map<string, (Reported | undefined)[]>();
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
        this.inputs.set(key, seed.get(key) ?? input(!(rs.alpha ?? vs.alpha), undefined));
      }
    }
    // The director's own file: its MISC_CHECKs run with no opt-in, but as its script_user and under its enable_script_security.
    this.checker = new LocalChecker(config, { ports: withScripts(nodeCheckPorts, config.globalDefs), clock, onRun: (r) => this.onRun(r) });
    for (const rs of this.checker.plan) this.planned.set(rs.target, rs.checkers);
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

  /** The checkers it runs (core's plan of this config), by real server. */
  plan(): readonly PlannedRealServer[] {
    return this.checker.plan;
  }

  /**
   * What this host's own checks say of a real server once every one of its
   * checkers has run (the vote a vantage point would send: up, or down with
   * the failing check's reason); undefined before.
   */
  standing(rsKey: string): { up: boolean; reason: ReasonCode } | undefined {
    const got = this.reported.get(rsKey);
    const all = got && ran(got);
    return all && all.length === got.length ? realServerStanding(all) : undefined;
  }

  private onRun(r: RunReport<LocalJob>): void {
    const rsKey = r.job.checker.target;
    const planned = this.planned.get(rsKey)!;
    let got = this.reported.get(rsKey);
    if (!got) this.reported.set(rsKey, (got = planned.map(() => undefined)));
    got[planned.indexOf(r.job.checker)] = { state: r.state, last: r.result };
    const all = ran(got);
    const prev = this.inputs.get(rsKey);
    // Down as soon as one check is; up only once all have reported (until then the seed stands).
    const alive = !realServerStanding(all).up ? false : all.length === got.length ? true : (prev?.alive ?? true);
    const weight = all.map((x) => x.last.weight).find((w) => w !== undefined) ?? prev?.weight;
    if (prev?.alive === alive && prev?.weight === weight) return;
    this.inputs.set(rsKey, input(alive, weight));
    this.onChange(this.inputs);
  }
}
