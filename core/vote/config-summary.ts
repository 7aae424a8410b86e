import type { Config } from '../config/model.ts';
import { VIEW_MAX_REAL_SERVERS, type ConfigSummary } from './dashboard-view.ts';
import { realServerKey, virtualServerKey } from './targets.ts';

/* Apart from dashboard-view.ts, which the browser bundle imports: this one reaches the check engine (and RE2). */
const hostPort = (ip: string, port: number | undefined) => (port === undefined ? (ip.includes(':') ? `[${ip}]` : ip) : `${ip.includes(':') ? `[${ip}]` : ip}:${port}`);

/** The config as the dashboard lists it: no commands, no secrets, only the first `maxRealServers` real servers. */
export function summarizeConfig(config: Config, meta: Pick<ConfigSummary, 'version' | 'etag' | 'createdAtMs' | 'format' | 'warnings'>, maxRealServers = VIEW_MAX_REAL_SERVERS): { summary: ConfigSummary; leftOut: number } {
  let room = maxRealServers;
  let leftOut = 0;
  const virtualServers = config.virtualServers.map((vs) => {
    const shown = vs.realServers.slice(0, Math.max(0, room));
    room -= shown.length;
    leftOut += vs.realServers.length - shown.length;
    return {
      key: virtualServerKey(vs),
      scheduler: vs.lbAlgo,
      quorum: vs.quorum,
      hysteresis: vs.hysteresis,
      sorryServer: vs.sorryServer ? hostPort(vs.sorryServer.ip, vs.sorryServer.port) : null,
      realServers: shown.map((rs) => ({ key: realServerKey(vs, rs), weight: rs.weight, checks: rs.checks.map((c) => c.type) })),
    };
  });
  const vantagePoints = config.vigil.vantagePoints.map((v) => ({ name: v.name, kind: v.kind, ...(v.region === undefined ? {} : { region: v.region }) }));
  return { summary: { ...meta, vantagePoints, virtualServers }, leftOut };
}
