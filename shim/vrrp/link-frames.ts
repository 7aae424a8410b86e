/**
 * Gratuitous ARP and unsolicited Neighbour Advertisement frames, laid out as
 * keepalived sends them (vrrp_arp.c, vrrp_ndisc.c). Pure: whole Ethernet frames.
 */
import { addressBytes, internetChecksum } from './codec.ts';

const BROADCAST = Buffer.from('ffffffffffff', 'hex');
/** 33:33 + the low 32 bits of ff02::1. */
const ALL_NODES_MAC = Buffer.from('333300000001', 'hex');

export function parseMac(text: string): Buffer {
  const m = /^([0-9a-f]{2})(:[0-9a-f]{2}){5}$/i.exec(text.trim());
  if (!m) throw new RangeError(`not a MAC address: ${text}`);
  return Buffer.from(text.trim().replace(/:/g, ''), 'hex');
}

/** ARP request, sender and target both the address, target MAC broadcast: every cache on the link updates. */
export function gratuitousArp(mac: Buffer, address: string): Buffer {
  const f = Buffer.alloc(42);
  BROADCAST.copy(f, 0);
  mac.copy(f, 6);
  f.writeUInt16BE(0x0806, 12);
  f.writeUInt16BE(1, 14); // Ethernet
  f.writeUInt16BE(0x0800, 16);
  f[18] = 6;
  f[19] = 4;
  f.writeUInt16BE(1, 20); // request
  mac.copy(f, 22);
  addressBytes(4, address).copy(f, 28);
  BROADCAST.copy(f, 32);
  addressBytes(4, address).copy(f, 38);
  return f;
}

/** Unsolicited NA to all nodes, Override set (Router too when the host forwards), with our MAC as target link-layer option. */
export function unsolicitedNa(mac: Buffer, address: string, router = false): Buffer {
  const icmp = Buffer.alloc(32);
  icmp[0] = 136;
  icmp.writeUInt32BE((router ? 0x80000000 : 0) | 0x20000000, 4);
  addressBytes(6, address).copy(icmp, 8);
  icmp[24] = 2; // target link-layer address
  icmp[25] = 1;
  mac.copy(icmp, 26);
  const src = addressBytes(6, address);
  const dst = addressBytes(6, 'ff02::1');
  const pseudo = Buffer.alloc(40);
  src.copy(pseudo, 0);
  dst.copy(pseudo, 16);
  pseudo.writeUInt32BE(icmp.length, 32);
  pseudo[39] = 58;
  icmp.writeUInt16BE(internetChecksum(pseudo, icmp), 2);
  const ip6 = Buffer.alloc(40);
  ip6.writeUInt32BE(0x60000000, 0);
  ip6.writeUInt16BE(icmp.length, 4);
  ip6[6] = 58;
  ip6[7] = 255;
  src.copy(ip6, 8);
  dst.copy(ip6, 24);
  const eth = Buffer.alloc(14);
  ALL_NODES_MAC.copy(eth, 0);
  mac.copy(eth, 6);
  eth.writeUInt16BE(0x86dd, 12);
  return Buffer.concat([eth, ip6, icmp]);
}
