// The chaos suite's Worker: the control plane as built (workers/src) plus the
// lease route and the LeaseKeeper class, until those two lines land in
// workers/src/app.ts and workers/wrangler.jsonc. Plain JS so the Node
// typecheck does not read workerd-only imports; wrangler bundles it.
import worker from '../../workers/src/index.ts';
import { app } from '../../workers/src/app.ts';
import { heartbeatRoute } from '../../workers/src/lease-keeper.ts';

export { Board, Prober } from '../../workers/src/index.ts';
export { LeaseKeeper } from '../../workers/src/lease-keeper.ts';

app.post('/v1/clusters/:cluster/directors/:id/heartbeat', heartbeatRoute);

export default worker;
