import { afterAll, beforeAll } from 'vitest';
import { startWranglerDev, type WranglerDev, type WranglerDevOptions } from '../../devstack/wrangler-dev.ts';

/**
 * The Worker under `wrangler dev` for one test file: started before its
 * first test (wrangler's start-up on a loaded machine within the hook's
 * deadline), stopped after its last, process group and all. `url` reads the
 * running Worker's address.
 */
export function workerForSuite(o: WranglerDevOptions): { readonly url: string } {
  let dev: WranglerDev | undefined;
  beforeAll(async () => {
    dev = await startWranglerDev(o);
  }, 120_000);
  afterAll(async () => {
    await dev?.stop();
  });
  return {
    get url(): string {
      if (!dev) throw new Error('the Worker is not running (its beforeAll failed or has not run)');
      return dev.url;
    },
  };
}
