import { endianness } from 'node:os';
import type { IpvsOp } from '../../core/ipvs/ipvsadm-format.ts';
import { IpvsDest, IpvsService, type IpvsMethod } from '../../core/ipvs/table.ts';

/**
 * IPVS generic-netlink messages to and from the table model, attribute by
 * attribute as ip_vs_ctl.c parses them (and as ipvsadm's libipvs sends them).
 * The numbers come from <linux/ip_vs.h> through the addon's `constants`, so a
 * header change cannot drift from what is encoded here. Decoding normalises
 * exactly as parseIpvsadmSave does (host netmasks dropped, thresholds of 0
 * absent), so both backends produce tables that compare equal.
 */

export type IpvsConstants = Record<string, number>;

/** What the addon gives the codec: the header's numbers and libc's address text. */
export interface CodecDeps {
  k: IpvsConstants;
  ntop(bytes: Buffer): string;
  pton(text: string): Buffer | null;
}

const LE = endianness() === 'LE';
const PROTO_NUM = { tcp: 'IPPROTO_TCP', udp: 'IPPROTO_UDP', sctp: 'IPPROTO_SCTP' } as const;
const TUN_TYPES = ['ipip', 'gue', 'gre'] as const;

/**
 * Writes attributes in place into one scratch buffer, nests by back-patching
 * their length: a full apply encodes 10,500 messages, and building each from
 * small Buffers and concat calls cost ~300 ms of the 1 s budget.
 */
export class Writer {
  private buf = Buffer.alloc(4096);
  at = 0;
  reset(from: number): void {
    this.buf.fill(0, 0, from);
    this.at = from;
  }
  private put(type: number, len: number): number {
    const at = this.at;
    this.buf.writeUInt16LE(4 + len, at);
    this.buf.writeUInt16LE(type, at + 2);
    this.buf.fill(0, at + 4, at + ((4 + len + 3) & ~3));
    this.at = at + ((4 + len + 3) & ~3);
    return at + 4;
  }
  u8(type: number, v: number): void {
    this.buf[this.put(type, 1)] = v;
  }
  u16(type: number, v: number): void {
    const at = this.put(type, 2);
    if (LE) this.buf.writeUInt16LE(v, at);
    else this.buf.writeUInt16BE(v, at);
  }
  /** Ports travel in network order inside a u16 attribute (libipvs stores them so). */
  be16(type: number, v: number): void {
    this.buf.writeUInt16BE(v, this.put(type, 2));
  }
  u32(type: number, v: number): void {
    const at = this.put(type, 4);
    if (LE) this.buf.writeUInt32LE(v >>> 0, at);
    else this.buf.writeUInt32BE(v >>> 0, at);
  }
  /** struct ip_vs_flags {flags, mask}. */
  flags(type: number, flags: number, mask: number): void {
    const at = this.put(type, 8);
    if (LE) (this.buf.writeUInt32LE(flags >>> 0, at), this.buf.writeUInt32LE(mask >>> 0, at + 4));
    else (this.buf.writeUInt32BE(flags >>> 0, at), this.buf.writeUInt32BE(mask >>> 0, at + 4));
  }
  bytes(type: number, b: Buffer, padTo = b.length): void {
    const at = this.put(type, padTo);
    b.copy(this.buf, at);
  }
  str(type: number, s: string): void {
    const at = this.put(type, Buffer.byteLength(s) + 1);
    this.buf.write(s, at);
  }
  nest(type: number, body: () => void): void {
    const start = this.at;
    this.put(type, 0);
    body();
    this.buf.writeUInt16LE(this.at - start, start);
  }
  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.at));
  }
}

/** Scheduler flags by name, per scheduler, as ipvsadm prints and parses them. */
function flagNames(scheduler: string): [string, string, string] {
  if (scheduler === 'sh') return ['sh-fallback', 'sh-port', 'flag-3'];
  if (scheduler === 'mh') return ['mh-fallback', 'mh-port', 'flag-3'];
  return ['flag-1', 'flag-2', 'flag-3'];
}

export class IpvsCodec {
  constructor(private readonly d: CodecDeps) {}

  private readonly w = new Writer();
  /**
   * Text to bytes, remembered: a table names each address many times (a
   * service once per destination). IPv4 is kept as a number, not a Buffer: a
   * Buffer per address is three objects and a malloc'd store (measured: 3.5 MB
   * resident for 10,500 addresses in an idle shim).
   */
  private readonly v4 = new Map<string, number>();
  private readonly v6 = new Map<string, Buffer>();
  private readonly four = Buffer.alloc(4);

