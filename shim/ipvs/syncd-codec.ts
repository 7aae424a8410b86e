import { endianness } from 'node:os';
import * as z from 'zod';
import { IpvsCodec, Writer, type CodecDeps } from './netlink-codec.ts';

/**
 * IPVS connection-sync daemons over generic netlink (IPVS_CMD_NEW_DAEMON,
 * _DEL_DAEMON, _GET_DAEMON with the nested IPVS_CMD_ATTR_DAEMON), attribute
 * by attribute as ip_vs_ctl.c reads and writes them and as keepalived's
 * libipvs sends them. Unlike a service's port, the daemon's port travels in
 * host order.
 */

/**
 * <linux/ip_vs.h> numbers for the daemon commands. They are kernel ABI and
 * never move; the addon's `constants` win when it exports them (an addon built
 * before this file does not), and syncd-codec.test.ts checks these against the
 * installed header.
 */
export const SYNCD_UAPI = {
  IPVS_CMD_NEW_DAEMON: 9,
  IPVS_CMD_DEL_DAEMON: 10,
  IPVS_CMD_GET_DAEMON: 11,
  IPVS_CMD_ATTR_DAEMON: 3,
  IPVS_DAEMON_ATTR_STATE: 1,
  IPVS_DAEMON_ATTR_MCAST_IFN: 2,
  IPVS_DAEMON_ATTR_SYNC_ID: 3,
  IPVS_DAEMON_ATTR_SYNC_MAXLEN: 4,
  IPVS_DAEMON_ATTR_MCAST_GROUP: 5,
  IPVS_DAEMON_ATTR_MCAST_GROUP6: 6,
  IPVS_DAEMON_ATTR_MCAST_PORT: 7,
  IPVS_DAEMON_ATTR_MCAST_TTL: 8,
  IP_VS_STATE_MASTER: 1,
  IP_VS_STATE_BACKUP: 2,
} as const;
type SyncdConst = keyof typeof SYNCD_UAPI;

export type SyncRole = 'master' | 'backup';

/** One daemon as Vigil asks for it: unset options take the kernel's defaults (port 8848, ttl 1, group 224.0.0.81, maxlen from the MTU). */
export const SyncDaemon = z.strictObject({
  role: z.enum(['master', 'backup']),
  ifname: z.string().min(1).max(15),
  syncId: z.number().int().min(0).max(255),
  maxlen: z.number().int().min(1).max(65507).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  ttl: z.number().int().min(1).max(255).optional(),
  group: z.string().optional(),
});
export type SyncDaemon = z.infer<typeof SyncDaemon>;

const LE = endianness() === 'LE';

export class SyncdCodec {
  private readonly w = new Writer();
  private readonly ipvs: IpvsCodec;
  private readonly k: Record<SyncdConst, number>;

  constructor(private readonly d: CodecDeps) {
    this.ipvs = new IpvsCodec(d);
    this.k = Object.fromEntries(Object.entries(SYNCD_UAPI).map(([name, v]) => [name, d.k[name] ?? v])) as Record<SyncdConst, number>;
  }

  private message(cmd: number, body: () => void): Buffer {
    const at = this.d.k.NLMSG_HDRLEN!;
    this.w.reset(at + this.d.k.GENL_HDRLEN!);
    body();
    const out = this.w.take();
    out[at] = cmd;
    out[at + 1] = this.d.k.IPVS_GENL_VERSION!;
    return out;
  }

  private state(role: SyncRole): number {
    return role === 'master' ? this.k.IP_VS_STATE_MASTER : this.k.IP_VS_STATE_BACKUP;
  }

  /** Starts one daemon; only the options given are sent, as libipvs does. */
  start(s: SyncDaemon): Buffer {
    const k = this.k;
    return this.message(k.IPVS_CMD_NEW_DAEMON, () =>
      this.w.nest(k.IPVS_CMD_ATTR_DAEMON, () => {
        this.w.u32(k.IPVS_DAEMON_ATTR_STATE, this.state(s.role));
        this.w.str(k.IPVS_DAEMON_ATTR_MCAST_IFN, s.ifname);
        this.w.u32(k.IPVS_DAEMON_ATTR_SYNC_ID, s.syncId);
        if (s.maxlen) this.w.u16(k.IPVS_DAEMON_ATTR_SYNC_MAXLEN, s.maxlen);
        if (s.port) this.w.u16(k.IPVS_DAEMON_ATTR_MCAST_PORT, s.port);
        if (s.ttl) this.w.u8(k.IPVS_DAEMON_ATTR_MCAST_TTL, s.ttl);
        if (s.group) {
          const b = this.d.pton(s.group);
          if (!b) throw new Error(`lvs_sync_daemon group ${s.group} is not an address`);
          this.w.bytes(b.length === 16 ? k.IPVS_DAEMON_ATTR_MCAST_GROUP6 : k.IPVS_DAEMON_ATTR_MCAST_GROUP, b);
        }
      }),
    );
  }

  /** Stops the daemon of this role (the kernel needs only the state). */
  stop(role: SyncRole): Buffer {
    const k = this.k;
    return this.message(k.IPVS_CMD_DEL_DAEMON, () => this.w.nest(k.IPVS_CMD_ATTR_DAEMON, () => this.w.u32(k.IPVS_DAEMON_ATTR_STATE, this.state(role))));
  }

  /** A GET_DAEMON dump request: one reply per running daemon. */
  list(): Buffer {
    return this.message(this.k.IPVS_CMD_GET_DAEMON, () => {});
  }

  /** One GET_DAEMON reply (from its genl header on), with every option the kernel reports; a string says what did not fit. */
  decode(reply: Buffer): Required<SyncDaemon> | string {
    const k = this.k;
    const nest = this.ipvs.attrs(reply, this.d.k.GENL_HDRLEN!).get(k.IPVS_CMD_ATTR_DAEMON);
    if (!nest) return 'reply without a daemon';
    const a = this.ipvs.attrs(nest);
    const u = (t: number, bytes: 1 | 2 | 4) => {
      const b = a.get(t);
      if (!b || b.length < bytes) return undefined;
      if (bytes === 1) return b[0];
      if (bytes === 2) return LE ? b.readUInt16LE(0) : b.readUInt16BE(0);
      return LE ? b.readUInt32LE(0) : b.readUInt32BE(0);
    };
    const state = u(k.IPVS_DAEMON_ATTR_STATE, 4);
    const g4 = a.get(k.IPVS_DAEMON_ATTR_MCAST_GROUP);
    const g6 = a.get(k.IPVS_DAEMON_ATTR_MCAST_GROUP6);
    const group = g6?.length === 16 ? this.d.ntop(g6) : g4?.length === 4 ? this.d.ntop(g4) : undefined;
    const parsed = SyncDaemon.required().safeParse({
      role: state === k.IP_VS_STATE_MASTER ? 'master' : state === k.IP_VS_STATE_BACKUP ? 'backup' : undefined,
      ifname: a.get(k.IPVS_DAEMON_ATTR_MCAST_IFN)?.toString().replace(/\0.*$/s, ''),
      syncId: u(k.IPVS_DAEMON_ATTR_SYNC_ID, 4),
      maxlen: u(k.IPVS_DAEMON_ATTR_SYNC_MAXLEN, 2),
      port: u(k.IPVS_DAEMON_ATTR_MCAST_PORT, 2),
      ttl: u(k.IPVS_DAEMON_ATTR_MCAST_TTL, 1),
      group,
    });
    return parsed.success ? parsed.data : `daemon reply: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`;
  }
}
