import type { z } from 'zod';
import type { LvsSyncDaemon } from '../config/global.ts';
import { isIP } from '../config/ip.ts';
import { endOf, type Reader } from './reader.ts';
import type { Token } from './lexer.ts';
import type { Statement } from './tree.ts';

type SyncdIn = z.input<typeof LvsSyncDaemon>;

/** IP_VS_IFNAME_MAXLEN: keepalived refuses a name that does not fit with its NUL. */
const IFNAME_MAX = 16;

/** Options with a numeric value, their range as keepalived reads them (maxlen: a UDP payload in one IP packet). */
const NUMERIC = { maxlen: [1, 65535 - 20 - 8], port: [1, 65535], ttl: [1, 255] } as const;

function isMulticast(ip: string): boolean {
  if (isIP(ip) === 4) return Number(ip.split('.')[0]) >= 224 && Number(ip.split('.')[0]) <= 239;
  return /^ff/i.test(ip);
}

function whole(t: Token, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(t.text)) return undefined;
  const n = Number(t.text);
  return n >= min && n <= max ? n : undefined;
}

/**
 * global_defs `lvs_sync_daemon`, read as keepalived's lvs_syncd_handler does:
 * each bad option is reported in keepalived's words at its own token and
 * ignored, the rest kept. The older positional form (`IF INSTANCE [SYNCID]`)
 * is accepted, with keepalived's advice to write `id`.
 */
export function readLvsSyncDaemon(r: Reader, s: Statement, t: { lvsSyncDaemon?: SyncdIn }): void {
  r.noBlock(s);
  if (t.lvsSyncDaemon) {
    r.diags.warn(s.keyword.pos, `lvs_sync_daemon has already been specified as ${t.lvsSyncDaemon.interface} ${t.lvsSyncDaemon.instance ?? ''} - ignoring`);
    return;
  }
  const [ifname, ...rest] = s.args;
  if (!ifname) return r.diags.warn(endOf(s), 'lvs_sync_daemon requires interface');
  if (ifname.text.length >= IFNAME_MAX) return r.diags.warn(ifname.pos, `lvs_sync_daemon interface name '${ifname.text}' too long - ignoring`);
  const out: SyncdIn = { interface: ifname.text };
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    const v = rest[i + 1];
    const k = w.text;
    if (k === 'inst' || k === 'id' || k === 'group' || k in NUMERIC) {
      i++;
      if (!v) {
        r.diags.warn(w.pos, k === 'id' ? 'No value specified for lvs_sync_daemon id, defaulting to vrid' : `No value specified for lvs_sync_daemon ${k} - ignoring`);
        continue;
      }
      if (k === 'inst') {
        if (out.instance !== undefined) r.diags.warn(v.pos, `lvs_sync_daemon vrrp instance has already been specified as ${out.instance} - ignoring`);
        else out.instance = v.text;
      } else if (k === 'id') {
        const n = whole(v, 0, 255);
        if (n === undefined) r.diags.warn(v.pos, `Invalid syncid (${v.text}) - defaulting to vrid`);
        else out.syncId = n;
      } else if (k === 'group') {
        if (!isIP(v.text)) r.diags.warn(v.pos, `Invalid lvs_sync_daemon group (${v.text}) - ignoring`);
        else if (!isMulticast(v.text)) r.diags.warn(v.pos, `lvs_sync_daemon group address ${v.text} is not multicast - ignoring`);
        else out.group = v.text;
      } else {
        const [min, max] = NUMERIC[k as keyof typeof NUMERIC];
        const n = whole(v, min, max);
        if (n === undefined) r.diags.warn(v.pos, `Invalid lvs_sync_daemon ${k} (${v.text}) - ignoring (${min}..${max})`);
        else out[k as keyof typeof NUMERIC] = n;
      }
    } else if (i === 0) {
      out.instance = k;
    } else if (i === 1) {
      const n = whole(w, 0, 255);
      if (n === undefined) r.diags.warn(w.pos, `Invalid syncid (${k}) - defaulting to vrid`);
      else {
        r.diags.warn(w.pos, 'Please use keyword "id" before lvs_sync_daemon SYNCID');
        out.syncId = n;
      }
    } else r.diags.warn(w.pos, `Unknown option ${k} specified for lvs_sync_daemon`);
  }
  // Without an instance keepalived's checker runs both daemons for its whole life: not something the shim does.
  if (out.instance === undefined) r.uses.push({ keyword: 'lvs_sync_daemon', pos: s.keyword.pos });
  t.lvsSyncDaemon = out;
}
