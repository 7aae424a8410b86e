/**
 * keepalived's smtp_alert for the shim: VRRP instance and sync group
 * transitions and real server / quorum changes become mail, sent one at a
 * time in the background. Nothing waits for it: a full queue drops the mail
 * (counted), an unreachable server is logged once per burst of failures and
 * counted in /metrics, and the sender carries on with the next one.
 */
import { hostname, userInfo } from 'node:os';
import type { Config } from '../../core/config/model.ts';
import type { VirtualServer } from '../../core/config/lvs.ts';
import type { LvsNotification } from '../../core/ipvs/notify-format.ts';
import { alertPolicy, groupMail, instanceMail, mailSettings, quorumMail, realServerMail, startupQuorumMail, type AlertPolicy, type AlertState, type HostFacts, type Mail, type MailSettings } from '../../core/mail/keepalived-mail.ts';
import { sendMail, type SendResult } from '../../core/mail/smtp-dialogue.ts';
import { systemClock } from '../../core/ports/clock.ts';
import type { Metrics } from '../daemon/metrics.ts';
import { nodeDial } from '../ports/node-dial.ts';

/** Mail waiting to be sent; more than this (a flapping pool with a dead mail server) is dropped and counted. */
const QUEUE_MAX = 100;

type Log = (msg: string, fields?: Record<string, unknown>) => void;
type Send = (s: MailSettings, m: Mail, date: Date, signal: AbortSignal) => Promise<SendResult>;

function hostFacts(): HostFacts {
  let userName = 'root';
  try {
    userName = userInfo().username;
  } catch {
    // no passwd entry for our uid: keepalived would leave the sender unset; a name is kinder
  }
  return { localName: hostname(), userName };
}

export class MailAlerts {
  /** Each mail with the settings it was made under (a reload changes only later ones). */
  private readonly queue: Array<{ settings: MailSettings; mail: Mail }> = [];
  private policy: AlertPolicy;
  private readonly lastInstanceState = new Map<string, AlertState>();
  private readonly lastGroupState = new Map<string, AlertState>();
  private readonly stopping = new AbortController();
  private running: Promise<void> | null = null;
  /** Failures since the last delivery: the first is logged, the rest only counted. */
  private failingSince = 0;
  sent = 0;
  dropped = 0;
  readonly failures = new Map<string, number>();

  /** Sends nothing while the config has no notification_email or no smtp_server, as keepalived. */
  static create(config: Config, log: Log, send?: Send): MailAlerts {
    return new MailAlerts(config, mailSettings(config.globalDefs, hostFacts()), log, send);
  }

  private constructor(
    config: Config,
    private settings: MailSettings | null,
    private readonly log: Log,
    private readonly send: Send = (s, m, d, signal) => sendMail({ dial: nodeDial, clock: systemClock }, s, m, d, signal),
  ) {
    this.policy = alertPolicy(config);
  }

  /** SIGHUP: global_defs and the blocks' smtp_alert as the new file has them; mail already queued goes as it was made. */
  reload(config: Config): void {
    this.settings = mailSettings(config.globalDefs, hostFacts());
    this.policy = alertPolicy(config);
  }

  /**
   * keepalived mails a state once: a second entry into the same state sends
   * nothing (last_email_state). STOP only happens at shutdown, where
   * keepalived's "Stopping" mail is queued and then lost as it exits (seen
   * against 2.2.7: none arrives); the shim sends none either.
   */
  instance(name: string, state: AlertState): void {
    if (state === 'STOP' || !this.policy.instance(name) || (state === 'FAULT' && !this.policy.faults) || this.lastInstanceState.get(name) === state) return;
    this.lastInstanceState.set(name, state);
    this.enqueue((s) => instanceMail(s.routerId, name, state));
  }

