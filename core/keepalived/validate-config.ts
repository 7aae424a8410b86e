import type { z } from 'zod';
import { Config } from '../config/model.ts';

/** Config's own schema for one virtual server (taken from Config, so the two cannot drift apart). */
const VIRTUAL_SERVER = Config.shape.virtualServers.unwrap().element;
const KEYS = Object.keys(Config.shape);
const VS_KEY_INDEX = KEYS.indexOf('virtualServers');

/** One problem the schema found: where in the model, and what. */
export interface SchemaIssue {
  path: PropertyKey[];
  message: string;
}

export type Validated = { success: true; data: Config } | { success: false; issues: SchemaIssue[] };

/**
 * Config.safeParse, with the virtual servers (nearly all of a large file)
 * checked one by one as they are read, each by the schema Config uses for
 * them. A virtual server's raw form is then garbage while still young, instead
 * of every one surviving to a single parse at the end. The result (the model,
 * or the issues with their paths, in the order one Config.safeParse gives
 * them) is the same.
 */
export class StreamedValidation {
  private readonly servers: z.output<typeof VIRTUAL_SERVER>[] = [];
  private readonly serverIssues: SchemaIssue[] = [];
  private count = 0;

  /** Validates the next virtual server (its index is the number added before it). */
  virtualServer(raw: unknown): void {
    const i = this.count++;
    const r = VIRTUAL_SERVER.safeParse(raw);
    if (r.success) this.servers.push(r.data);
    else for (const issue of r.error.issues) this.serverIssues.push({ path: ['virtualServers', i, ...issue.path], message: issue.message });
  }

  /** The rest of the model (its virtualServers left empty: they were checked as they came). */
  finish(rest: Record<string, unknown>): Validated {
    const parsed = Config.safeParse({ ...rest, virtualServers: [] });
    if (parsed.success && this.serverIssues.length === 0) {
      parsed.data.virtualServers = this.servers;
      return { success: true, data: parsed.data };
    }
    const others: SchemaIssue[] = parsed.success ? [] : parsed.error.issues.map((x) => ({ path: x.path, message: x.message }));
    // An object's issues come in its keys' order: the virtual servers' go where their key stands.
    const keyIndex = (x: SchemaIssue) => KEYS.indexOf(String(x.path[0]));
    const before = others.filter((x) => keyIndex(x) < VS_KEY_INDEX);
    const after = others.filter((x) => keyIndex(x) >= VS_KEY_INDEX);
    return { success: false, issues: [...before, ...this.serverIssues, ...after] };
  }
}
