import type { ConfigHost } from './preprocess.ts';

/**
 * A host that holds one uploaded file and nothing else: what the Board uses for
 * a keepalived.conf PUT over the API. An `include` there is an error naming the
 * file it wanted, since the Board cannot see the director's disk.
 */
export function singleFileHost(name: string, text: string): ConfigHost {
  return {
    readFile(p) {
      if (p === name) return text;
      throw new Error('include is not available in an uploaded config: upload the assembled file');
    },
    glob: () => [],
    env: () => undefined,
    random: Math.random,
  };
}
