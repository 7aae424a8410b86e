import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { getSystemErrorName } from 'node:util';
import { opArgs, type IpvsOp } from '../../core/ipvs/ipvsadm-format.ts';
import { serviceId, type IpvsDest, type IpvsTable } from '../../core/ipvs/table.ts';
import type { ApplyResult, IpvsBackend, ReadResult } from './backend.ts';
import { IpvsCodec, type IpvsConstants } from './netlink-codec.ts';

/** native/vrrp-socket/src/ipvs_netlink.c */
export interface NetlinkAddon {
  open(timeoutMs: number): number | Failure;
  close(fd: number): void;
  resolveFamily(fd: number): number | Failure;
  exchange(fd: number, family: number, msgs: Buffer[], errs: Int32Array): null | Failure;
  dump(fd: number, family: number, msg: Buffer): Buffer[] | Failure;
  ntop(bytes: Buffer): string;
  pton(text: string): Buffer | null;
  constants: IpvsConstants;
}
export interface Failure {
  errno: number;
  syscall: string;
}

export type AddonLoad = { ok: true; addon: NetlinkAddon } | { ok: false; reason: string };

let loaded: AddonLoad | null = null;
/** Loaded on first use: the package name resolves from the source tree and from the bundle alike. */
export function loadIpvsNetlink(): AddonLoad {
  if (loaded) return loaded;
  try {
    loaded = { ok: true, addon: createRequire(import.meta.url)('vrrp-socket/ipvs.cjs') as NetlinkAddon };
  } catch (err) {
    loaded = { ok: false, reason: `the IPVS netlink addon did not load (${(err as Error).message.split('\n')[0]})` };
  }
  return loaded;
}

export const isFailure = (v: unknown): v is Failure => typeof v === 'object' && v !== null && 'errno' in v;
export const errName = (errno: number) => {
  if (errno === -1) return 'never acknowledged';
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
};
export const describe = (f: Failure) => `${f.syscall}: ${errName(f.errno)} (errno ${f.errno})`;

export interface NetlinkOptions {
  /** Deadline for one kernel exchange (each receive waits at most this long). */
  timeoutMs?: number;
}

/** The ip_vs module, loaded as ipvsadm does when the family is missing; bounded, argv only. */
function modprobeIpVs(): Promise<void> {
  return new Promise((resolve) => execFile('modprobe', ['-q', '--', 'ip_vs'], { timeout: 5000 }, () => resolve()));
}

/**
 * One IPVS generic-netlink socket, opened on first use (loading ip_vs when the
 * family is missing) and kept; `drop` closes it after a transport failure,
 * since a late ACK's place in the stream is then unknown.
 */
export function ipvsSocket(addon: NetlinkAddon, timeoutMs: number): { connect(): Promise<{ fd: number; family: number } | Failure>; drop(): void } {
  let sock: { fd: number; family: number } | null = null;
  async function connect(): Promise<{ fd: number; family: number } | Failure> {
    if (sock) return sock;
    const fd = addon.open(timeoutMs);
    if (isFailure(fd)) return fd;
    let family = addon.resolveFamily(fd);
    if (isFailure(family) && family.errno === 2 /* ENOENT: no IPVS family registered yet */) {
      await modprobeIpVs();
      family = addon.resolveFamily(fd);
    }
    if (isFailure(family)) {
      addon.close(fd);
      return family.errno === 2 ? { errno: 2, syscall: 'resolve the "IPVS" generic netlink family (is ip_vs loaded?)' } : family;
    }
    sock = { fd, family };
    return sock;
  }
  function drop(): void {
    if (sock) addon.close(sock.fd);
    sock = null;
  }
  return { connect, drop };
}

/**
 * IPVS over generic netlink: the same read/apply contract as the ipvsadm
 * backend, without a process per pass. One socket is kept open; it is closed
 * and reopened after any transport failure, because a late ACK's place in the
 * stream is then unknown.
 */