  /** union nf_inet_addr: 16 bytes whatever the family, as libipvs sends it. */
  private addr(type: number, text: string): void {
    const n = this.v4.get(text);
    if (n !== undefined) {
      this.four.writeUInt32BE(n, 0);
      return this.w.bytes(type, this.four, 16);
    }
    let b = this.v6.get(text);
    if (!b) {
      b = this.d.pton(text) ?? undefined;
      if (!b) throw new Error(`not an address: ${text}`);
      if (this.v4.size + this.v6.size > 100_000) (this.v4.clear(), this.v6.clear());
      if (b.length === 4) this.v4.set(text, b.readUInt32BE(0));
      else this.v6.set(text, b);
    }
    this.w.bytes(type, b, 16);
  }

  private family(f: 'inet' | 'inet6'): number {
    return f === 'inet6' ? this.d.k.AF_INET6! : this.d.k.AF_INET!;
  }

  /** The service's identity; with `full`, every attribute NEW/SET_SERVICE requires. */
  private service(s: IpvsService, full: boolean): void {
    const k = this.d.k;
    const w = this.w;
    w.nest(k.IPVS_CMD_ATTR_SERVICE!, () => {
      w.u16(k.IPVS_SVC_ATTR_AF!, this.family(s.family));
      if (s.proto === 'fwmark') w.u32(k.IPVS_SVC_ATTR_FWMARK!, s.fwmark ?? 0);
      else {
        w.u16(k.IPVS_SVC_ATTR_PROTOCOL!, k[PROTO_NUM[s.proto]]!);
        this.addr(k.IPVS_SVC_ATTR_ADDR!, s.addr ?? '');
        w.be16(k.IPVS_SVC_ATTR_PORT!, s.port ?? 0);
      }
      if (!full) return;
      const names = flagNames(s.scheduler);
      let flags = 0;
      if (s.persistenceS !== undefined) flags |= k.IP_VS_SVC_F_PERSISTENT!;
      if (s.onePacket) flags |= k.IP_VS_SVC_F_ONEPACKET!;
      const bits = [k.IP_VS_SVC_F_SCHED1!, k.IP_VS_SVC_F_SCHED2!, k.IP_VS_SVC_F_SCHED3!];
      for (const f of s.flags) {
        const i = names.indexOf(f) >= 0 ? names.indexOf(f) : ['flag-1', 'flag-2', 'flag-3'].indexOf(f);
        if (i < 0) throw new Error(`unknown scheduler flag ${f} for ${s.scheduler}`);
        flags |= bits[i]!;
      }
      w.str(k.IPVS_SVC_ATTR_SCHED_NAME!, s.scheduler);
      if (s.pe) w.str(k.IPVS_SVC_ATTR_PE_NAME!, s.pe);
      // A mask of all ones replaces every flag, as ipvsadm -E does.
      w.flags(k.IPVS_SVC_ATTR_FLAGS!, flags, 0xffffffff);
      w.u32(k.IPVS_SVC_ATTR_TIMEOUT!, s.persistenceS ?? 0);
      // IPv4: the mask itself, network order; IPv6: a prefix length, host order (ip_vs_ctl.c reads both raw).
      if (s.family === 'inet6') w.u32(k.IPVS_SVC_ATTR_NETMASK!, Number(s.netmask ?? 128));
      else w.bytes(k.IPVS_SVC_ATTR_NETMASK!, this.d.pton(s.netmask ?? '255.255.255.255') ?? Buffer.alloc(4, 255));
    });
  }

  private dest(d: IpvsDest, full: boolean): void {
    const k = this.d.k;
    const w = this.w;
    w.nest(k.IPVS_CMD_ATTR_DEST!, () => {
      this.addr(k.IPVS_DEST_ATTR_ADDR!, d.addr);
      w.be16(k.IPVS_DEST_ATTR_PORT!, d.port);
      w.u16(k.IPVS_DEST_ATTR_ADDR_FAMILY!, d.addr.includes(':') ? k.AF_INET6! : k.AF_INET!);
      if (!full) return;
      w.u32(k.IPVS_DEST_ATTR_FWD_METHOD!, d.method === 'masq' ? k.IP_VS_CONN_F_MASQ! : d.method === 'gate' ? k.IP_VS_CONN_F_DROUTE! : k.IP_VS_CONN_F_TUNNEL!);
      w.u32(k.IPVS_DEST_ATTR_WEIGHT!, d.weight);
      w.u32(k.IPVS_DEST_ATTR_U_THRESH!, d.upperThreshold ?? 0);
      w.u32(k.IPVS_DEST_ATTR_L_THRESH!, d.lowerThreshold ?? 0);
      if (d.method !== 'ipip') return;
      const type = d.tunType ?? 'ipip';
      w.u8(k.IPVS_DEST_ATTR_TUN_TYPE!, k[`IP_VS_CONN_F_TUNNEL_TYPE_${type.toUpperCase()}`]!);
      w.be16(k.IPVS_DEST_ATTR_TUN_PORT!, d.tunPort ?? 0);
      const csum = d.tunCsum === 'csum' ? k.IP_VS_TUNNEL_ENCAP_FLAG_CSUM! : d.tunCsum === 'remcsum' ? k.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM! : k.IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM!;
      w.u16(k.IPVS_DEST_ATTR_TUN_FLAGS!, csum);
    });
  }

