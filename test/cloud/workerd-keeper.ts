/**
 * The control plane with the LeaseKeeper in workerd (wrangler dev, local),
 * restartable with the same persisted state behind one fixed address: a
 * Board restart in the chaos suite is a real process restart, storage kept,
 * and the directors' URL does not change (a relay the test binds itself
 * fronts whichever port the new wrangler listens on).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalSecrets } from '../../devstack/local-secrets.ts';
import { startWranglerDev, type WranglerDev } from '../../devstack/wrangler-dev.ts';
import { TcpRelay } from '../helpers/tcp-relay.ts';

export class WorkerdKeeper {
  private dev: WranglerDev | null = null;
  private readonly state = mkdtempSync(join(tmpdir(), 'vigil-chaos-'));
  private readonly relay = new TcpRelay();
  private address = '';

  constructor(private readonly secrets: LocalSecrets) {}

  /** The Board's URL, the same across restarts (valid once started). */
  get url(): string {
    if (!this.address) throw new Error('WorkerdKeeper not started');
    return this.address;
  }

  async start(readyDeadlineMs = 90_000): Promise<void> {
    if (!this.address) this.address = await this.relay.listen();
    this.dev = await startWranglerDev({ secrets: this.secrets, persistTo: this.state, readyDeadlineMs, vars: { EDGE_PRIVATE_TARGETS: 'probe' } });
    this.relay.point(this.dev.url);
  }

  /** Ends wrangler and its workerd (own process group); state on disk stays for the next start. */
  async stop(): Promise<void> {
    this.relay.point(null);
    const dev = this.dev;
    this.dev = null;
    await dev?.stop();
  }

  async dispose(): Promise<void> {
    await this.stop();
    await this.relay.close();
    rmSync(this.state, { recursive: true, force: true });
  }
}
