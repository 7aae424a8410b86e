import { Config } from './model.ts';

/** How many rounds of unknown keys are dropped before giving up (one per nesting level is plenty). */
const MAX_ROUNDS = 8;

/**
 * Reads a model the Board stored itself. Input from outside is strict (an
 * unknown key is an error), but a row written by an older version may carry a
 * key this version no longer has: refusing it would leave the cluster with no
 * config at all, so such keys are dropped here (and only here). Anything else
 * wrong with the row still throws.
 */
export function parseStoredConfig(doc: unknown): Config {
  for (let round = 0; ; round++) {
    const res = Config.safeParse(doc);
    if (res.success) return res.data;
    const unknown = res.error.issues.filter((i) => i.code === 'unrecognized_keys');
    if (unknown.length === 0 || unknown.length !== res.error.issues.length || round >= MAX_ROUNDS) throw res.error;
    for (const issue of unknown) {
      const parent = issue.path.reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown>)[k], doc) as Record<string, unknown>;
      for (const key of issue.keys) delete parent[key];
    }
  }
}
