import { WorkerEntrypoint } from 'cloudflare:workers';
import { withDeadline } from './deadline.ts';
import { executeRound, Round, type Outcome, type ReportKind } from './round.ts';

const REPORT_DEADLINE_MS = 10_000;
/** Transitions within this long of each other go to the Prober in one report (a whole region losing a network is one RPC, not hundreds). */
const TRANSITION_BATCH_MS = 100;

/**
 * Runs a Prober's checks for one round (round.ts), in an ordinary Worker
 * invocation instead of in the Durable Object.
 *
 * Why: a Durable Object is billed for wall-clock while it waits on a socket
 * (128 MB × $12.5 per million GB-s), and a check is almost all waiting. A
 * Worker invocation is billed for CPU only ($0.02 per million CPU-ms), and a
 * Service binding call adds no request charge. So the Prober (which keeps the
 * schedule, the checkers' state, its placement by locationHint) hands each
 * round here through the PROBE_RUNNER binding and returns at once; it is
 * idle, and not billed, while the round runs. The call runs in the same
 * place as the Prober (a Service binding runs on the caller's machine), so
 * the checks still come from the Prober's region.
 *
 * runRound answers as soon as the round is accepted; the checks run after
 * the answer, under ctx.waitUntil (at most 30 s, which edge-timings.ts's round
 * length respects). Transitions are reported to the Prober at once; at the
 * round's end every finished checker goes back (a check still holding its
 * socket follows when it is done), so the Prober can start the next round
 * on time. Each report returns the votes the Prober derives, which go from
 * here to the Board. Six sockets at a time, as in any
 * invocation, which is what the Board's shard plan sizes a shard for.
 *
 * Reachable only through a Service binding (a named entrypoint has no route).
 */
export class ProbeRunner extends WorkerEntrypoint<Env> {
  async runRound(input: Round): Promise<{ accepted: number }> {
    const round = Round.parse(input);
    this.ctx.waitUntil(relay(this.env, round));
    return { accepted: round.checks.length };
  }
}

async function relay(env: Env, round: Round): Promise<void> {
  const prober = env.PROBER.get(env.PROBER.idFromName(round.prober));
  const board = env.BOARD.get(env.BOARD.idFromName(round.cluster));
  const where = `probe runner ${round.prober} round ${round.id}`;
  const report = async (outcomes: Outcome[], kind: ReportKind) => {
    const reply = await withDeadline(prober.roundDone(round.id, outcomes, kind), REPORT_DEADLINE_MS, 'Prober.roundDone');
    if (reply && reply.votes.length > 0) await withDeadline(board.submitEdgeVotes(round.cluster, round.vantagePoint, reply.votes, reply.health), REPORT_DEADLINE_MS, 'Board.submitEdgeVotes');
  };
  // Reports go in order, so a later one never overtakes an earlier one; one that fails is logged and the rest still go.
  let sent: Promise<void> = Promise.resolve();
  const send = (outcomes: Outcome[], kind: ReportKind) => {
    sent = sent.then(() => report(outcomes, kind)).catch((err) => console.warn(`${where}: ${kind} report not delivered: ${(err as Error).message}`));
  };
  let pending: Outcome[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    send(pending, 'transition');
    pending = [];
  };
  let stragglers = 0;
  try {
    const rest = await executeRound(round, {
      transition: (o) => {
        if (pending.length === 0) setTimeout(flush, TRANSITION_BATCH_MS);
        pending = [...pending.filter((p) => p.id !== o.id), o];
      },
      ended: (finished, running) => {
        flush();
        stragglers = running;
        send(finished, running > 0 ? 'returned' : 'final');
      },
    });
    if (stragglers > 0) send(rest, 'final');
  } catch (err) {
    // The Prober takes the round as lost after edge-timings.ts's grace (roundLostAfterMs) and runs these checkers again.
    console.warn(`${where}: ${(err as Error).message}`);
  }
  await sent;
}