export function netlinkBackend(addon: NetlinkAddon, o: NetlinkOptions = {}): IpvsBackend {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const codec = new IpvsCodec({ k: addon.constants, ntop: addon.ntop, pton: addon.pton });
  const { connect, drop } = ipvsSocket(addon, timeoutMs);
  const timedOut = (f: Failure) => f.errno === 110; /* ETIMEDOUT: SO_RCVTIMEO passed */

  return {
    kind: 'netlink',
    async read(signal): Promise<ReadResult> {
      if (signal?.aborted) return { ok: false, code: 'ERR_IPVS_TIMEOUT', message: 'aborted before the read' };
      const s = await connect();
      if (isFailure(s)) return { ok: false, code: 'ERR_IPVS_READ', message: describe(s) };
      const services = addon.dump(s.fd, s.family, codec.getServices());
      if (isFailure(services)) {
        drop();
        return { ok: false, code: timedOut(services) ? 'ERR_IPVS_TIMEOUT' : 'ERR_IPVS_READ', message: `IPVS_CMD_GET_SERVICE ${describe(services)}` };
      }
      const table: IpvsTable = new Map();
      for (const reply of services) {
        const svc = codec.decodeService(reply);
        if (typeof svc === 'string') return { ok: false, code: 'ERR_IPVS_PARSE', message: `IPVS_CMD_GET_SERVICE: ${svc}` };
        const id = serviceId(svc);
        const dests = addon.dump(s.fd, s.family, codec.getDests(svc));
        if (isFailure(dests)) {
          drop();
          return { ok: false, code: timedOut(dests) ? 'ERR_IPVS_TIMEOUT' : 'ERR_IPVS_READ', message: `IPVS_CMD_GET_DEST ${id}: ${describe(dests)}` };
        }
        const entry = { service: svc, dests: [] as IpvsDest[] };
        for (const r of dests) {
          const d = codec.decodeDest(r, svc.family);
          if (typeof d === 'string') return { ok: false, code: 'ERR_IPVS_PARSE', message: `IPVS_CMD_GET_DEST ${id}: ${d}` };
          entry.dests.push(d);
        }
        table.set(id, entry);
      }
      return { ok: true, table };
    },
    async apply(ops: readonly IpvsOp[], signal): Promise<ApplyResult> {
      if (ops.length === 0) return { ok: true, applied: 0 };
      if (signal?.aborted) return { ok: false, code: 'ERR_IPVS_TIMEOUT', message: 'aborted before the apply' };
      const s = await connect();
      if (isFailure(s)) return { ok: false, code: 'ERR_IPVS_APPLY', message: describe(s) };
      let msgs: Buffer[];
      try {
        msgs = ops.map((op) => codec.op(op));
      } catch (err) {
        return { ok: false, code: 'ERR_IPVS_APPLY', message: `encoding: ${(err as Error).message}` };
      }
      const errs = new Int32Array(msgs.length);
      const t = addon.exchange(s.fd, s.family, msgs, errs);
      const applied = errs.reduce((n, e) => n + (e === 0 ? 1 : 0), 0);
      if (t) {
        drop();
        return { ok: false, code: timedOut(t) ? 'ERR_IPVS_TIMEOUT' : 'ERR_IPVS_APPLY', message: `${describe(t)} after ${applied} of ${ops.length} ops acknowledged` };
      }
      const failed = [...errs.keys()].filter((i) => errs[i] !== 0);
      if (failed.length) {
        // The kernel goes on after a failing message within a batch; the first failure is the cause worth naming.
        const i = failed[0]!;
        const what = opArgs(ops[i]!).join(' ');
        return { ok: false, code: 'ERR_IPVS_APPLY', message: `op ${i + 1} of ${ops.length} (${what}): ${errName(errs[i]!)} (errno ${errs[i]}); ${failed.length} failed, ${applied} applied` };
      }
      return { ok: true, applied };
    },
  };
}
