import { describe, errName, ipvsSocket, isFailure, loadIpvsNetlink } from './netlink-backend.ts';
import { SyncdCodec, type SyncDaemon, type SyncRole } from './syncd-codec.ts';

/** The kernel's sync daemons: what runs, start one, stop one. A string is what went wrong. */
export interface SyncdKernel {
  list(): Promise<Required<SyncDaemon>[] | string>;
  start(d: SyncDaemon): Promise<string | null>;
  stop(role: SyncRole): Promise<string | null>;
  close(): void;
}

const EEXIST = -17;
const ESRCH = -3;

/**
 * IPVS sync daemons over the addon's generic netlink socket. Starting one that
 * runs (EEXIST) and stopping one that does not (ESRCH) are success: the caller
 * converges on a wanted state, and the kernel already has it.
 */
export function netlinkSyncd(timeoutMs: number): SyncdKernel | string {
  const nl = loadIpvsNetlink();
  if (!nl.ok) return nl.reason;
  const addon = nl.addon;
  const codec = new SyncdCodec({ k: addon.constants, ntop: addon.ntop, pton: addon.pton });
  const { connect, drop } = ipvsSocket(addon, timeoutMs);

  async function send(what: string, msg: Buffer, ok: number): Promise<string | null> {
    const s = await connect();
    if (isFailure(s)) return describe(s);
    const errs = new Int32Array(1);
    const t = addon.exchange(s.fd, s.family, [msg], errs);
    if (t) {
      drop();
      return `${what}: ${describe(t)}`;
    }
    return errs[0] === 0 || errs[0] === ok ? null : `${what}: ${errName(errs[0]!)} (errno ${errs[0]})`;
  }

  return {
    async list() {
      const s = await connect();
      if (isFailure(s)) return describe(s);
      const replies = addon.dump(s.fd, s.family, codec.list());
      if (isFailure(replies)) {
        drop();
        return `IPVS_CMD_GET_DAEMON ${describe(replies)}`;
      }
      const out: Required<SyncDaemon>[] = [];
      for (const r of replies) {
        const d = codec.decode(r);
        if (typeof d === 'string') return `IPVS_CMD_GET_DAEMON: ${d}`;
        out.push(d);
      }
      return out;
    },
    async start(d) {
      let msg: Buffer;
      try {
        msg = codec.start(d);
      } catch (err) {
        return (err as Error).message;
      }
      return send(`start the ${d.role} sync daemon on ${d.ifname}`, msg, EEXIST);
    },
    stop: (role) => send(`stop the ${role} sync daemon`, codec.stop(role), ESRCH),
    close: drop,
  };
}
