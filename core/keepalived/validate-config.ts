import type { z } from 'zod';
import { Config } from '../config/model.ts';
import { applyDefaults } from '../config/schema-defaults.ts';

/** Config's own schema for one virtual server (taken from Config, so the two cannot drift apart). */
const VIRTUAL_SERVER = Config.shape.virtualServers.unwrap().element;

/** One problem the schema found: where in the model, and what. */
export interface SchemaIssue {
  path: PropertyKey[];
  message: string;
}

export type Validated = { success: true; data: Config } | { success: false; issues: SchemaIssue[] };

/**
 * The model as keepalived.conf's reader assembles it. Virtual servers (nearly
 * all of a large file) are taken one by one as they are read: every value in
 * them was already checked at its token, with keepalived's ranges and a
 * positioned error, so they get only the schema's defaults (applyDefaults),
 * not a second check, and their raw form is garbage while still young.
 * Checking them twice was a third of `vigil check-config`'s time on a large
 * file (bench/results.md, parse). The rest of the model, small, goes through
 * Config's schema as a whole. test/fuzz holds every model the reader accepts
 * to Config.parse giving it back unchanged.
 */
export class StreamedValidation {
  private readonly servers: z.output<typeof VIRTUAL_SERVER>[] = [];

  /** The next virtual server as the reader built it. */
  readVirtualServer(raw: unknown): void {
    this.servers.push(applyDefaults(VIRTUAL_SERVER, raw) as z.output<typeof VIRTUAL_SERVER>);
  }

  /** The rest of the model (its virtualServers left empty: they were taken as they came). */
  finish(rest: Record<string, unknown>): Validated {
    const parsed = Config.safeParse({ ...rest, virtualServers: [] });
    if (!parsed.success) return { success: false, issues: parsed.error.issues.map((x) => ({ path: x.path, message: x.message })) };
    parsed.data.virtualServers = this.servers;
    return { success: true, data: parsed.data };
  }
}
