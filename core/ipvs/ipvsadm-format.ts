import { IpvsDest, IpvsService, destArgs, destId, serviceArgs, serviceAttrArgs, serviceId, type IpvsTable } from './table.ts';

/**
 * `ipvsadm -Sn` output in, `ipvsadm -R` (ipvsadm-restore) lines out. Parsing is
 * strict: an option we do not know makes the whole read fail, because acting on
 * a table we half understood could delete what we cannot see.
 */

export type ParseTableResult = { ok: true; table: IpvsTable } | { ok: false; line: number; message: string };

const HOST_MASKS = new Set(['255.255.255.255', '128']);

function splitHostPort(s: string): { addr: string; port: number } | null {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(s) ?? /^([0-9.]+):(\d+)$/.exec(s);
  if (!m) return null;
  return { addr: m[1]!.toLowerCase(), port: Number(m[2]) };
}

interface Parsed {
  service: Record<string, unknown>;
  rest: Map<string, string | true>;
}

const WITH_VALUE = new Set(['-s', '-p', '-M', '-b', '--pe', '-r', '-w', '-x', '-y', '--tun-type', '--tun-port']);
const SERVICE_FLAGS: Record<string, 'tcp' | 'udp' | 'sctp' | 'fwmark'> = { '-t': 'tcp', '-u': 'udp', '--sctp-service': 'sctp', '-f': 'fwmark' };

function tokenise(tokens: string[]): Parsed | string {
  const service: Record<string, unknown> = { family: 'inet' };
  const rest = new Map<string, string | true>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const proto = SERVICE_FLAGS[t];
    if (proto) {
      const v = tokens[++i];
      if (v === undefined) return `${t} needs a value`;
      service.proto = proto;
      if (proto === 'fwmark') service.fwmark = Number(v);
      else {
        const hp = splitHostPort(v);
        if (!hp) return `bad address ${v}`;
        Object.assign(service, hp, { family: hp.addr.includes(':') ? 'inet6' : 'inet' });
      }
    } else if (t === '-6') service.family = 'inet6';
    else if (WITH_VALUE.has(t)) {
      const v = tokens[++i];
      if (v === undefined) return `${t} needs a value`;
      rest.set(t, v);
    } else if (['-o', '-m', '-g', '-i', '--tun-nocsum', '--tun-csum', '--tun-remcsum'].includes(t)) rest.set(t, true);
    else return `unknown option ${t}`;
  }
  if (!service.proto) return 'no service';
  return { service, rest };
}

function num(v: string | true | undefined): number | undefined {
  return typeof v === 'string' ? Number(v) : undefined;
}

export function parseIpvsadmSave(text: string): ParseTableResult {
  const table: IpvsTable = new Map();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (!line) continue;
    const [cmd, ...tokens] = line.split(/\s+/);
    const p = tokenise(tokens);
    if (typeof p === 'string') return { ok: false, line: n + 1, message: p };
    if (cmd === '-A') {
      const netmask = p.rest.get('-M');
      const svc = IpvsService.safeParse({
        ...p.service,
        scheduler: p.rest.get('-s'),
        flags: typeof p.rest.get('-b') === 'string' ? (p.rest.get('-b') as string).split(',').sort() : [],
        persistenceS: num(p.rest.get('-p')),
        netmask: typeof netmask === 'string' && !HOST_MASKS.has(netmask) ? netmask : undefined,
        onePacket: p.rest.has('-o'),
        pe: p.rest.get('--pe'),
      });
      if (!svc.success) return { ok: false, line: n + 1, message: svc.error.issues[0]?.message ?? 'bad service' };
      table.set(serviceId(svc.data), { service: svc.data, dests: [] });
    } else if (cmd === '-a') {
      const hp = splitHostPort(String(p.rest.get('-r') ?? ''));
      if (!hp) return { ok: false, line: n + 1, message: 'bad -r' };
      const ipip = p.rest.has('-i');
      const csum = (['nocsum', 'csum', 'remcsum'] as const).find((c) => p.rest.has(`--tun-${c}`));
      const dest = IpvsDest.safeParse({
        ...hp,
        method: p.rest.has('-m') ? 'masq' : p.rest.has('-g') ? 'gate' : ipip ? 'ipip' : undefined,
        weight: num(p.rest.get('-w')),
        upperThreshold: num(p.rest.get('-x')) || undefined,
        lowerThreshold: num(p.rest.get('-y')) || undefined,
        tunType: ipip ? (p.rest.get('--tun-type') ?? 'ipip') : undefined,
        tunPort: ipip ? num(p.rest.get('--tun-port')) : undefined,
        tunCsum: ipip ? csum : undefined,
      });
      if (!dest.success) return { ok: false, line: n + 1, message: dest.error.issues[0]?.message ?? 'bad destination' };
      const entry = table.get(serviceId(p.service as IpvsService));
      if (!entry) return { ok: false, line: n + 1, message: 'destination before its service' };
      entry.dests.push(dest.data);
    } else return { ok: false, line: n + 1, message: `unknown command ${cmd}` };
  }
  return { ok: true, table };
}

export type IpvsOp =
  | { op: 'add-service'; service: IpvsService }
  | { op: 'edit-service'; service: IpvsService }
  | { op: 'del-service'; service: IpvsService }
  | { op: 'add-dest'; service: IpvsService; dest: IpvsDest }
  | { op: 'edit-dest'; service: IpvsService; dest: IpvsDest }
  | { op: 'del-dest'; service: IpvsService; dest: IpvsDest };

/** One op as the argv ipvsadm takes (and as a line of an ipvsadm -R batch). */
export function opArgs(o: IpvsOp): string[] {
  const svc = serviceArgs(o.service);
  switch (o.op) {
    case 'add-service':
      return ['-A', ...svc, ...serviceAttrArgs(o.service)];
    case 'edit-service':
      return ['-E', ...svc, ...serviceAttrArgs(o.service)];
    case 'del-service':
      return ['-D', ...svc];
    case 'add-dest':
      return ['-a', ...svc, ...destArgs(o.dest)];
    case 'edit-dest':
      return ['-e', ...svc, ...destArgs(o.dest)];
    case 'del-dest':
      return ['-d', ...svc, '-r', destId(o.dest)];
  }
}

/** The batch ipvsadm -R reads: one command per line, no shell involved. */
export function renderRestore(ops: readonly IpvsOp[]): string {
  return ops.map((o) => opArgs(o).join(' ') + '\n').join('');
}

/** The table as `ipvsadm -Sn` would print it, sorted: what tests compare. */
export function renderTable(table: IpvsTable): string {
  const lines: string[] = [];
  for (const id of [...table.keys()].sort()) {
    const e = table.get(id)!;
    lines.push(['-A', ...serviceArgs(e.service), ...serviceAttrArgs(e.service)].join(' '));
    for (const d of [...e.dests].sort((a, b) => destId(a).localeCompare(destId(b)))) lines.push(['-a', ...serviceArgs(e.service), ...destArgs(d)].join(' '));
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}