  /** A whole request: room for the nlmsghdr (the addon fills it), the genl header, then attributes. */
  private message(cmd: number, body: () => void): Buffer {
    const k = this.d.k;
    this.w.reset(k.NLMSG_HDRLEN! + k.GENL_HDRLEN!);
    const head = this.w.take();
    head[k.NLMSG_HDRLEN!] = cmd;
    head[k.NLMSG_HDRLEN! + 1] = k.IPVS_GENL_VERSION!;
    body();
    const out = this.w.take();
    head.copy(out);
    return out;
  }

  /** A GET_SERVICE dump request, or GET_DEST for one service. */
  getServices(): Buffer {
    return this.message(this.d.k.IPVS_CMD_GET_SERVICE!, () => {});
  }
  getDests(s: IpvsService): Buffer {
    return this.message(this.d.k.IPVS_CMD_GET_DEST!, () => this.service(s, false));
  }

  op(o: IpvsOp): Buffer {
    const k = this.d.k;
    switch (o.op) {
      case 'add-service':
        return this.message(k.IPVS_CMD_NEW_SERVICE!, () => this.service(o.service, true));
      case 'edit-service':
        return this.message(k.IPVS_CMD_SET_SERVICE!, () => this.service(o.service, true));
      case 'del-service':
        return this.message(k.IPVS_CMD_DEL_SERVICE!, () => this.service(o.service, false));
      case 'add-dest':
        return this.message(k.IPVS_CMD_NEW_DEST!, () => (this.service(o.service, false), this.dest(o.dest, true)));
      case 'edit-dest':
        return this.message(k.IPVS_CMD_SET_DEST!, () => (this.service(o.service, false), this.dest(o.dest, true)));
      case 'del-dest':
        return this.message(k.IPVS_CMD_DEL_DEST!, () => (this.service(o.service, false), this.dest(o.dest, false)));
    }
  }

  /** Attributes of one level: type → payload (the nested flag masked off). */
  attrs(buf: Buffer, from = 0): Map<number, Buffer> {
    const out = new Map<number, Buffer>();
    let at = from;
    while (at + 4 <= buf.length) {
      const len = buf.readUInt16LE(at);
      if (len < 4 || at + len > buf.length) break;
      out.set(buf.readUInt16LE(at + 2) & 0x3fff, buf.subarray(at + 4, at + len));
      at += (len + 3) & ~3;
    }
    return out;
  }

  /** One GET_SERVICE reply (from its genl header on) to the model; a string says what did not fit. */
  decodeService(reply: Buffer): IpvsService | string {
    const k = this.d.k;
    const nest = this.attrs(reply, k.GENL_HDRLEN!).get(k.IPVS_CMD_ATTR_SERVICE!);
    if (!nest) return 'reply without a service';
    const a = this.attrs(nest);
    const rd16 = (t: number) => (a.get(t) ? (LE ? a.get(t)!.readUInt16LE(0) : a.get(t)!.readUInt16BE(0)) : undefined);
    const rd32 = (t: number) => (a.get(t) ? (LE ? a.get(t)!.readUInt32LE(0) : a.get(t)!.readUInt32BE(0)) : undefined);
    const af = rd16(k.IPVS_SVC_ATTR_AF!);
    const family = af === k.AF_INET6 ? 'inet6' : 'inet';
    const sched = a.get(k.IPVS_SVC_ATTR_SCHED_NAME!)?.toString().replace(/\0.*$/s, '') ?? '';
    const flagWord = a.get(k.IPVS_SVC_ATTR_FLAGS!);
    const flags = flagWord ? (LE ? flagWord.readUInt32LE(0) : flagWord.readUInt32BE(0)) : 0;
    const names = flagNames(sched);
    const bits = [k.IP_VS_SVC_F_SCHED1!, k.IP_VS_SVC_F_SCHED2!, k.IP_VS_SVC_F_SCHED3!];
    const persistent = (flags & k.IP_VS_SVC_F_PERSISTENT!) !== 0;
    const mask = a.get(k.IPVS_SVC_ATTR_NETMASK!);
    let netmask: string | undefined;
    if (persistent && mask) {
      netmask = family === 'inet6' ? String(rd32(k.IPVS_SVC_ATTR_NETMASK!)) : this.d.ntop(mask.subarray(0, 4));
      if (netmask === '128' || netmask === '255.255.255.255') netmask = undefined;
    }
    const fwmark = rd32(k.IPVS_SVC_ATTR_FWMARK!) ?? 0;
    const protoNum = rd16(k.IPVS_SVC_ATTR_PROTOCOL!);
    const proto = fwmark ? 'fwmark' : (Object.keys(PROTO_NUM) as Array<keyof typeof PROTO_NUM>).find((p) => k[PROTO_NUM[p]] === protoNum);
    if (!proto) return `unknown protocol ${protoNum}`;
    const addr = a.get(k.IPVS_SVC_ATTR_ADDR!);
    const port = a.get(k.IPVS_SVC_ATTR_PORT!);
    const pe = a.get(k.IPVS_SVC_ATTR_PE_NAME!)?.toString().replace(/\0.*$/s, '');
    const svc = IpvsService.safeParse({
      proto,
      family,
      ...(proto === 'fwmark' ? { fwmark } : { addr: addr ? this.d.ntop(addr.subarray(0, family === 'inet6' ? 16 : 4)) : undefined, port: port?.readUInt16BE(0) }),
      scheduler: sched,
      flags: names.filter((_, i) => flags & bits[i]!).sort(),
      persistenceS: persistent ? rd32(k.IPVS_SVC_ATTR_TIMEOUT!) : undefined,
      netmask,
      onePacket: (flags & k.IP_VS_SVC_F_ONEPACKET!) !== 0,
      pe: pe || undefined,
    });
    return svc.success ? svc.data : (svc.error.issues[0]?.message ?? 'bad service');
  }

