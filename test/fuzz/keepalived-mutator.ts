import { isDeepStrictEqual } from 'node:util';
import { Config } from '../../core/config/model.ts';
import { readKeepalivedConfig, type ConfigHost, type Diagnostic } from '../../core/keepalived/index.ts';
import { prng } from '../helpers/prng.ts';

const SNIPPETS = [
  '{', '}', '"', "'", '\\', '#', '!', '$X', '${X}', '$X=1', '$M= \\', '~SEQ(I, 1, 3)', '~LST(A, 1, 2)', '~SEQx(H, 0x10)', '@a', '@^b',
  'include other.conf', 'include *.conf', 'includea missing/*', '999999999999', '-1', '0', '256', '65536', '1.2.3', '::g', '10.0.0.1/33',
  'status_code 99', 'digest 123', 'virtual_server', 'real_server', 'HTTP_GET', 'url', 'vrrp_instance', 'vrrp_sync_group', 'group',
  'weight', 'priority', 'advert_int 0.001', 'delay_loop 1e9', '\t', '  ', '\n', '\r\n', '\u0000', '\u00e9', '$RECURSE=$RECURSE $RECURSE',
];

/** One mutation of a text: flips, deletions, duplications and inserted grammar fragments. */
export function mutate(text: string, rand: () => number): string {
  let lines = text.split('\n');
  const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)]!;
  const rounds = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < rounds; k++) {
    const i = Math.floor(rand() * Math.max(1, lines.length));
    switch (Math.floor(rand() * 7)) {
      case 0:
        lines.splice(i, 1);
        break;
      case 1:
        lines.splice(i, 0, lines[Math.floor(rand() * lines.length)] ?? '');
        break;
      case 2: {
        const l = lines[i] ?? '';
        const at = Math.floor(rand() * (l.length + 1));
        lines[i] = l.slice(0, at) + pick(SNIPPETS) + l.slice(at);
        break;
      }
      case 3: {
        const l = lines[i] ?? '';
        if (l.length) {
          const at = Math.floor(rand() * l.length);
          lines[i] = l.slice(0, at) + String.fromCharCode(32 + Math.floor(rand() * 95)) + l.slice(at + 1);
        }
        break;
      }
      case 4: {
        const l = lines[i] ?? '';
        const words = l.split(/(\s+)/);
        const w = Math.floor(rand() * words.length);
        words[w] = pick(SNIPPETS);
        lines[i] = words.join('');
        break;
      }
      case 5:
        lines = lines.slice(0, i).concat(lines.slice(i + Math.floor(rand() * 5)));
        break;
      default:
        lines.splice(i, 0, pick(SNIPPETS) + ' ' + pick(SNIPPETS));
    }
  }
  return lines.join('\n');
}

/** Files in memory: the fuzzer exercises the reader, not the disk. */
export function memoryHost(files: Map<string, string>): ConfigHost {
  return {
    readFile(p) {
      const t = files.get(p);
      if (t === undefined) throw new Error('no such file');
      return t;
    },
    glob(pattern) {
      const re = new RegExp('^' + pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$');
      return [...files.keys()].filter((k) => re.test(k)).sort();
    },
    env: () => undefined,
    random: () => 0.5,
  };
}

export interface FuzzFailure {
  seed: number;
  text: string;
  problem: string;
}

/**
 * Why a model the reader accepted is not what the schema makes of it, or null.
 * The reader checks values itself and takes only defaults from the schema
 * (core/config/schema-defaults.ts): the schema must accept its every model
 * and give it back unchanged.
 */
export function schemaDisagreement(config: Config): string | null {
  const again = Config.safeParse(config);
  if (!again.success) return `the reader accepted a model the schema refuses: ${again.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
  return isDeepStrictEqual(again.data, config) ? null : 'the schema gives a different model than the reader (a default)';
}

/**
 * Runs `iterations` mutations over the corpus (the first pass over each
 * corpus entry unmutated). Passes when the reader never throws, every
 * diagnostic has a real position in a real file, a refused config says why,
 * and an accepted one is what the schema makes of it. Returns the failures
 * (empty when all is well).
 */
export function fuzz(corpus: string[], iterations: number, seed: number): { runs: number; failures: FuzzFailure[] } {
  const failures: FuzzFailure[] = [];
  for (let n = 0; n < iterations; n++) {
    const s = seed + n;
    const rand = prng(s);
    const text = n < corpus.length ? corpus[n]! : mutate(corpus[Math.floor(rand() * corpus.length)]!, rand);
    const files = new Map([['/etc/keepalived/keepalived.conf', text], ['/etc/keepalived/other.conf', mutate(corpus[0]!, rand)]]);
    let problem: string | undefined | null;
    try {
      // Smaller expansion bounds than the defaults keep each case fast while still reaching the limit paths.
      const res = readKeepalivedConfig('/etc/keepalived/keepalived.conf', { host: memoryHost(files), configId: 'a', budget: { bytes: 1 << 20, lines: 20_000 } });
      const bad = res.diagnostics.find((d: Diagnostic) => !files.has(d.file) || !(d.line >= 1) || !(d.col >= 1) || d.message === '');
      if (bad) problem = `diagnostic without a real position: ${JSON.stringify(bad)}`;
      else if (!res.ok && !res.diagnostics.some((d) => d.severity === 'error')) problem = 'refused without an error';
      else if (res.ok) problem = schemaDisagreement(res.config);
    } catch (err) {
      problem = `threw: ${(err as Error).stack ?? String(err)}`;
    }
    if (problem) failures.push({ seed: s, text, problem });
  }
  return { runs: iterations, failures };
}
