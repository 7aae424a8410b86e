import type { z } from 'zod';
import { WEBHOOK_EVENTS, type AlertWebhook, type CloudBinding, type DirectorBinding, type VantagePoint, type VigilSection } from '../config/vigil.ts';
import type { Origins } from './diagnostics.ts';
import { readTrackBoard } from './read-track-board.ts';
import { endOf, type HandlerTable, type Reader } from './reader.ts';
import type { Statement } from './tree.ts';

type VigilIn = Omit<z.input<typeof VigilSection>, 'vantagePoints' | 'cloudBindings' | 'trackBoards' | 'alertWebhooks'> & { vantagePoints: unknown[]; cloudBindings: unknown[]; trackBoards: unknown[]; alertWebhooks: unknown[] };
type WhIn = Partial<z.input<typeof AlertWebhook>>;
type VpIn = Partial<z.input<typeof VantagePoint>>;
type CbIn = Partial<z.input<typeof CloudBinding>> & Record<string, unknown>;
type DirIn = Partial<z.input<typeof DirectorBinding>> & Record<string, unknown>;

const vantage: HandlerTable<VpIn> = {
  kind: (r, s, t) => void (t.kind = r.oneOf(r.arg(s), ['edge', 'self-hosted'] as const, 'kind')),
  region: (r, s, t) => void (t.region = r.str(s, 'a region')),
};

const director: HandlerTable<DirIn> = {
  priority: (r, s, t) => void (t.priority = r.intArg(s, 1, 255)),
  instance_id: (r, s, t) => void (t.instanceId = r.str(s, 'an instance id')),
  network_interface_id: (r, s, t) => void (t.networkInterfaceId = r.str(s, 'an ENI id')),
  private_ip: (r, s, t) => void (t.privateIp = r.ipArg(s)),
};

const binding: HandlerTable<CbIn> = {
  kind: (r, s, t) => void (t.kind = r.oneOf(r.arg(s), ['elastic-ip', 'secondary-ip', 'route'] as const, 'kind')),
  region: (r, s, t) => void (t.region = r.str(s, 'a region')),
  allocation_id: (r, s, t) => void (t.allocationId = r.str(s, 'an allocation id')),
  public_ip: (r, s, t) => void (t.publicIp = r.ipArg(s)),
  address: (r, s, t) => void (t.address = r.ipArg(s)),
  route_table: (r, s, t) => {
    const v = r.str(s, 'a route table id');
    if (v) t.routeTableIds = [...(t.routeTableIds ?? []), v];
  },
  preempt: (r, s, t) => void (t.preempt = r.flag(s)),
  nopreempt: (r, s, t) => void (t.preempt = !r.flag(s)),
  lease_ttl: (r, s, t) => void (t.leaseTtlMs = r.timerArg(s, 3600)),
  director: (r, s, t) => {
    const id = s.args[0]?.text;
    if (!id) r.diags.error(endOf(s), "'director' needs an id");
    const d: DirIn = { id: id ?? '' };
    r.block(r.requireBlock(s), director, d, 'director');
    if (id) (t.directors ??= []).push(d as z.input<typeof DirectorBinding>);
  },
};

const webhook: HandlerTable<WhIn> = {
  url: (r, s, t) => void (t.url = r.str(s, 'a URL')),
  events: (r, s, t) => {
    if (!s.args.length) r.diags.error(endOf(s), `'events' needs one or more of ${WEBHOOK_EVENTS.join(' ')}`);
    const got = s.args.map((a) => r.oneOf(a, WEBHOOK_EVENTS, 'event'));
    if (got.every((e) => e !== undefined)) t.events = got as WhIn['events'];
  },
  secret_env: (r, s, t) => void (t.secretEnv = r.str(s, 'a Worker secret name')),
};

const vigil: HandlerTable<VigilIn> = {
  vantage_point: (r, s, t) => {
    const name = s.args[0]?.text;
    if (!name) r.diags.error(endOf(s), "'vantage_point' needs a name");
    const vp: VpIn = { name: name ?? '' };
    r.block(r.requireBlock(s), vantage, vp, 'vantage_point');
    if (!vp.kind) r.diags.error(s.keyword.pos, `vantage_point ${name ?? ''} needs 'kind edge' or 'kind self-hosted'`);
    else if (name) t.vantagePoints.push(vp);
  },
  vote: (r, s, t) => {
    const v: { quorum?: number; degrade?: 'refuse' | 'majority' | 'all'; freshnessIntervals?: number } = {};
    r.block(r.requireBlock(s), {
      quorum: (r2, s2, o) => void (o.quorum = r2.intArg(s2, 1, 1000)),
      degrade: (r2, s2, o) => void (o.degrade = r2.oneOf(r2.arg(s2), ['refuse', 'majority', 'all'] as const, 'degrade')),
      freshness_intervals: (r2, s2, o) => void (o.freshnessIntervals = r2.intArg(s2, 1, 100)),
    }, v, 'vote');
    t.vote = v;
  },
  cloud_binding: (r, s, t) => {
    const name = s.args[0]?.text;
    if (!name) r.diags.error(endOf(s), "'cloud_binding' needs a name");
    const b: CbIn = { name: name ?? '' };
    r.block(r.requireBlock(s), binding, b, 'cloud_binding');
    if (!b.kind) r.diags.error(s.keyword.pos, `cloud_binding ${name ?? ''} needs 'kind elastic-ip|secondary-ip|route'`);
    else if (name) t.cloudBindings.push(b);
  },
};

/** One alert_webhook; its place is kept under `vigil.alertWebhooks` so the schema's errors point at it. */
function readAlertWebhook(r: Reader, s: Statement, into: unknown[], origins: Origins): void {
  const name = s.args[0]?.text;
  if (!name) r.diags.error(endOf(s), "'alert_webhook' needs a name");
  const w: WhIn = { name: name ?? '' };
  r.block(r.requireBlock(s), webhook, w, 'alert_webhook');
  if (!w.url) r.diags.error(s.keyword.pos, `alert_webhook ${name ?? ''} needs 'url https://…'`);
  if (!w.secretEnv) r.diags.error(s.keyword.pos, `alert_webhook ${name ?? ''} needs 'secret_env VIGIL_WEBHOOK_…' (a Worker secret holding the signing secret)`);
  if (!name || !w.url || !w.secretEnv) return;
  into.push(w);
  (origins['vigil.alertWebhooks'] ??= []).push(s.keyword.pos);
}

export function readVigil(r: Reader, s: Statement, into: VigilIn, origins: Origins): void {
  r.block(
    r.requireBlock(s),
    {
      ...vigil,
      track_board: (r2, s2, t) => readTrackBoard(r2, s2, t.trackBoards, origins),
      alert_webhook: (r2, s2, t) => readAlertWebhook(r2, s2, t.alertWebhooks, origins),
    },
    into,
    'vigil',
  );
}
