import type { DashboardView } from '../../core/vote/dashboard-view.ts';
import { byId, clock, duration, fill, h, stateBadge } from './dom.ts';

/** `nowMs`: the Board's clock now (the view's time plus what passed since it arrived), so ages never depend on the browser's clock. */
export function renderTables(v: DashboardView, nowMs: number): void {
  renderOverview(v, nowMs);
  renderVirtualServers(v);
  renderMatrix(v, nowMs);
  renderLeases(v, nowMs);
}

function renderOverview(v: DashboardView, nowMs: number): void {
  const s = v.snapshot;
  const c = v.config;
  const fact = (label: string, value: string, id: string) => [h('dt', {}, label), h('dd', { id }, value)];
  fill(
    byId('overview'),
    ...fact('Cluster', v.cluster, 'fact-cluster'),
    ...fact('Snapshot', s ? `#${s.seq}, issued ${duration(nowMs - s.issuedAtMs)} ago, ${s.expiresAtMs > nowMs ? `expires in ${duration(s.expiresAtMs - nowMs)}` : `expired ${duration(nowMs - s.expiresAtMs)} ago`}` : 'none published yet', 'fact-snapshot'),
    ...fact('Config', `version ${c.version} (${c.format}, ${c.etag}), loaded ${clock(c.createdAtMs)}`, 'fact-config'),
    ...fact('Vantage points', c.vantagePoints.map((p) => `${p.name} (${p.kind}${p.region ? `, ${p.region}` : ''})`).join(', ') || 'none declared', 'fact-vantage-points'),
    ...fact('Shown', v.truncated.realServers || v.truncated.events ? `${v.truncated.realServers} real server(s) and ${v.truncated.events} event(s) left out of this view` : 'everything', 'fact-shown'),
  );
  const w = c.warnings;
  fill(byId('warnings'), ...(w === null ? [h('li', {}, 'not recorded for this config version (uploaded before warnings were kept)')] : w.length === 0 ? [h('li', {}, 'none')] : w.map((x) => h('li', {}, x))));
}

function renderVirtualServers(v: DashboardView): void {
  const desired = new Map((v.snapshot?.virtualServers ?? []).map((vs) => [vs.key, vs]));
  const head = h('tr', {}, ...['Virtual server', 'Quorum', 'Alive weight', 'Sorry server', 'Real servers in service'].map((t) => h('th', { scope: 'col' }, t)));
  const rows = v.config.virtualServers.map((vs) => {
    const d = desired.get(vs.key);
    const sorryOn = d?.realServers.some((r) => r.sorry && r.present) ?? false;
    const inService = d ? d.realServers.filter((r) => !r.sorry && r.present && r.weight > 0).length : 0;
    return h(
      'tr',
      { 'data-vs': vs.key },
      h('th', { scope: 'row' }, vs.key, h('span', { class: 'detail' }, `${vs.scheduler}, quorum ${vs.quorum} ± ${vs.hysteresis}`)),
      h('td', {}, d ? stateBadge(d.quorumUp ? 'up' : 'down', d.quorumUp ? 'quorum up' : 'quorum down') : stateBadge('unknown', 'no snapshot')),
      h('td', {}, d ? String(d.aliveWeight) : '–'),
      h('td', {}, vs.sorryServer ?? 'none', vs.sorryServer ? h('span', { class: 'detail' }, sorryOn ? 'in service' : 'standing by') : null),
      h('td', {}, `${inService} of ${vs.realServers.length}`),
    );
  });
  fill(byId('virtual-servers'), h('thead', {}, head), h('tbody', {}, ...rows));
}

function renderMatrix(v: DashboardView, nowMs: number): void {
  const vps = v.config.vantagePoints.map((p) => p.name);
  const head = h('tr', {}, h('th', { scope: 'col' }, 'Real server'), h('th', { scope: 'col' }, 'Verdict'), ...vps.map((vp) => h('th', { scope: 'col' }, vp)));
  const rows = v.votes.realServers.map((rs) =>
    h(
      'tr',
      { 'data-rs': rs.key },
      // `<virtual server>|<ip:port>`: the address first, its virtual server under it, so the row fits a phone.
      h('th', { scope: 'row' }, rs.key.split('|')[1] ?? rs.key, h('span', { class: 'detail' }, rs.key.split('|')[0] ?? '')),
      h('td', { class: 'verdict' }, stateBadge(rs.state), h('span', { class: 'detail' }, `${rs.upVotes} up, ${rs.downVotes} down of ${rs.fresh} fresh; quorum ${rs.quorum}${rs.state === 'unknown' ? `; held ${rs.effective}` : ''}`)),
      ...vps.map((vp) => {
        const said = rs.votes[vp];
        if (!said) return h('td', { 'data-vp': vp }, h('span', { class: 'detail' }, 'no vote'));
        const latency = said.latencyMs === undefined ? '' : `, ${Math.round(said.latencyMs)} ms`;
        return h('td', { 'data-vp': vp }, stateBadge(said.up ? 'up' : 'down'), said.fresh ? null : h('span', { class: 'state stale' }, ' stale'), h('span', { class: 'detail' }, `${said.reason}${latency}, ${duration(nowMs - said.atMs)} ago`));
      }),
    ),
  );
  fill(byId('matrix'), h('thead', {}, head), h('tbody', {}, ...rows));
}

function renderLeases(v: DashboardView, nowMs: number): void {
  const { bindings, directors } = v.leases;
  const col = (...t: string[]) => h('tr', {}, ...t.map((x) => h('th', { scope: 'col' }, x)));
  fill(
    byId('leases'),
    h('caption', {}, bindings.length ? 'Cloud address leases' : 'No cloud bindings in this config'),
    bindings.length ? h('thead', {}, col('Binding', 'Holder', 'Fencing token', 'Expires')) : null,
    h('tbody', {}, ...bindings.map((b) => h('tr', {}, h('th', { scope: 'row' }, `${b.name} (${b.kind})`), h('td', {}, b.holder ?? 'nobody'), h('td', {}, String(b.token ?? `last ${b.lastToken}`)), h('td', {}, b.expiresAtMs === null ? '–' : b.expiresAtMs > nowMs ? `in ${duration(b.expiresAtMs - nowMs)}` : `${duration(nowMs - b.expiresAtMs)} ago`)))),
  );
  fill(
    byId('directors'),
    h('caption', {}, directors.length ? "Directors' heartbeats" : 'No director has sent a heartbeat'),
    directors.length ? h('thead', {}, col('Director', 'Health', 'Last heartbeat')) : null,
    h('tbody', {}, ...directors.map((d) => h('tr', {}, h('th', { scope: 'row' }, d.id), h('td', {}, stateBadge(d.healthy ? 'up' : 'down', d.healthy ? 'healthy' : 'unhealthy')), h('td', {}, `${duration(nowMs - d.lastHeartbeatMs)} ago`)))),
  );
}
