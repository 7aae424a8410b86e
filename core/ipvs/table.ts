import * as z from 'zod';

/**
 * An IPVS table as ipvsadm sees it: virtual services and their destinations,
 * normalised so that two tables that the kernel would hold identically compare
 * equal (flags sorted, default netmask and tunnel type filled in).
 */
export const IpvsProto = z.enum(['tcp', 'udp', 'sctp', 'fwmark']);
export type IpvsProto = z.infer<typeof IpvsProto>;

export const IpvsService = z.object({
  proto: IpvsProto,
  family: z.enum(['inet', 'inet6']),
  /** Address services only. */
  addr: z.string().optional(),
  port: z.number().int().min(0).max(65535).optional(),
  /** fwmark services only. */
  fwmark: z.number().int().min(1).optional(),
  scheduler: z.string().min(1),
  /** Scheduler flags (-b), sorted. */
  flags: z.array(z.string()),
  /** -p seconds; absent when the service is not persistent. */
  persistenceS: z.number().int().min(0).optional(),
  /** -M as ipvsadm prints it (dotted mask, or prefix length for IPv6); absent means a single host. */
  netmask: z.string().optional(),
  onePacket: z.boolean(),
  pe: z.string().optional(),
});
export type IpvsService = z.infer<typeof IpvsService>;

export const IpvsMethod = z.enum(['masq', 'gate', 'ipip']);
export type IpvsMethod = z.infer<typeof IpvsMethod>;

export const IpvsDest = z.object({
  addr: z.string(),
  port: z.number().int().min(0).max(65535),
  method: IpvsMethod,
  weight: z.number().int().min(0),
  upperThreshold: z.number().int().min(0).optional(),
  lowerThreshold: z.number().int().min(0).optional(),
  /** Tunnel options, -i only. */
  tunType: z.enum(['ipip', 'gue', 'gre']).optional(),
  tunPort: z.number().int().min(0).max(65535).optional(),
  tunCsum: z.enum(['nocsum', 'csum', 'remcsum']).optional(),
});
export type IpvsDest = z.infer<typeof IpvsDest>;

export interface IpvsEntry {
  service: IpvsService;
  dests: IpvsDest[];
}
/** Keyed by serviceId. */
export type IpvsTable = Map<string, IpvsEntry>;

function hostPort(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** ipvsadm's own way to name a service: `-t 10.0.0.1:80`, `-f 7`, `-f 7 -6`. */
export function serviceArgs(s: Pick<IpvsService, 'proto' | 'addr' | 'port' | 'fwmark' | 'family'>): string[] {
  if (s.proto === 'fwmark') return s.family === 'inet6' ? ['-f', String(s.fwmark), '-6'] : ['-f', String(s.fwmark)];
  const flag = s.proto === 'tcp' ? '-t' : s.proto === 'udp' ? '-u' : '--sctp-service';
  return [flag, hostPort(s.addr!, s.port ?? 0)];
}

export function serviceId(s: Pick<IpvsService, 'proto' | 'addr' | 'port' | 'fwmark' | 'family'>): string {
  return serviceArgs(s).join(' ');
}

export function destId(d: Pick<IpvsDest, 'addr' | 'port'>): string {
  return hostPort(d.addr, d.port);
}

export function destArgs(d: IpvsDest): string[] {
  const out = ['-r', destId(d), d.method === 'masq' ? '-m' : d.method === 'gate' ? '-g' : '-i', '-w', String(d.weight)];
  if (d.upperThreshold) out.push('-x', String(d.upperThreshold));
  if (d.lowerThreshold) out.push('-y', String(d.lowerThreshold));
  if (d.method === 'ipip') {
    out.push('--tun-type', d.tunType ?? 'ipip');
    if (d.tunPort !== undefined && d.tunType && d.tunType !== 'ipip') out.push('--tun-port', String(d.tunPort));
    if (d.tunCsum && d.tunType && d.tunType !== 'ipip') out.push(`--tun-${d.tunCsum}`);
  }
  return out;
}

export function serviceAttrArgs(s: IpvsService): string[] {
  const out = ['-s', s.scheduler];
  if (s.persistenceS !== undefined) out.push('-p', String(s.persistenceS));
  if (s.persistenceS !== undefined && s.netmask !== undefined) out.push('-M', s.netmask);
  if (s.onePacket) out.push('-o');
  if (s.flags.length) out.push('-b', s.flags.join(','));
  if (s.pe) out.push('--pe', s.pe);
  return out;
}

/** The fields that make a service differ in the kernel beyond its identity. */
export function sameServiceAttrs(a: IpvsService, b: IpvsService): boolean {
  return serviceAttrArgs(a).join(' ') === serviceAttrArgs(b).join(' ');
}

export function sameDest(a: IpvsDest, b: IpvsDest): boolean {
  return destArgs(a).join(' ') === destArgs(b).join(' ');
}
