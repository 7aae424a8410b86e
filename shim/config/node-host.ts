import { readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ConfigHost } from '../../core/keepalived/index.ts';
import { segmentToRegExp } from '../../core/keepalived/paths.ts';
import { VigilError } from '../../core/errors.ts';

/** The keepalived.conf reader's view of a Node host: files, glob(3)-like matching, env. */
export const nodeConfigHost: ConfigHost = {
  readFile(path) {
    const st = statSync(path);
    if (st.isDirectory()) throw new VigilError('ERR_CONFIG_IO', 'is a directory', { path });
    return readFileSync(path, 'utf8');
  },
  glob(pattern) {
    const abs = pattern.startsWith('/');
    const segs = pattern.split('/').filter((s) => s !== '');
    let bases = [abs ? '/' : '.'];
    segs.forEach((seg, i) => {
      const last = i === segs.length - 1;
      const next: string[] = [];
      for (const b of bases) {
        if (!/[*?[]/.test(seg)) {
          next.push(b === '.' && !abs ? seg : join(b, seg));
          continue;
        }
        let names: string[];
        try {
          names = readdirSync(b);
        } catch {
          continue;
        }
        const re = segmentToRegExp(seg);
        for (const n of names.sort()) {
          if (n.startsWith('.') && !seg.startsWith('.')) continue;
          if (re.test(n)) next.push(b === '.' && !abs ? n : join(b, n));
        }
      }
      bases = last ? next : next.filter((p) => isDir(p));
    });
    return bases.filter((p) => isFile(p)).sort();
  },
  env: (name) => process.env[name],
  random: () => Math.random(),
};

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** keepalived's default config id: the first part of the node name. */
export function defaultConfigId(): string {
  return hostname().split('.')[0] ?? '';
}
