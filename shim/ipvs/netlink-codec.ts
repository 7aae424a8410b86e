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

function attr(type: number, payload: Buffer): Buffer {
  const len = 4 + payload.length;
  const out = Buffer.alloc((len + 3) & ~3);
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  payload.copy(out, 4);
  return out;
}
const u8 = (v: number) => Buffer.from([v]);
function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  if (LE) b.writeUInt16LE(v);
  else b.writeUInt16BE(v);
  return b;
}
function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  if (LE) b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}
/** Ports travel in network order inside a u16 attribute (libipvs stores them so). */
function be16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}
const str = (s: string) => Buffer.from(s + '\0');

/** Scheduler flags by name, per scheduler, as ipvsadm prints and parses them. */
function flagNames(scheduler: string): [string, string, string] {
  if (scheduler === 'sh') return ['sh-fallback', 'sh-port', 'flag-3'];
  if (scheduler === 'mh') return ['mh-fallback', 'mh-port', 'flag-3'];
  return ['flag-1', 'flag-2', 'flag-3'];
}

export class IpvsCodec {
  constructor(private readonly d: CodecDeps) {}

  private addr(text: string): Buffer {
    const b = this.d.pton(text);
    if (!b) throw new Error(`not an address: ${text}`);
    // union nf_inet_addr: 16 bytes whatever the family, as libipvs sends it.
    return Buffer.concat([b, Buffer.alloc(16 - b.length)]);
  }

  private family(f: 'inet' | 'inet6'): number {
    return f === 'inet6' ? this.d.k.AF_INET6! : this.d.k.AF_INET!;
  }

  /** The service's identity; with `full`, every attribute NEW/SET_SERVICE requires. */
  service(s: IpvsService, full: boolean): Buffer {
    const k = this.d.k;
    const parts = [attr(k.IPVS_SVC_ATTR_AF!, u16(this.family(s.family)))];
    if (s.proto === 'fwmark') parts.push(attr(k.IPVS_SVC_ATTR_FWMARK!, u32(s.fwmark ?? 0)));
    else {
      parts.push(attr(k.IPVS_SVC_ATTR_PROTOCOL!, u16(k[PROTO_NUM[s.proto]]!)));
      parts.push(attr(k.IPVS_SVC_ATTR_ADDR!, this.addr(s.addr ?? '')));
      parts.push(attr(k.IPVS_SVC_ATTR_PORT!, be16(s.port ?? 0)));
    }
    if (full) {
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
      parts.push(attr(k.IPVS_SVC_ATTR_SCHED_NAME!, str(s.scheduler)));
      if (s.pe) parts.push(attr(k.IPVS_SVC_ATTR_PE_NAME!, str(s.pe)));
      // struct ip_vs_flags {flags, mask}: a mask of all ones replaces every flag, as ipvsadm -E does.
      parts.push(attr(k.IPVS_SVC_ATTR_FLAGS!, Buffer.concat([u32(flags), u32(0xffffffff)])));
      parts.push(attr(k.IPVS_SVC_ATTR_TIMEOUT!, u32(s.persistenceS ?? 0)));
      // IPv4: the mask itself, network order; IPv6: a prefix length, host order (ip_vs_ctl.c reads both raw).
      const netmask = s.family === 'inet6' ? u32(Number(s.netmask ?? 128)) : (this.d.pton(s.netmask ?? '255.255.255.255') ?? Buffer.alloc(4, 255));
      parts.push(attr(k.IPVS_SVC_ATTR_NETMASK!, netmask));
    }
    return attr(k.IPVS_CMD_ATTR_SERVICE!, Buffer.concat(parts));
  }

  dest(d: IpvsDest, full: boolean): Buffer {
    const k = this.d.k;
    const fam = d.addr.includes(':') ? k.AF_INET6! : k.AF_INET!;
    const parts = [attr(k.IPVS_DEST_ATTR_ADDR!, this.addr(d.addr)), attr(k.IPVS_DEST_ATTR_PORT!, be16(d.port)), attr(k.IPVS_DEST_ATTR_ADDR_FAMILY!, u16(fam))];
    if (full) {
      const method = d.method === 'masq' ? k.IP_VS_CONN_F_MASQ! : d.method === 'gate' ? k.IP_VS_CONN_F_DROUTE! : k.IP_VS_CONN_F_TUNNEL!;
      parts.push(attr(k.IPVS_DEST_ATTR_FWD_METHOD!, u32(method)));
      parts.push(attr(k.IPVS_DEST_ATTR_WEIGHT!, u32(d.weight)));
      parts.push(attr(k.IPVS_DEST_ATTR_U_THRESH!, u32(d.upperThreshold ?? 0)));
      parts.push(attr(k.IPVS_DEST_ATTR_L_THRESH!, u32(d.lowerThreshold ?? 0)));
      if (d.method === 'ipip') {
        const type = d.tunType ?? 'ipip';
        parts.push(attr(k.IPVS_DEST_ATTR_TUN_TYPE!, u8(k[`IP_VS_CONN_F_TUNNEL_TYPE_${type.toUpperCase()}`]!)));
        parts.push(attr(k.IPVS_DEST_ATTR_TUN_PORT!, be16(d.tunPort ?? 0)));
        const csum = d.tunCsum === 'csum' ? k.IP_VS_TUNNEL_ENCAP_FLAG_CSUM! : d.tunCsum === 'remcsum' ? k.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM! : k.IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM!;
        parts.push(attr(k.IPVS_DEST_ATTR_TUN_FLAGS!, u16(csum)));
      }
    }
    return attr(k.IPVS_CMD_ATTR_DEST!, Buffer.concat(parts));
  }

  /** A whole request: room for the nlmsghdr (the addon fills it), the genl header, then attributes. */
  message(cmd: number, attrs: Buffer[]): Buffer {
    const head = Buffer.alloc(this.d.k.NLMSG_HDRLEN! + this.d.k.GENL_HDRLEN!);
    head[this.d.k.NLMSG_HDRLEN!] = cmd;
    head[this.d.k.NLMSG_HDRLEN! + 1] = this.d.k.IPVS_GENL_VERSION!;
    return Buffer.concat([head, ...attrs]);
  }

  op(o: IpvsOp): Buffer {
    const k = this.d.k;
    switch (o.op) {
      case 'add-service':
        return this.message(k.IPVS_CMD_NEW_SERVICE!, [this.service(o.service, true)]);
      case 'edit-service':
        return this.message(k.IPVS_CMD_SET_SERVICE!, [this.service(o.service, true)]);
      case 'del-service':
        return this.message(k.IPVS_CMD_DEL_SERVICE!, [this.service(o.service, false)]);
      case 'add-dest':
        return this.message(k.IPVS_CMD_NEW_DEST!, [this.service(o.service, false), this.dest(o.dest, true)]);
      case 'edit-dest':
        return this.message(k.IPVS_CMD_SET_DEST!, [this.service(o.service, false), this.dest(o.dest, true)]);
      case 'del-dest':
        return this.message(k.IPVS_CMD_DEL_DEST!, [this.service(o.service, false), this.dest(o.dest, false)]);
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
