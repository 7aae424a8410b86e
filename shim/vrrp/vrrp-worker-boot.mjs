// The VRRP thread's entry when the CLI runs from sources: Node 20 gives a
// worker none of the main thread's module hooks, so tsx is registered here
// before the TypeScript entry loads. The bundle has its own vrrp-worker.mjs.
const { register } = await import('tsx/esm/api');
register();
await import('./vrrp-worker.ts');
