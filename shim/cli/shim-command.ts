import type { Command } from 'commander';
import type { Config } from '../../core/config/model.ts';
import { formatDiagnostic } from '../../core/keepalived/index.ts';
import { defaultConfigId } from '../config/node-host.ts';
import { loadConfigFile } from '../config/load.ts';
import { collectStartupGarbage } from '../daemon/heap.ts';
import type { CloudCliOptions, CloudSide } from '../daemon/cloud-main.ts';
import { ipvsOptionsProblem, startIpvsSide, type IpvsCliOptions, type IpvsSide } from '../daemon/ipvs-main.ts';
import { createBoardFeed } from '../daemon/board-feed.ts';
import { boardOptionsProblem } from '../daemon/board-follow.ts';
import { VrrpDaemon } from '../vrrp/daemon.ts';
import { planVrrp } from '../vrrp/plan.ts';
import { Metrics, serveMetrics } from '../daemon/metrics.ts';
import { collectDirector } from '../daemon/process-metrics.ts';
import type { Server } from 'node:http';

/** One JSON line per event on stdout: what an operator greps and what tests parse. */
function log(msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), msg, ...fields }) + '\n');
}

/**
 * The config file's model, its diagnostics printed, or null when it has errors.
 * Only the model is returned: the diagnostics (one per deprecated word, thousands
 * in a large file) would otherwise live as long as the daemon's own frame.
 */
function loadReporting(file: string, configId: string): Config | null {
  const res = loadConfigFile(file, configId);
  for (const d of res.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
  return res.ok ? res.config : null;
}

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
    .option('--dont-release-ipvs', 'at exit, leave the IPVS services in place (keepalived -I)')
    .option('--metrics-listen <host:port>', 'serve Prometheus /metrics here')
    .option('--director <id>', 'this director’s id in the config’s cloud_binding blocks: heartbeat to the Board and move those addresses under its lease')
    .option('--cloud-device <if>', 'interface for a secondary private IP’s local address', 'eth0')
    .option('--cloud-heartbeat <s>', 'seconds between lease heartbeats', '1')
    .option('--cloud-release', 'on graceful shutdown, release the addresses this director holds')
    .option('--cloud-dry-run-local', 'print the local address changes for a secondary IP instead of making them')
    .option('--health-file <file>', 'this director’s own health for lease eligibility: a file holding up or down (missing: up)')
    .action(async (opts: ShimOptions) => {
      const config = loadReporting(opts.config, opts.configId);
      if (!config) {
        setExit(1);
        return;
      }
      const plan = planVrrp(config);
      const hasVrrp = config.vrrpInstances.length > 0;
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
      const daemon =
        plan.instances.length > 0
          ? new VrrpDaemon(plan, {
              releaseOnStop: !opts.dontReleaseVrrp,
              log,
              statusFile: opts.statusFile,
            })
          : null;
      const feed = daemon ? createBoardFeed(config, plan.instances.map((i) => i.name), (view) => daemon.setBoardView(view), log) : null;
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
      feed?.collect(metrics);
      collectDirector(metrics, {
        vrrpInstances: daemon ? () => daemon.status().instances as { name: string; state: string }[] : undefined,
        leases: wantsCloud ? { bindings: config.vigil.cloudBindings.filter((b) => b.directors.some((d) => d.id === opts.director)).map((b) => b.name), held: () => cloud?.held() ?? [] } : undefined,
      });
      // With VRRP here too, a director with an instance in FAULT is not healthy enough to hold a cloud lease.
      const vrrpHealthy = () => !daemon || !(daemon.status().instances as { state: string }[]).some((i) => i.state === 'FAULT');
      try {
        daemon?.start();
        if (wantsIpvs) ipvs = await startIpvsSide(config, opts, log, metrics, feed ?? undefined);
        await feed?.start(opts, wantsIpvs && !opts.local, metrics);
        if (wantsCloud && cloudMain) cloud = cloudMain.startCloudSide(config, opts, log, vrrpHealthy);
        if (opts.metricsListen) {
          metricsServer = await serveMetrics(opts.metricsListen, metrics);
          log('metrics listening', { listen: opts.metricsListen });
        }
      } catch (err) {
        log('start failed', { error: String(err) });
        await feed?.stop();
        await daemon?.stop();
        await ipvs?.stop(!opts.dontReleaseIpvs);
        await cloud?.stop();
        metricsServer?.close();
        setExit(1);
        return;
      }
      const startupGc = collectStartupGarbage({ firstPass: ipvs?.firstPass });
      // SIGHUP as keepalived: re-read the file; a bad file is refused and the running config stays.
      const onHup = () => {
        const next = loadReporting(opts.config, opts.configId);
        if (!next) {
          log('reload refused: config has errors; the running one stays', { file: opts.config });
          return;
        }
        log('reloading', { file: opts.config });
        void ipvs?.reload(next);
      };
      if (ipvs) process.on('SIGHUP', onHup);
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          log('stopping', { signal });
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          process.off('SIGHUP', onHup);
          startupGc.cancel();
          void Promise.all([(feed?.stop() ?? Promise.resolve()).catch((err) => log('board tracking stop failed', { error: String(err) })).then(() => daemon?.stop()), ipvs?.stop(!opts.dontReleaseIpvs), cloud?.stop(), new Promise<void>((r) => (metricsServer ? metricsServer.close(() => r()) : r()))]).then(() => resolve());
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
        // keepalived writes its stats on SIGUSR2; here the status file is refreshed.
        process.on('SIGUSR2', () => daemon?.writeStatus());
      });
      log('stopped');
      setExit(0);
    });
}
