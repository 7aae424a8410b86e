import { GlobalDefs } from '../config/global.ts';
import { emptyConfig, type Config } from '../config/model.ts';
import { realServerKey } from '../vote/targets.ts';

/**
 * The config a self-hosted prober is handed: only what its checks need. Its
 * own real servers, inside their virtual servers (whose timing and
 * virtualhost the checks read); the script policy (script_user,
 * enable_script_security) and nothing else of global_defs; no notify, quorum
 * or VRRP scripts, no cloud bindings, no other vantage points. A prober token
 * then reads no more of the cluster than its own work.
 */
export function configForProber(config: Config, vantagePoint: string, targets: ReadonlySet<string>): Config {
  const out = emptyConfig();
  const g = config.globalDefs;
  out.globalDefs = GlobalDefs.parse({ ...(g.scriptUser ? { scriptUser: g.scriptUser } : {}), enableScriptSecurity: g.enableScriptSecurity });
  for (const vs of config.virtualServers) {
    const realServers = vs.realServers.filter((rs) => targets.has(realServerKey(vs, rs))).map(({ notifyUp: _up, notifyDown: _down, ...rs }) => rs);
    if (realServers.length === 0) continue;
    const { quorumUp: _qu, quorumDown: _qd, sorryServer: _sorry, ...rest } = vs;
    out.virtualServers.push({ ...rest, realServers });
  }
  out.vigil = { ...out.vigil, vantagePoints: config.vigil.vantagePoints.filter((v) => v.name === vantagePoint) };
  return out;
}
