import type { z } from 'zod';
import type { BoardTrackInstance, BoardTrackVirtualServer, TrackBoard } from '../config/vigil.ts';
import type { Origins } from './diagnostics.ts';
import { endOf, type HandlerTable, type Reader } from './reader.ts';
import type { Statement } from './tree.ts';

type TbIn = Partial<z.input<typeof TrackBoard>> & { instances: z.input<typeof BoardTrackInstance>[] };

/** Where a track_board's parts stand, for the cross-checks' file:line:col (keys under `vigil.trackBoards`). */
export const trackBoardOrigins = (i: number, part: 'virtualServer' | 'realServer' | 'instances') => `vigil.trackBoards.${i}.${part}`;

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

/** `virtual_server IP PORT [TCP|UDP|SCTP]`, `virtual_server fwmark N` or `virtual_server group NAME`: keepalived's own ways to name one. */
function virtualServerRef(r: Reader, s: Statement): BoardTrackVirtualServer | undefined {
  r.noBlock(s);
  const [a, b, c, extra] = s.args;
  if (!a || !b) {
    r.diags.error(endOf(s), "'virtual_server' needs IP PORT [TCP|UDP|SCTP], 'fwmark N' or 'group NAME'");
    return undefined;
  }
  if (a.text === 'fwmark' || a.text === 'group') {
    if (c) r.diags.warn(c.pos, `extra words after 'virtual_server ${a.text} ${b.text}' ignored`);
    if (a.text === 'group') return { group: b.text };
    const mark = r.int(b, 1, 0xffffffff, 'virtual_server fwmark');
    return mark === undefined ? undefined : { fwmark: mark };
  }
  if (extra) r.diags.warn(extra.pos, `extra words after 'virtual_server ${a.text} ${b.text} ${c!.text}' ignored`);
  const ip = r.ip(a, 'virtual_server');
  const port = r.port(b, 'virtual_server port');
  const protocol = c ? r.oneOf(c, PROTOCOLS, 'virtual_server protocol', true) : undefined;
  if (ip === undefined || port === undefined || (c && !protocol)) return undefined;
  return protocol ? { ip, port, protocol } : { ip, port };
}

/** `instance NAME [weight N] [reverse|noreverse]`, as a track_script line inside vrrp_instance. */
function instanceLine(r: Reader, s: Statement): z.input<typeof BoardTrackInstance> | undefined {
  r.noBlock(s);
  const [name, ...rest] = s.args;
  if (!name) {
    r.diags.error(endOf(s), "'instance' needs a vrrp_instance name");
    return undefined;
  }
  const out: z.input<typeof BoardTrackInstance> = { name: name.text };
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (w.text === 'weight') {
      out.weight = r.int(rest[++i], -253, 253, 'instance weight');
      if (!rest[i]) r.diags.error(w.pos, "'weight' needs a number");
    } else if (w.text === 'reverse' || w.text === 'noreverse') out.reverse = w.text === 'reverse';
    else r.diags.error(w.pos, `instance: unexpected '${w.text}' (expected weight N [reverse])`);
  }
  return out;
}

/**
 * One `track_board NAME { ... }` inside `vigil { }`: what it names is checked
 * against the config's virtual servers and instances later (crossCheck), once
 * the whole file is read.
 */
export function readTrackBoard(r: Reader, s: Statement, into: unknown[], origins: Origins): void {
  const name = s.args[0]?.text;
  if (!name) r.diags.error(endOf(s), "'track_board' needs a name");
  const i = into.length;
  const pos: Record<'virtualServer' | 'realServer' | 'instances', Statement['keyword'][]> = { virtualServer: [], realServer: [], instances: [] };
  const t: TbIn = { name: name ?? '', instances: [] };
  const table: HandlerTable<TbIn> = {
    virtual_server: (r2, s2, o) => {
      o.virtualServer = virtualServerRef(r2, s2);
      pos.virtualServer = [s2.keyword];
    },
    real_server: (r2, s2, o) => {
      r2.noBlock(s2);
      const [a, b, extra] = s2.args;
      if (!a) return void r2.diags.error(endOf(s2), "'real_server' needs IP [PORT]");
      if (extra) r2.diags.warn(extra.pos, `extra words after 'real_server ${a.text} ${b!.text}' ignored`);
      const ip = r2.ip(a, 'real_server');
      const port = b ? r2.port(b, 'real_server port') : undefined;
      if (ip !== undefined) o.realServer = port === undefined ? { ip } : { ip, port };
      pos.realServer = [s2.keyword];
    },
    weight: (r2, s2, o) => {
      o.weight = r2.int(s2.args[0], -253, 253, 'weight');
      if (!s2.args[0]) r2.diags.error(endOf(s2), "'weight' needs a number");
      if (s2.args[1]) o.reverse = r2.oneOf(s2.args[1], ['reverse', 'noreverse'] as const, 'weight option') === 'reverse';
    },
    hold_time: (r2, s2, o) => void (o.holdTimeMs = r2.timerArg(s2, 86_400)),
    instance: (r2, s2, o) => {
      const line = instanceLine(r2, s2);
      if (!line) return;
      o.instances.push(line);
      pos.instances.push(s2.keyword);
    },
  };
  r.block(r.requireBlock(s), table, t, 'track_board');
  if (!pos.virtualServer.length) return void r.diags.error(s.keyword.pos, `track_board ${name ?? ''} needs 'virtual_server IP PORT' (or 'fwmark N' / 'group NAME')`);
  if (!name || !t.virtualServer) return;
  into.push(t);
  (origins['vigil.trackBoards'] ??= []).push(s.keyword.pos);
  for (const part of ['virtualServer', 'realServer', 'instances'] as const) origins[trackBoardOrigins(i, part)] = pos[part].map((k) => k.pos);
}
