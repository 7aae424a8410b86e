import type { z } from 'zod';
import { Config } from './model.ts';

/** How many rounds of unknown keys are dropped before giving up (one per nesting level is plenty). */
const MAX_ROUNDS = 8;

/**
 * Parses with a strict schema, dropping the keys it does not know instead of
 * refusing them. For documents Vigil wrote itself (a stored row, a message
 * between its own components), where an unknown key means another version
 * wrote it, not an operator's typo: refusing it would leave a cluster with no
 * config at all. Anything else wrong still throws. The keys are deleted from
 * `doc` itself (a freshly parsed document, not shared).
 */
export function parseDroppingUnknownKeys<T>(schema: z.ZodType<T>, doc: unknown): T {
  for (let round = 0; ; round++) {
    const res = schema.safeParse(doc);
    if (res.success) return res.data;
    const unknown = res.error.issues.filter((i) => i.code === 'unrecognized_keys');
    if (unknown.length === 0 || unknown.length !== res.error.issues.length || round >= MAX_ROUNDS) throw res.error;
    for (const issue of unknown) {
      const parent = issue.path.reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown>)[k], doc) as Record<string, unknown>;
      for (const key of issue.keys) delete parent[key];
    }
  }
}

/** Reads a model the Board stored itself; a row written by an older version may carry keys this one no longer has. */
export function parseStoredConfig(doc: unknown): Config {
  return parseDroppingUnknownKeys(Config, doc);
}
