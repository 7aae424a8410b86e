/**
 * The control plane with the LeaseKeeper in workerd (wrangler dev, local),
 * restartable on the same port with the same persisted state: a Board restart
 * in the chaos suite is a real process restart, storage kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalSecrets } from '../../devstack/local-secrets.ts';
import { freePort, startWranglerDev, type WranglerDev } from '../../devstack/wrangler-dev.ts';

export class WorkerdKeeper {
  private dev: WranglerDev | null = null;
  private readonly state = mkdtempSync(join(tmpdir(), 'vigil-chaos-'));
  private port = 0;

  constructor(private readonly secrets: LocalSecrets) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(readyDeadlineMs = 90_000): Promise<void> {
    if (!this.port) this.port = await freePort();
    this.dev = await startWranglerDev({ secrets: this.secrets, port: this.port, persistTo: this.state, readyDeadlineMs, vars: { EDGE_PRIVATE_TARGETS: 'probe' } });
  }

  /** Ends wrangler and its workerd (own process group); state on disk stays for the next start. */
  async stop(): Promise<void> {
    const dev = this.dev;
    this.dev = null;
    await dev?.stop();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.state, { recursive: true, force: true });
  }
}
