/**
 * VRRP v2 (RFC 3768) and v3 (RFC 5798) advertisements, as keepalived 2.2
 * puts them on the wire. Pure: bytes in, values out; every field is checked
 * and a bad packet becomes a reason code, never an exception.
 */
import { groupsToIpv6, intToIpv4, ipv4ToInt, ipv6ToGroups, isIPv4, isIPv6 } from '../../core/config/ip.ts';

export const VRRP_PROTOCOL = 112;
export const VRRP_TTL = 255;
export const VRRP_TOS = 0xc0;
export const VRRP_GROUP4 = '224.0.0.18';
export const VRRP_GROUP6 = 'ff02::12';
const HEADER_LEN = 8;
const V2_AUTH_LEN = 8;

export type Family = 4 | 6;
export type VrrpVersion = 2 | 3;

/** Why a packet was not accepted; the daemon counts each one. */
export type DropReason =
  | 'truncated'
  | 'bad-ip-header'
  | 'not-vrrp'
  | 'bad-length'
  | 'bad-ttl'
  | 'bad-version'
  | 'bad-type'
  | 'bad-checksum'
  | 'bad-address'
  | 'bad-auth-type'
  | 'auth-mismatch'
  | 'interval-mismatch'
  | 'unknown-vrid'
  | 'wrong-destination'
  | 'unknown-peer'
  | 'own-packet';

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: DropReason };
const drop = (reason: DropReason): { ok: false; reason: DropReason } => ({ ok: false, reason });

export interface Advert {
  version: VrrpVersion;
  vrid: number;
  priority: number;
  /** v2: whole seconds × 1000; v3: centiseconds × 10. */
  advertIntMs: number;
  addresses: string[];
  /** v2 only: 0 none, 1 simple password, 2 IPsec AH. */
  authType: number;
  /** v2 only: the eight authentication bytes as sent. */
  authData: Buffer;
}

/** The addresses the checksum pseudo-header covers. */
export interface Endpoints {
  family: Family;
  source: string;
  destination: string;
}

export interface ChecksumOptions {
  /** keepalived's v3_checksum_as_v2: v3 over IPv4 without the pseudo-header. */
  v3ChecksumAsV2?: boolean;
}

/** RFC 1071 one's-complement sum of 16-bit words, folded; returns the final complement. */
export function internetChecksum(...parts: Buffer[]): number {
  let sum = 0;
  for (const p of parts) {
    for (let i = 0; i + 1 < p.length; i += 2) sum += (p[i]! << 8) | p[i + 1]!;
    if (p.length % 2 === 1) sum += p[p.length - 1]! << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function addressBytes(family: Family, address: string): Buffer {
  if (family === 4) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(ipv4ToInt(address) >>> 0);
    return b;
  }
  const b = Buffer.alloc(16);
  ipv6ToGroups(address).forEach((g, i) => b.writeUInt16BE(g, i * 2));
  return b;
}

export function addressText(family: Family, bytes: Buffer): string {
  if (family === 4) return intToIpv4(bytes.readUInt32BE(0));
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  return groupsToIpv6(groups);
}

/** Canonical text of an address, so "10.0.0.1" and "fe80:0::1" compare as the wire does. */
export function canonicalAddress(address: string): string {
  const family: Family = isIPv4(address) ? 4 : 6;
  return addressText(family, addressBytes(family, address));
}

function pseudoHeader(ends: Endpoints, length: number): Buffer {
  if (ends.family === 4) {
    const p = Buffer.alloc(12);
    addressBytes(4, ends.source).copy(p, 0);
    addressBytes(4, ends.destination).copy(p, 4);
    p[9] = VRRP_PROTOCOL;
    p.writeUInt16BE(length, 10);
    return p;
  }
  const p = Buffer.alloc(40);
  addressBytes(6, ends.source).copy(p, 0);
  addressBytes(6, ends.destination).copy(p, 16);
  p.writeUInt32BE(length, 32);
  p[39] = VRRP_PROTOCOL;
  return p;
}

function vrrpChecksum(message: Buffer, version: VrrpVersion, ends: Endpoints, opts: ChecksumOptions): number {
  if (version === 2 || (ends.family === 4 && opts.v3ChecksumAsV2)) return internetChecksum(message);
  return internetChecksum(pseudoHeader(ends, message.length), message);
}

function addressLength(family: Family): number {
  return family === 4 ? 4 : 16;
}

export function advertLength(version: VrrpVersion, family: Family, count: number): number {
  return HEADER_LEN + count * addressLength(family) + (version === 2 ? V2_AUTH_LEN : 0);
}

/** Builds the VRRP message (no IP header) with its checksum. */
export function encodeAdvert(adv: Advert, ends: Endpoints, opts: ChecksumOptions = {}): Buffer {
  if (adv.version === 2 && ends.family === 6) throw new RangeError('VRRPv2 is IPv4 only');
  if (adv.addresses.length > 255) throw new RangeError('at most 255 addresses per advert');
  const alen = addressLength(ends.family);
  const msg = Buffer.alloc(advertLength(adv.version, ends.family, adv.addresses.length));
  msg[0] = (adv.version << 4) | 1;
  msg[1] = adv.vrid;
  msg[2] = adv.priority;
  msg[3] = adv.addresses.length;
  if (adv.version === 2) {
    msg[4] = adv.authType;
    msg[5] = Math.min(255, Math.max(1, Math.round(adv.advertIntMs / 1000)));
  } else {
    msg.writeUInt16BE(Math.min(0xfff, Math.max(1, Math.round(adv.advertIntMs / 10))), 4);
  }
  adv.addresses.forEach((a, i) => addressBytes(ends.family, a).copy(msg, HEADER_LEN + i * alen));
  if (adv.version === 2) adv.authData.copy(msg, HEADER_LEN + adv.addresses.length * alen, 0, V2_AUTH_LEN);
  msg.writeUInt16BE(vrrpChecksum(msg, adv.version, ends, opts), 6);
  return msg;
}

/** Decodes and checks one VRRP message: version, type, length, checksum, addresses. */
export function decodeAdvert(msg: Buffer, ends: Endpoints, opts: ChecksumOptions = {}): Decoded<Advert> {
  if (msg.length < HEADER_LEN) return drop('truncated');
  const version = msg[0]! >> 4;
  if (version !== 2 && version !== 3) return drop('bad-version');
  if (version === 2 && ends.family === 6) return drop('bad-version');
  if ((msg[0]! & 0x0f) !== 1) return drop('bad-type');
  const count = msg[3]!;
  const expected = advertLength(version, ends.family, count);
  if (msg.length < expected) return drop('truncated');
  if (msg.length > expected) return drop('bad-length');
  if (vrrpChecksum(msg, version, ends, opts) !== 0) return drop('bad-checksum');
  const alen = addressLength(ends.family);
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    addresses.push(addressText(ends.family, msg.subarray(HEADER_LEN + i * alen, HEADER_LEN + (i + 1) * alen)));
  }
  const advertIntMs = version === 2 ? msg[5]! * 1000 : (msg.readUInt16BE(4) & 0x0fff) * 10;
  if (advertIntMs === 0) return drop('interval-mismatch');
  const authStart = HEADER_LEN + count * alen;
  return {
    ok: true,
    value: {
      version,
      vrid: msg[1]!,
      priority: msg[2]!,
      advertIntMs,
      addresses,
      authType: version === 2 ? msg[4]! : 0,
      authData: version === 2 ? Buffer.from(msg.subarray(authStart, authStart + V2_AUTH_LEN)) : Buffer.alloc(0),
    },
  };
}

