/**
 * The clusters the control-plane tests reach with scoped tokens. Tokens name
 * their cluster, and VIGIL_TOKENS is fixed when the test project starts
 * (vitest.config.ts mints it from this list), so a test that reads a verdict
 * or votes in a new cluster adds the name here; tokensFor() fails naming a
 * cluster that is missing. Admin tokens act on every cluster and need no entry.
 */
export const TEST_CLUSTERS = [
  ...['api-a', 'api-b', 'api-c', 'api-d', 'api-e'],
  ...['cfg-a', 'cfg-b', 'cfg-c', 'cfg-e'],
  ...['edge-a', 'edge-c', 'edge-d', 'edge-e', 'edge-f'],
  ...['err-a', 'err-b', 'err-c', 'err-d', 'err-e', 'err-f', 'nobody'],
  ...['lag-a', 'lag-b'],
  ...['lease-a', 'lease-b', 'lease-c', 'lease-d'],
  ...['limit-a', 'limit-b', 'big-a', 'huge-a'],
  ...['poll-a', 'poll-b'],
  ...['quorum-b'],
  ...['restart-a', 'restart-b', 'restart-c', 'ws-a'],
  ...['view-a', 'view-b', 'view-c', 'view-d'],
  ...['sign-a', 'once-a', 'once-b'],
  ...['skew-a', 'skew-b', 'skew-c'],
  ...['vote-a', 'vote-b', 'vote-c', 'vote-d', 'vote-e', 'vote-f', 'vote-g'],
];
export const TEST_VANTAGE_POINTS = ['dc1', 'dc2', 'dc3'];
export const TEST_DIRECTORS = ['lb1', 'lb2'];
