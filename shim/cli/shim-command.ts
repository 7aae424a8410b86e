import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { Command } from 'commander';
import type { Config } from '../../core/config/model.ts';
import { formatDiagnostic } from '../../core/keepalived/index.ts';
import { defaultConfigId } from '../config/node-host.ts';
import { loadConfigFile } from '../config/load.ts';
import { unimplementedKeywordLines } from '../config/unsupported.ts';
import { collectStartupGarbage } from '../daemon/heap.ts';
import type { CloudCliOptions, CloudSide } from '../daemon/cloud-main.ts';
import { ipvsOptionsProblem, startIpvsSide, type IpvsCliOptions, type IpvsSide } from '../daemon/ipvs-main.ts';
import { boardTargetsFor, createBoardFeed } from '../daemon/board-feed.ts';
import { boardOptionsProblem, defaultStateDir } from '../daemon/board-follow.ts';
import { VrrpThread } from '../vrrp/vrrp-thread.ts';
import { planVrrp } from '../vrrp/plan.ts';
import { sysfsPlanHost } from '../vrrp/track-sources.ts';
import { MailAlerts } from '../mail/mail-alerts.ts';
import { writeStatusFile } from '../daemon/status-file.ts';
import { STATUS_EVERY_MS } from '../../core/status/shim-status.ts';
import type { AlertState } from '../../core/mail/keepalived-mail.ts';
import { Metrics, serveMetrics } from '../daemon/metrics.ts';
import { collectDirector } from '../daemon/process-metrics.ts';
import { Faults } from '../daemon/faults.ts';
import type { Server } from 'node:http';

/** The nice value of every thread but VRRP's when VRRP runs here (see yieldToVrrp). */
const OTHER_THREADS_NICE = 10;

/** At exit, how long queued smtp_alert mail may still take. */
const MAIL_DRAIN_MS = 5_000;

/** One JSON line per event on stdout: what an operator greps and what tests parse. */
function log(msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), msg, ...fields }) + '\n');
}

/**
 * Every other thread of the process (the main thread: IPVS, the Board, config
 * parses; V8's and libuv's helpers) steps back behind the VRRP thread, whose
 * timers must fire on time. Linux keeps a nice value per thread, and raising
 * one's own needs no privilege (the unit has no CAP_SYS_NICE to raise the VRRP
 * thread's instead). Threads started later inherit the main thread's value.
 */
function yieldToVrrp(vrrpTid: number | null, log: (msg: string, fields?: Record<string, unknown>) => void): void {
  try {
    for (const tid of readdirSync('/proc/self/task').map(Number)) {
      if (tid === vrrpTid || getPriority(tid) >= OTHER_THREADS_NICE) continue;
      setPriority(tid, OTHER_THREADS_NICE);
    }
  } catch (err) {
    log('thread priorities unchanged', { error: String(err) });
  }
}

/**
 * The config file's model, its diagnostics printed, or null when it has errors.
 * Only the model is returned: the diagnostics (one per deprecated word, thousands
 * in a large file) would otherwise live as long as the daemon's own frame.
 */