/** The eight password bytes keepalived sends: the first eight characters, zero padded. */
export function passwordBytes(pass: string): Buffer {
  const b = Buffer.alloc(V2_AUTH_LEN);
  Buffer.from(pass, 'latin1').copy(b, 0, 0, V2_AUTH_LEN);
  return b;
}

export interface Ipv4Packet {
  tos: number;
  ttl: number;
  protocol: number;
  source: string;
  destination: string;
  payload: Buffer;
}

/** Reads the IPv4 header a raw socket hands over, checking what the kernel does not. */
export function decodeIpv4(buf: Buffer): Decoded<Ipv4Packet> {
  if (buf.length < 20) return drop('truncated');
  if (buf[0]! >> 4 !== 4) return drop('bad-ip-header');
  const ihl = (buf[0]! & 0x0f) * 4;
  if (ihl < 20 || ihl > buf.length) return drop('bad-ip-header');
  const total = buf.readUInt16BE(2);
  if (total !== buf.length) return drop('bad-length');
  if ((buf.readUInt16BE(6) & 0x3fff) !== 0) return drop('bad-ip-header'); // fragments: VRRP is never fragmented
  const protocol = buf[9]!;
  if (protocol !== VRRP_PROTOCOL) return drop('not-vrrp');
  return {
    ok: true,
    value: {
      tos: buf[1]!,
      ttl: buf[8]!,
      protocol,
      source: addressText(4, buf.subarray(12, 16)),
      destination: addressText(4, buf.subarray(16, 20)),
      payload: buf.subarray(ihl, total),
    },
  };
}

/** An IPv4 header as keepalived's kernel sends it (DF clear, TOS 0xc0); used by tests and the injector. */
export function encodeIpv4(p: { id: number; ttl: number; tos?: number; source: string; destination: string; payload: Buffer }): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h[1] = p.tos ?? VRRP_TOS;
  h.writeUInt16BE(20 + p.payload.length, 2);
  h.writeUInt16BE(p.id & 0xffff, 4);
  h[8] = p.ttl;
  h[9] = VRRP_PROTOCOL;
  addressBytes(4, p.source).copy(h, 12);
  addressBytes(4, p.destination).copy(h, 16);
  h.writeUInt16BE(internetChecksum(h), 10);
  return Buffer.concat([h, p.payload]);
}

export function familyOf(address: string): Family | 0 {
  if (isIPv4(address)) return 4;
  if (isIPv6(address)) return 6;
  return 0;
}
