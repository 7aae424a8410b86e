/** Opaque handle of an open socket. */
export type SocketHandle = { readonly __vrrpSocket: unique symbol };

/** (datagram, source, destination, TTL or hop limit (-1 unknown), ifindex). IPv4 datagrams include the IP header. */
export type PacketListener = (packet: Buffer, source: string, destination: string, ttl: number, ifindex: number) => void;

export function openVrrp(family: 4 | 6, ifname: string, onPacket: PacketListener, hdrincl?: boolean): SocketHandle;
export function join(socket: SocketHandle, group: string): void;
export function send(socket: SocketHandle, payload: Buffer, destination: string, source: string, hopLimit?: number): void;
export function openPacket(ifname: string): SocketHandle;
export function sendFrame(socket: SocketHandle, frame: Buffer): void;
export function close(socket: SocketHandle): void;
export function ifIndex(ifname: string): number;
/** RTM_NEWADDR / RTM_DELADDR; returns 0 or a negative errno (EEXIST on add, EADDRNOTAVAIL on delete mean "already so"). */
export function address(add: boolean, family: 4 | 6, ifname: string, address: string, prefixLength: number, label: string, scope: number, broadcast: string, nodad: boolean): number;
