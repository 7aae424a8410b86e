/**
 * Runs shim/vrrp/rtnetlink-routes.ts inside a namespace for a test (`ip netns
 * exec NS node --import tsx apply-ip-routes.ts add|del CONFIG_FILE INSTANCE`):
 * reads the instance's virtual_routes / virtual_rules through the real reader
 * and plan, applies them, prints the failures as JSON on stdout.
 */
import { readKeepalivedConfig } from '../../core/keepalived/index.ts';
import { nodeConfigHost } from '../../shim/config/node-host.ts';
import { ipRoutesByInstance } from '../../shim/vrrp/route-plan.ts';
import { applyIpRoutes } from '../../shim/vrrp/rtnetlink-routes.ts';

const [mode, file, instance] = process.argv.slice(2);
const res = readKeepalivedConfig(file!, { host: nodeConfigHost, configId: 'main' });
if (!res.ok) throw new Error(`${file}: ${JSON.stringify(res.diagnostics)}`);
const r = ipRoutesByInstance(res.config.vrrpInstances).byName.get(instance!);
if (!r) throw new Error(`no instance ${instance}`);
process.stdout.write(JSON.stringify(applyIpRoutes(mode === 'add', r.routes, r.rules)));
