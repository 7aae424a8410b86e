/**
 * The wire side of one interface and family: a protocol-112 raw socket from
 * the native addon, demultiplexed by VRID to the instances on that link, and
 * a packet socket per device for gratuitous ARP / unsolicited NA.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { decodeIpv4, type DropReason, type Family } from './codec.ts';

interface Addon {
  openVrrp(family: 4 | 6, ifname: string, onPacket: RawListener, hdrincl?: boolean): object;
  join(socket: object, group: string): void;
  send(socket: object, payload: Buffer, destination: string, source: string, hopLimit?: number): void;
  openPacket(ifname: string): object;
  sendFrame(socket: object, frame: Buffer): void;
  close(socket: object): void;
  ifIndex(ifname: string): number;
  address(add: boolean, family: 4 | 6, ifname: string, address: string, prefixLength: number, label: string, scope: number, broadcast: string, nodad: boolean): number;
}
type RawListener = (packet: Buffer, source: string, destination: string, ttl: number, ifindex: number) => void;

let addon: Addon | null = null;
/** Loaded on first use so that pure modules and their tests never need the native build. */
export function loadAddon(): Addon {
  addon ??= createRequire(import.meta.url)('../../native/vrrp-socket/index.cjs') as Addon;
  return addon;
}

export interface ReceivedPacket {
  source: string;
  destination: string;
  ttl: number;
  multicast: boolean;
  /** The VRRP message, IP header removed. */
  payload: Buffer;
}

export type LinkListener = (pkt: ReceivedPacket) => void;

function isMulticast(family: Family, address: string): boolean {
  if (family === 6) return address.toLowerCase().startsWith('ff');
  const first = Number(address.split('.')[0]);
  return first >= 224 && first <= 239;
}

export class VrrpLink {
  private socket: object | null = null;
  /** Groups joined, joined again when the socket is reopened. */
  private readonly joined = new Set<string>();
  /** Packets that failed before any instance could be chosen (bad IP header, too short). */
  readonly drops = new Map<DropReason, number>();

  constructor(
    readonly ifname: string,
    readonly family: Family,
    private readonly onPacket: LinkListener,
  ) {}

  open(): void {
    this.socket = loadAddon().openVrrp(this.family, this.ifname, (buf, source, destination, ttl) => this.receive(buf, source, destination, ttl));
  }

  countDrop(reason: DropReason): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }

  private receive(buf: Buffer, source: string, destination: string, ttl: number): void {
    if (this.family === 4) {
      const ip = decodeIpv4(buf);
      if (!ip.ok) return this.countDrop(ip.reason);
      const { payload } = ip.value;
      this.onPacket({ source: ip.value.source, destination: ip.value.destination, ttl: ip.value.ttl, multicast: isMulticast(4, ip.value.destination), payload });
      return;
    }
    this.onPacket({ source, destination, ttl, multicast: isMulticast(6, destination), payload: buf });
  }

  join(group: string): void {
    if (this.joined.has(group)) return;
    if (this.socket) loadAddon().join(this.socket, group);
    this.joined.add(group);
  }

  /** Binds afresh to the interface of that name (a use_vmac macvlan rebuilt under a new ifindex); throws like open(). */
  reopen(): void {
    this.close();
    this.open();
    for (const g of this.joined) loadAddon().join(this.socket!, g);
  }

  send(payload: Buffer, destination: string, source: string): void {
    if (!this.socket) return;
    loadAddon().send(this.socket, payload, destination, source);
  }

  close(): void {
    if (this.socket) loadAddon().close(this.socket);
    this.socket = null;
  }
}

/** Frames out of one device (gratuitous ARP, unsolicited NA). */
export class FrameSender {
  private socket: object | null = null;
  readonly mac: Buffer;

  constructor(readonly ifname: string) {
    this.mac = Buffer.from(readFileSync(`/sys/class/net/${ifname}/address`, 'utf8').trim().replace(/:/g, ''), 'hex');
  }

  send(frame: Buffer): void {
    this.socket ??= loadAddon().openPacket(this.ifname);
    loadAddon().sendFrame(this.socket, frame);
  }

  close(): void {
    if (this.socket) loadAddon().close(this.socket);
    this.socket = null;
  }
}

/** The interface's primary address for a family: first IPv4, or the IPv6 link-local VRRPv3 must use. */
export function primaryAddress(ifname: string, family: Family): string | undefined {
  const list = os.networkInterfaces()[ifname] ?? [];
  if (family === 4) return list.find((a) => a.family === 'IPv4')?.address;
  return list.find((a) => a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80'))?.address.replace(/%.*$/, '');
}

/** Every address the host holds, canonical, so our own adverts looping back are recognised. */
export function hostAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((l) => l ?? [])
    .map((a) => a.address.replace(/%.*$/, ''));
}