  decodeDest(reply: Buffer, serviceFamily: 'inet' | 'inet6'): IpvsDest | string {
    const k = this.d.k;
    const nest = this.attrs(reply, k.GENL_HDRLEN!).get(k.IPVS_CMD_ATTR_DEST!);
    if (!nest) return 'reply without a destination';
    const a = this.attrs(nest);
    const rd16 = (t: number) => (a.get(t) ? (LE ? a.get(t)!.readUInt16LE(0) : a.get(t)!.readUInt16BE(0)) : undefined);
    const rd32 = (t: number) => (a.get(t) ? (LE ? a.get(t)!.readUInt32LE(0) : a.get(t)!.readUInt32BE(0)) : undefined);
    const af = rd16(k.IPVS_DEST_ATTR_ADDR_FAMILY!) ?? (serviceFamily === 'inet6' ? k.AF_INET6 : k.AF_INET);
    const addr = a.get(k.IPVS_DEST_ATTR_ADDR!);
    if (!addr) return 'destination without an address';
    const fwd = (rd32(k.IPVS_DEST_ATTR_FWD_METHOD!) ?? 0) & k.IP_VS_CONN_F_FWD_MASK!;
    const method: IpvsMethod | undefined = fwd === k.IP_VS_CONN_F_MASQ ? 'masq' : fwd === k.IP_VS_CONN_F_DROUTE ? 'gate' : fwd === k.IP_VS_CONN_F_TUNNEL ? 'ipip' : undefined;
    if (!method) return `forwarding method ${fwd} is not one ipvsadm -Sn can show`;
    const tunType = method === 'ipip' ? (TUN_TYPES[a.get(k.IPVS_DEST_ATTR_TUN_TYPE!)?.[0] ?? 0] ?? 'ipip') : undefined;
    const tunFlags = rd16(k.IPVS_DEST_ATTR_TUN_FLAGS!) ?? 0;
    // As ipvsadm prints them: a port for GUE only, a checksum mode for GUE and GRE only.
    const tunCsum = tunType && tunType !== 'ipip' ? (tunFlags & k.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM! ? 'remcsum' : tunFlags & k.IP_VS_TUNNEL_ENCAP_FLAG_CSUM! ? 'csum' : 'nocsum') : undefined;
    const dest = IpvsDest.safeParse({
      addr: this.d.ntop(addr.subarray(0, af === k.AF_INET6 ? 16 : 4)),
      port: a.get(k.IPVS_DEST_ATTR_PORT!)?.readUInt16BE(0) ?? 0,
      method,
      weight: rd32(k.IPVS_DEST_ATTR_WEIGHT!) ?? 0,
      upperThreshold: rd32(k.IPVS_DEST_ATTR_U_THRESH!) || undefined,
      lowerThreshold: rd32(k.IPVS_DEST_ATTR_L_THRESH!) || undefined,
      tunType,
      tunPort: tunType === 'gue' ? a.get(k.IPVS_DEST_ATTR_TUN_PORT!)?.readUInt16BE(0) : undefined,
      tunCsum,
    });
    return dest.success ? dest.data : (dest.error.issues[0]?.message ?? 'bad destination');
  }
}
