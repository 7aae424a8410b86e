import type { Config } from '../config/model.ts';
import { DEFAULT_BOARD_HOLD_MS, WEBHOOK_EVENTS, type TrackBoard } from '../config/vigil.ts';
import { q, words, type Writer } from './print-writer.ts';

/** The `vigil { }` block: vantage points, vote policy, cloud bindings, Board tracking; left out when all are defaults. */
export function printVigil(w: Writer, c: Config): void {
  const v = c.vigil;
  const hasVote = v.vote.quorum !== undefined || v.vote.degrade !== undefined || v.vote.freshnessIntervals !== 3;
  if (!v.vantagePoints.length && !v.cloudBindings.length && !v.trackBoards.length && !v.alertWebhooks.length && !hasVote) return;
  w.block('vigil', () => {
    for (const vp of v.vantagePoints) {
      w.block(`vantage_point ${q(vp.name)}`, () => {
        w.line(`kind ${vp.kind}`);
        w.opt('region', vp.region);
      });
    }
    if (hasVote) {
      w.block('vote', () => {
        w.opt('quorum', v.vote.quorum);
        w.opt('degrade', v.vote.degrade);
        if (v.vote.freshnessIntervals !== 3) w.line(`freshness_intervals ${v.vote.freshnessIntervals}`);
      });
    }
    for (const b of v.cloudBindings) {
      w.block(`cloud_binding ${q(b.name)}`, () => {
        w.line(`kind ${b.kind}`);
        w.opt('region', b.region);
        w.opt('allocation_id', b.allocationId);
        w.opt('public_ip', b.publicIp);
        w.opt('address', b.address);
        b.routeTableIds.forEach((id) => w.line(`route_table ${id}`));
        if (!b.preempt) w.line('nopreempt');
        w.timer('lease_ttl', b.leaseTtlMs, 10_000);
        for (const d of b.directors) {
          w.block(`director ${q(d.id)}`, () => {
            if (d.priority !== 100) w.line(`priority ${d.priority}`);
            w.opt('instance_id', d.instanceId);
            w.opt('network_interface_id', d.networkInterfaceId);
            w.opt('private_ip', d.privateIp);
          });
        }
      });
    }
    for (const tb of v.trackBoards) printTrackBoard(w, tb);
    for (const h of v.alertWebhooks) {
      w.block(`alert_webhook ${q(h.name)}`, () => {
        w.line(`url ${q(h.url)}`);
        if (h.events.length !== WEBHOOK_EVENTS.length || h.events.some((e, i) => e !== WEBHOOK_EVENTS[i])) w.line(words('events', ...h.events));
        w.line(`secret_env ${h.secretEnv}`);
      });
    }
  });
}

function printTrackBoard(w: Writer, tb: TrackBoard): void {
  w.block(`track_board ${q(tb.name)}`, () => {
    const vs = tb.virtualServer;
    if (vs.fwmark !== undefined) w.line(`virtual_server fwmark ${vs.fwmark}`);
    else if (vs.group !== undefined) w.line(`virtual_server group ${q(vs.group)}`);
    else w.line(words('virtual_server', vs.ip!, String(vs.port), vs.protocol ?? ''));
    if (tb.realServer) w.line(words('real_server', tb.realServer.ip, tb.realServer.port === undefined ? '' : String(tb.realServer.port)));
    if (tb.weight !== 0 || tb.reverse) w.line(words('weight', String(tb.weight), tb.reverse ? 'reverse' : ''));
    w.timer('hold_time', tb.holdTimeMs, DEFAULT_BOARD_HOLD_MS);
    for (const i of tb.instances) {
      w.line(words('instance', q(i.name), i.weight === undefined ? '' : `weight ${i.weight}`, i.reverse === undefined ? '' : i.reverse ? 'reverse' : 'noreverse'));
    }
  });
}
