/**
 * The VRRP thread (see vrrp-thread.ts): one VrrpDaemon driven by the main
 * thread's messages. A fault that escapes the daemon ends this thread, and the
 * main thread starts a new one.
 */
import { readlinkSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { VrrpDaemon } from './daemon.ts';
import type { VrrpPlan } from './plan.ts';
import type { FromVrrp, InstanceState, ToVrrp } from './vrrp-thread.ts';
import type { AlertState } from '../../core/mail/keepalived-mail.ts';
import { netlinkSyncd } from '../ipvs/syncd-kernel.ts';
import { SyncdControl } from './syncd.ts';
import { setVrrpFaultSink } from './vrrp-faults.ts';

const port = parentPort!;
const post = (m: FromVrrp) => port.postMessage(m);

/** Structured clone turns Buffers into plain Uint8Arrays. */
function rehydrate(plan: VrrpPlan): VrrpPlan {
  return { ...plan, instances: plan.instances.map((p) => ({ ...p, authData: Buffer.from(p.authData) })) };
}

function log(msg: string, fields: Record<string, unknown> = {}): void {
  try {
    post({ type: 'log', msg, fields });
  } catch {
    post({ type: 'log', msg, fields: JSON.parse(JSON.stringify(fields)) as Record<string, unknown> });
  }
}

/** This thread's kernel id (/proc/thread-self is PID/task/TID): the main thread lowers every thread's priority but this one. */
function threadId(): number | null {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop()) || null;
  } catch {
    return null;
  }
}

let daemon: VrrpDaemon | null = null;
/** The status file's other members, as the main thread last sent them. */
let extraFields: Record<string, unknown> = {};
let extraRaw: Record<string, string> = {};
const alerts = {
  instance: (name: string, state: AlertState) => post({ type: 'alert', kind: 'instance', name, state }),
  group: (name: string, state: AlertState) => post({ type: 'alert', kind: 'group', name, state }),
};
/** Short: each kernel call runs on this thread, between adverts. */
const SYNCD_NETLINK_TIMEOUT_MS = 2_000;
const syncd = new SyncdControl(() => netlinkSyncd(SYNCD_NETLINK_TIMEOUT_MS), {
  log,
  fault: (reason, detail) => post({ type: 'fault', where: 'syncd', reason, detail }),
  ok: () => post({ type: 'fault-over', where: 'syncd' }),
});
setVrrpFaultSink({
  fault: (where, reason, detail) => post({ type: 'fault', where, reason, detail }),
  ok: (where) => post({ type: 'fault-over', where }),
});
let starting: Promise<void> = Promise.resolve();
let viewWhileStarting: unknown;
const states = (): InstanceState[] => (daemon ? (daemon.status().instances as InstanceState[]).map(({ name, state }) => ({ name, state })) : []);

port.on('message', (m: ToVrrp) => {
  switch (m.type) {
    case 'start': {
      const d = new VrrpDaemon(rehydrate(m.plan), {
        ...m.options,
        log,
        onStateChange: () => post({ type: 'states', states: states() }),
        onInstanceState: (name, state) => syncd.state(name, state),
        alerts,
        statusExtra: () => extraFields,
        statusRaw: () => extraRaw,
      });
      // use_vmac macvlans exist before sockets bind to them; a stop meanwhile waits for this.
      starting = d.setUpVmacs().then(() => {
        try {
          d.start();
        } catch (err) {
          void d.stop().finally(() => post({ type: 'start-failed', error: String(err) }));
          return;
        }
        daemon = d;
        syncd.configure(m.plan.syncd);
        if (m.boardView) d.setBoardView(m.boardView);
        // A view that came while the macvlans were being built is newer than the one the start carried.
        if (viewWhileStarting !== undefined) d.setBoardView(viewWhileStarting);
        post({ type: 'started', states: states(), tid: threadId() });
      });
      return;
    }
    case 'reload':
      if (!daemon) return post({ type: 'reload-failed', id: m.id, error: 'not started' });
      daemon.reload(rehydrate(m.plan)).then(
        (r) => {
          syncd.configure(m.plan.syncd);
          post({ type: 'reloaded', id: m.id, ...r });
        },
        (err: unknown) => post({ type: 'reload-failed', id: m.id, error: String(err) }),
      );
      return;
    case 'board-view':
      if (daemon) daemon.setBoardView(m.view);
      else viewWhileStarting = m.view;
      return;
    case 'write-status':
      daemon?.writeStatus();
      return;
    case 'status-extra':
      extraFields = m.fields;
      if (m.raw) extraRaw = m.raw;
      daemon?.writeStatus();
      return;
    case 'stop':
      // keepalived stops the sync daemon before its VRRP instances leave; a failure there never keeps VRRP from stopping.
      void starting
        .then(() => syncd.stop())
        .catch(() => undefined)
        .then(() => daemon?.stop())
        .finally(() => {
          post({ type: 'stopped' });
          port.close();
        });
      return;
  }
});