  group(name: string, state: AlertState): void {
    if (state === 'STOP' || !this.policy.group(name) || (state === 'FAULT' && !this.policy.faults) || this.lastGroupState.get(name) === state) return;
    this.lastGroupState.set(name, state);
    this.enqueue((s) => groupMail(s.routerId, name, state));
  }

  /** A real server's or a quorum's change, from the same notifications as the scripts and the FIFO. */
  lvs(vs: VirtualServer, n: LvsNotification): void {
    const rs = n.rs;
    if (n.kind === 'rs' && rs && this.policy.realServer(vs, rs)) this.enqueue((s) => realServerMail(s.routerId, vs, rs, n.up));
    if (n.kind === 'vs' && this.policy.virtualServer(vs)) this.enqueue((s) => quorumMail(s.routerId, vs, n.up, n.aliveWeight));
  }

  /** The first decision on a virtual server: keepalived mails its starting quorum. */
  lvsStart(vs: VirtualServer, quorumUp: boolean, aliveWeight: number): void {
    if (this.policy.virtualServer(vs)) this.enqueue((s) => startupQuorumMail(s.routerId, vs, quorumUp, aliveWeight));
  }

  private enqueue(make: (s: MailSettings) => Mail | null): void {
    const settings = this.settings;
    if (!settings || this.stopping.signal.aborted) return;
    const made = make(settings);
    if (!made) return;
    const m = { settings, mail: made };
    if (this.queue.length >= QUEUE_MAX) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % QUEUE_MAX === 0) this.log('smtp alert dropped: queue full', { subject: m.mail.subject, dropped: this.dropped });
      return;
    }
    this.queue.push(m);
    this.running ??= this.drain().finally(() => (this.running = null));
  }

  private async drain(): Promise<void> {
    for (let m = this.queue.shift(); m && !this.stopping.signal.aborted; m = this.queue.shift()) {
      let r: SendResult;
      try {
        r = await this.send(m.settings, m.mail, new Date(), this.stopping.signal);
      } catch (err) {
        r = { ok: false, stage: 'internal', reason: 'internal', message: String(err) };
      }
      this.record(m, r);
    }
  }

  private record({ settings, mail: m }: { settings: MailSettings; mail: Mail }, r: SendResult): void {
    if (r.ok) {
      this.sent++;
      if (this.failingSince > 0) this.log('smtp alert delivered again', { server: `${settings.host}:${settings.port}`, failedBefore: this.failingSince });
      this.failingSince = 0;
      return;
    }
    this.failures.set(r.stage, (this.failures.get(r.stage) ?? 0) + 1);
    if (this.failingSince++ === 0) this.log('smtp alert not sent', { server: `${settings.host}:${settings.port}`, subject: m.subject, stage: r.stage, reason: r.reason, error: r.message });
  }

  collect(metrics: Metrics): void {
    metrics.define('vigil_shim_mail_sent_total', 'counter', 'smtp_alert mails the SMTP server accepted');
    metrics.define('vigil_shim_mail_failures_total', 'counter', 'smtp_alert mails not sent, by the step that failed (connect, HELO, MAIL, RCPT, DATA, BODY)');
    metrics.define('vigil_shim_mail_dropped_total', 'counter', 'smtp_alert mails dropped because the queue was full');
    metrics.define('vigil_shim_mail_queue_length', 'gauge', 'smtp_alert mails waiting to be sent');
    metrics.collect(() => {
      metrics.set('vigil_shim_mail_sent_total', this.sent);
      for (const [stage, n] of this.failures) metrics.set('vigil_shim_mail_failures_total', n, { stage });
      metrics.set('vigil_shim_mail_dropped_total', this.dropped);
      metrics.set('vigil_shim_mail_queue_length', this.queue.length);
    });
  }

  /** At shutdown: lets queued mail go out for up to `timeoutMs`, then abandons the rest. */
  async close(timeoutMs: number): Promise<void> {
    const running = this.running;
    if (running) await Promise.race([running, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    this.stopping.abort();
    await this.running;
  }
}