function loadReporting(file: string, configId: string): Config | null {
  const res = loadConfigFile(file, configId);
  for (const d of res.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
  const refused = unimplementedKeywordLines(res);
  for (const line of refused) process.stderr.write(line + '\n');
  return res.ok && refused.length === 0 ? res.config : null;
}

/** The VRRP side runs for instances, and for the static addresses, routes and rules it keeps. */
const runsVrrp = (c: Config): boolean => c.vrrpInstances.length > 0 || c.staticIpaddress.length > 0 || c.staticRoutes.length > 0 || c.staticRules.length > 0;

interface ShimOptions extends IpvsCliOptions, CloudCliOptions {
  config: string;
  dontReleaseIpvs?: boolean;
  configId: string;
  dontReleaseVrrp?: boolean;
  statusFile?: string;
  /** false with --no-ipvs: a director that follows the Board for VRRP tracking alone. */
  ipvs?: boolean;
}

/**
 * `vigil shim`: the director daemon. VRRP for the configuration's
 * vrrp_instances (keepalived -P), and the IPVS table for its virtual servers
 * (keepalived -C), following the Board's signed verdicts or, with --local,
 * its own checks. Either side runs when the config has something for it.
 */
export function registerShimCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('shim')
    .description('Run the director daemon: VRRP for vrrp_instances (keepalived -P) and the IPVS table for virtual_servers (keepalived -C)')
    .requiredOption('-f, --config <file>', 'keepalived.conf, or a .json file in the Vigil form')
    .option('-i, --config-id <id>', 'the id @id lines are matched against (keepalived -i); default: host name', defaultConfigId())
    .option('--dont-release-vrrp', 'at exit, send no priority 0 and leave the virtual addresses (keepalived -V)')
    .option('--status-file <file>', 'keep a JSON snapshot of states and counters here')
    .option('--board <url>', 'the Board (control plane) base URL: follow its signed snapshots for the IPVS table and the config’s track_board')
    .option('--cluster <name>', 'the cluster on the Board')
    .option('--token <token>', 'shim token (visible in ps: prefer --token-file or VIGIL_SHIM_TOKEN)')
    .option('--token-file <file>', 'file holding the shim token')
    .option('--board-key <file|jwk>', 'the Board’s public key: a JWK or {"keys": [...]}, inline or in a file (pinned; never fetched)')
    .option('--board-backoff-max <s>', 'longest wait between reconnects to the Board', '30')
    .option('--no-ipvs', 'leave the IPVS table alone: the virtual servers only name what track_board follows (a VRRP-only director)')
    .option('--local', 'run the virtual servers’ checks here, no Board (a drop-in for keepalived -C)')
    .option('--local-after <s>', 'after this many seconds without a valid snapshot, run the checks here until the Board is back (default: hold the table for ever)')
    .option('--ipvs-backend <kind>', 'auto (netlink when its addon loads, else ipvsadm), netlink, ipvsadm or dry-run', 'auto')
    .option('--ipvs-timeout <s>', 'deadline for one IPVS read or apply (a netlink exchange or an ipvsadm call)', '10')
    .option('--dont-release-ipvs', 'at exit, leave the IPVS services in place (keepalived -I); without it only the services this process took over are removed')
    .option('--state-dir <dir>', 'where the last applied snapshot sequence is kept across restarts (default: $STATE_DIRECTORY, else /var/lib/vigil)', defaultStateDir())
    .option('--metrics-listen <host:port>', 'serve Prometheus /metrics here')
    .option('--director <id>', 'this director’s id in the config’s cloud_binding blocks: heartbeat to the Board and move those addresses under its lease')
    .option('--cloud-device <if>', 'interface for a secondary private IP’s local address', 'eth0')
    .option('--cloud-heartbeat <s>', 'seconds between lease heartbeats', '1')
    .option('--cloud-release', 'on graceful shutdown, release the addresses this director holds')
    .option('--cloud-dry-run-local', 'print the local address changes for a secondary IP instead of making them')
    .option('--health-file <file>', 'this director’s own health for lease eligibility: a file holding up or down (missing: up)')
    .action(async (opts: ShimOptions) => {
      // Never the default action (exit) for these, start-up included: HUP asks for a reload, USR1/USR2 for the status file.
      let reloadNow: (() => void) | null = null;
      let hupBeforeStart = false;
      let writeStatus: (() => void) | null = null;
      const onHup = () => (reloadNow ? reloadNow() : (hupBeforeStart = true));
      const onUsr = () => writeStatus?.();
      process.on('SIGHUP', onHup);
      process.on('SIGUSR1', onUsr);
      process.on('SIGUSR2', onUsr);
      const config = loadReporting(opts.config, opts.configId);
      if (!config) {
        setExit(1);
        return;
      }
      const plan = planVrrp(config, sysfsPlanHost);
      const hasVrrp = runsVrrp(config);
      if (hasVrrp) for (const p of plan.problems) process.stderr.write(`${opts.config}: ${p}\n`);
      const wantsIpvs = config.virtualServers.length > 0 && !!(opts.board || opts.local) && opts.ipvs !== false;
      // Loaded only with --director: the cloud side brings the AWS SDK (~2 MB of code, resident once loaded).
      const cloudMain = opts.director ? await import('../daemon/cloud-main.ts') : null;
      const cloudProblem = cloudMain ? cloudMain.cloudOptionsProblem(config, opts) : undefined;
      if (cloudProblem) {
        process.stderr.write(`${cloudProblem}\n`);
        setExit(64);
        return;
      }
      const wantsCloud = cloudProblem === null;
      if ((hasVrrp && plan.problems.length) || (plan.instances.length === 0 && !wantsIpvs && !wantsCloud)) {
        if (plan.instances.length === 0 && !wantsIpvs && !wantsCloud) {
          process.stderr.write(
            config.virtualServers.length ? `${opts.config}: no usable vrrp_instance; for the virtual servers give --board … or --local\n` : `${opts.config}: no usable vrrp_instance\n`,
          );
        }
        setExit(1);
        return;
      }
      const ipvsProblem = wantsIpvs ? ipvsOptionsProblem(opts) : null;
      if (ipvsProblem) {
        process.stderr.write(`${ipvsProblem}\n`);
        setExit(64);
        return;
      }
      const vrrpOptions = {
        releaseOnStop: !opts.dontReleaseVrrp,
        statusFile: opts.statusFile,
      };
      const alerts = MailAlerts.create(config, log);
      // VRRP transitions come from the VRRP thread; the mail goes from here, with the rest of the shim's I/O.
      const vrrpHooks = {
        onAlert: (kind: 'instance' | 'group', name: string, state: AlertState) => (kind === 'instance' ? alerts.instance(name, state) : alerts.group(name, state)),
        // Faults the VRRP thread survived (lvs_sync_daemon's kernel calls); vrrpFaults is made with the registry below, before the thread starts.
        faults: { fault: (where: string, reason: string, detail?: string) => vrrpFaults.fault(where, reason, detail), ok: (where: string) => vrrpFaults.ok(where) },
      };
      let vrrp = plan.instances.length > 0 ? new VrrpThread(plan, vrrpOptions, log, vrrpHooks) : null;
      // The Board's verdicts for track_board reach the VRRP thread as small plain views (whichever thread runs it now).
      const feed = vrrp ? createBoardFeed(config, plan.instances.map((i) => i.name), (view) => vrrp?.setBoardView(view), log) : null;
      const feedProblem = feed && !wantsIpvs && opts.board ? boardOptionsProblem(opts, 'track_board') : null;
      if (feedProblem) {
        process.stderr.write(`${feedProblem}\n`);
        setExit(64);
        return;
      }
      let ipvs: IpvsSide | null = null;
      let cloud: CloudSide | null = null;
      let metricsServer: Server | null = null;
      // One registry per process, whatever runs in it: IPVS, the Board subscriber, track_board, VRRP, cloud leases.
      const metrics = new Metrics();
      const vrrpFaults = new Faults(metrics, log);
      feed?.collect(metrics);
      alerts.collect(metrics);
      collectDirector(metrics, {
        // `vrrp` may start on a reload: read it at each scrape.
        vrrpInstances: () => vrrp?.states() ?? [],
        leases: wantsCloud ? { bindings: config.vigil.cloudBindings.filter((b) => b.directors.some((d) => d.id === opts.director)).map((b) => b.name), held: () => cloud?.held() ?? [] } : undefined,
      });
      // With VRRP here too, a director with an instance in FAULT is not healthy enough to hold a cloud lease.
      const vrrpHealthy = () => !vrrp || !vrrp.states().some((i) => i.state === 'FAULT');
      try {
        await vrrp?.start();
        if (vrrp) yieldToVrrp(vrrp.tid, log);
        if (wantsIpvs) ipvs = await startIpvsSide(config, opts, log, metrics, feed ?? undefined, alerts);
        await feed?.start(opts, wantsIpvs && !opts.local, metrics);
        if (wantsCloud && cloudMain) cloud = cloudMain.startCloudSide(config, opts, log, vrrpHealthy);
        if (opts.metricsListen) {
          metricsServer = await serveMetrics(opts.metricsListen, metrics);
          log('metrics listening', { listen: opts.metricsListen });
        }
      } catch (err) {
        log('start failed', { error: String(err) });
        await feed?.stop();
        await vrrp?.stop();
        await ipvs?.stop(!opts.dontReleaseIpvs);
        await cloud?.stop();
        await alerts.close(0);
        metricsServer?.close();
        setExit(1);
        return;
      }
      // Beside VRRP's instances in the status file: the IPVS side (its JSON cached between changes) and the leases.
      const statusFile = opts.statusFile;
      const statusFields = () => ({ writtenAtMs: Date.now(), ...(cloud ? { leases: cloud.leases() } : {}) });
      const statusRaw = (): Record<string, string> => (ipvs ? { ipvs: ipvs.statusJson() } : {});
      writeStatus = () => {
        if (vrrp) vrrp.statusExtra(statusFields(), statusRaw());
        else if (statusFile) writeStatusFile(statusFile, { pid: process.pid, ...statusFields() }, log, statusRaw());
      };
      // Rewritten every second too: the IPVS side and the leases change without a VRRP event, and `vigil status` tells a stopped shim by the file's age.
      const statusTimer = statusFile ? setInterval(writeStatus, STATUS_EVERY_MS) : null;
      writeStatus();
      const startupGc = collectStartupGarbage({ firstPass: ipvs?.firstPass });
      let stopping = false;
      // SIGHUP as keepalived: every side re-reads the file; a bad file is refused whole and everything keeps running.
      const reload = async () => {
        const next = loadReporting(opts.config, opts.configId);
        if (!next) return log('reload refused: config has errors; the running one stays', { file: opts.config });
        const nextPlan = planVrrp(next, sysfsPlanHost);
        if (runsVrrp(next) && nextPlan.problems.length > 0) {
          return log('reload refused: vrrp_instance problems; the running config stays', { file: opts.config, problems: nextPlan.problems });
        }
        const nextCloudProblem = cloud && cloudMain ? cloudMain.cloudOptionsProblem(next, opts) : null;
        if (nextCloudProblem) return log('reload refused: cloud bindings; the running config stays', { file: opts.config, problem: nextCloudProblem });
        log('reloading', { file: opts.config });
        alerts.reload(next);
        let vrrpChanges = {};
        if (vrrp) {
          try {
            vrrpChanges = await vrrp.reload(nextPlan);
          } catch (err) {
            return log('reload refused: the VRRP side cannot run it; the running config stays', { file: opts.config, error: String(err) });
          }
        } else if (nextPlan.instances.length > 0 && !stopping) {
          const fresh = new VrrpThread(nextPlan, vrrpOptions, log, vrrpHooks);
          try {
            await fresh.start();
            vrrp = fresh;
            yieldToVrrp(fresh.tid, log);
            vrrpChanges = { added: nextPlan.instances.map((i) => i.name) };
          } catch (err) {
            log('reload: the new vrrp_instances cannot start', { error: String(err) });
          }
        }
        // track_board: the feed follows the reloaded targets; one that was not running cannot gain a subscriber here.
        const nextTargets = boardTargetsFor(next, nextPlan.instances.map((i) => i.name), log);
        if (feed) feed.retarget(nextTargets);
        else if (nextTargets.length) log('reload: track_board added where none ran; it takes effect at the next restart', { tracks: nextTargets.map((t) => t.name) });
        await ipvs?.reload(next);
        if (cloud && cloudMain && !stopping) {
          // The mover takes its bindings at start: it is restarted with the new ones (the lease is asked for again).
          await cloud.stop();
          cloud = cloudMain.startCloudSide(next, opts, log, vrrpHealthy);
        }
        log('reloaded', { file: opts.config, vrrp: vrrpChanges, ipvs: !!ipvs, cloud: !!cloud });
      };
      let reloading = false;
      let again = false;
      reloadNow = () => {
        if (reloading || stopping) {
          again = !stopping;
          return;
        }
        reloading = true;
        void (async () => {
          do {
            again = false;
            await reload().catch((err: unknown) => log('reload failed', { error: String(err) }));
          } while (again && !stopping);
          reloading = false;
        })();
      };
      if (hupBeforeStart) reloadNow();
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          log('stopping', { signal });
          stopping = true;
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          startupGc.cancel();
          if (statusTimer) clearInterval(statusTimer);
          void Promise.all([(feed?.stop() ?? Promise.resolve()).catch((err) => log('board tracking stop failed', { error: String(err) })).then(() => vrrp?.stop()), ipvs?.stop(!opts.dontReleaseIpvs), cloud?.stop(), new Promise<void>((r) => (metricsServer ? metricsServer.close(() => r()) : r()))])
            .then(() => alerts.close(MAIL_DRAIN_MS))
            .then(() => resolve());
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      log('stopped');
      setExit(0);
    });
}
